"""The index-backed project visibility: ProjectSchool rows, the merged list, the capped grid —
the same rule as before (team member ∪ team-school staff ∪ published with a visible course)."""

from django.urls import reverse
from tests.factories import member
from tests.factories.courses import ModuleFactory

from yiwang.codev import selectors, services
from yiwang.codev.enums import Stage
from yiwang.codev.models import Project, ProjectSchool
from yiwang.courses.models import Course
from yiwang.network.enums import SharingScope


def _published(cd, n, *, module=None, scope=SharingScope.NETWORK, schools=()):
    """n projects of the city school, published with a course of ``scope``."""
    module = module or ModuleFactory(owner_school=cd.net.city)
    projects = []
    for i in range(n):
        p = services.create_project(
            by=cd.office, school=cd.net.city, title=f"已发布{module.pk}-{i}", module=module, schools=schools
        )
        Project.objects.filter(pk=p.pk).update(stage=Stage.PUBLISHED)
        Course.objects.filter(pk=p.course_id).update(status="published", scope=scope)
        projects.append(p)
    return module, projects


def test_project_school_rows_follow_the_team(cd, client_for):
    rows = set(ProjectSchool.objects.filter(project=cd.project).values_list("school_id", flat=True))
    assert rows == {cd.net.city.pk, cd.net.branch_a.pk}
    assert selectors.projects_visible_to(cd.outsider).count() == 0
    services.add_school(by=cd.office, project=cd.project, school=cd.net.far)
    rows = set(ProjectSchool.objects.filter(project=cd.project).values_list("school_id", flat=True))
    assert rows == {cd.net.city.pk, cd.net.branch_a.pk, cd.net.far.pk}
    assert selectors.projects_visible_to(cd.outsider).count() == 1
    assert client_for(cd.outsider).get("/api/v1/codev/projects").json()["count"] == 1
    assert selectors.projects_visible_to(cd.outsider, school=cd.net.far).count() == 1
    assert selectors.projects_visible_to(cd.office, school=cd.net.stranger).count() == 0
    assert selectors.projects_visible_to(cd.stranger_staff).count() == 0


def test_team_member_who_is_not_staff_sees_only_through_membership(cd):
    other_teacher = member(cd.net.branch_a, is_teacher=True)  # same school as the writer, not on the team
    assert selectors.projects_visible_to(cd.writer).count() == 1
    assert selectors.projects_visible_to(other_teacher).count() == 0
    assert selectors.module_stage_grid(other_teacher) == []


def test_published_branch_is_dropped_for_other_stage_filters_and_follows_course_scope(cd):
    Project.objects.filter(pk=cd.project.pk).update(stage=Stage.PUBLISHED)
    Course.objects.filter(pk=cd.project.course_id).update(status="published", scope=SharingScope.NETWORK)
    assert selectors.projects_visible_to(cd.stranger_staff).count() == 1
    assert selectors.projects_visible_to(cd.stranger_staff, stage=Stage.PUBLISHED).count() == 1
    assert selectors.projects_visible_to(cd.stranger_staff, stage=Stage.WRITING).count() == 0
    [row] = selectors.module_stage_grid(cd.stranger_staff)
    assert (row["total"], row["stages"][Stage.PUBLISHED]) == (1, 1)
    Course.objects.filter(pk=cd.project.course_id).update(scope=SharingScope.SCHOOL)
    assert selectors.projects_visible_to(cd.stranger_staff).count() == 0
    assert selectors.module_stage_grid(cd.stranger_staff) == []
    assert selectors.projects_visible_to(cd.branch_staff).count() == 1  # a team school, whatever the scope
    Course.objects.filter(pk=cd.project.course_id).update(status="retired", scope=SharingScope.NETWORK)
    assert selectors.projects_visible_to(cd.stranger_staff).count() == 0


def test_merged_list_pages_equal_the_visible_order(cd):
    _published(cd, 3)
    _published(cd, 2, scope=SharingScope.SCHOOL)  # seen by the city's staff only
    services.create_project(by=cd.office, school=cd.net.city, title="草稿项目", module=cd.module)
    for viewer in (cd.office, cd.stranger_staff, cd.writer):
        expected = list(selectors.projects_visible_to(viewer).values_list("pk", flat=True))
        first = selectors.project_page(viewer, 1, per_page=2)
        assert (first.count, first.num_pages) == (len(expected), -(-len(expected) // 2))
        pages = []
        for number in range(1, first.num_pages + 1):
            pages += [p.pk for p in selectors.project_page(viewer, number, per_page=2).items]
        assert pages == expected
    assert len(selectors.projects_visible_to(cd.stranger_staff)) == 3


def test_published_grid_cells_are_capped(cd, monkeypatch, client_for):
    module, _ = _published(cd, 3)
    monkeypatch.setattr(selectors, "GRID_CAP", 2)
    counts, capped = selectors.grid_counts(cd.stranger_staff)
    assert (counts, capped) == ({(module.pk, Stage.PUBLISHED): 2}, {(module.pk, Stage.PUBLISHED)})
    page = client_for(cd.stranger_staff).get(reverse("codev:index"))
    assert page.context["page"].count == 2 and page.context["page"].count_capped is True
    assert "共 2+ 个项目" in page.content.decode()
    assert len(page.context["projects"]) == 3  # the list itself is not capped


def test_team_project_with_a_hidden_course_is_still_counted_for_the_team(cd):
    module, [project] = _published(cd, 1, scope=SharingScope.SCHOOL, schools=[cd.net.far])
    far_staff = cd.outsider  # far is on the team; the course is 本校 (city only)
    counts, _ = selectors.grid_counts(far_staff)
    assert counts == {(module.pk, Stage.PUBLISHED): 1}
    assert [p.pk for p in selectors.project_page(far_staff, 1).items] == [project.pk]
    assert selectors.grid_counts(cd.stranger_staff) == ({}, set())


def test_projects_in_progress_are_the_visible_projects_before_publication(cd):
    """The boards' 在建 list (the rule's private branch alone) is exactly the visible projects less
    the published ones, for every kind of viewer, with published and unpublished projects of
    network and school-only courses around."""
    from tests.factories import platform_admin

    _published(cd, 2, scope=SharingScope.NETWORK)
    _published(cd, 1, scope=SharingScope.SCHOOL, schools=[cd.net.far])
    other = services.create_project(by=cd.office, school=cd.net.city, title="另一个在建", module=cd.module)
    services.add_school(by=cd.office, project=other, school=cd.net.stranger)
    people = (
        cd.office,
        cd.lead_teacher,
        cd.writer,
        cd.branch_staff,
        cd.reviewer,
        cd.outsider,
        cd.stranger_staff,
        member(cd.net.partner, is_teacher=True),
        platform_admin("system"),
    )
    seen = []
    for viewer in people:
        want = set(
            selectors.projects_visible_to(viewer).exclude(stage=Stage.PUBLISHED).values_list("pk", flat=True)
        )
        got = set(selectors.projects_in_progress_visible_to(viewer).values_list("pk", flat=True))
        assert got == want, viewer
        seen.append(len(got))
    assert seen[0] == 2 and seen[-1] == 2 and seen[5] == 0 and seen[6] == 1
