"""The 合备一门课 list reads after the performance pass: the grid's two statements give exactly the
counts of ``projects_visible_to`` for every viewer, over several modules and course scopes; the
rows carry what the page and the API show (read with their columns only, links reversed once);
the query count does not grow with the projects or the modules."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.factories.courses import ModuleFactory

from yiwang.codev import selectors, services
from yiwang.codev.enums import Stage
from yiwang.codev.models import Project
from yiwang.courses.models import Course
from yiwang.network.enums import SharingScope


def _project(cd, title, *, module, stage=Stage.TOPIC, scope=None, status=None, schools=(), school=None):
    p = services.create_project(
        by=cd.office, school=school or cd.net.city, title=title, module=module, schools=schools
    )
    if stage != Stage.TOPIC:
        Project.objects.filter(pk=p.pk).update(stage=stage)
    if scope or status:
        Course.objects.filter(pk=p.course_id).update(
            **{k: v for k, v in (("scope", scope), ("status", status)) if v}
        )
    return p


def _mix(cd):
    """Projects over three modules: open ones with and without the branch school, published
    ones with a 全网 course, a 本校 course (the city's staff only) and a retired course."""
    modules = [cd.module, ModuleFactory(owner_school=cd.net.city), ModuleFactory(owner_school=cd.net.city)]
    for i, module in enumerate(modules):
        _project(cd, f"撰稿{i}", module=module, stage=Stage.WRITING, schools=[cd.net.branch_a])
        _project(cd, f"试讲{i}", module=module, stage=Stage.TRIAL)
        _project(cd, f"全网{i}", module=module, stage=Stage.PUBLISHED, scope="network", status="published")
        _project(
            cd,
            f"本校{i}",
            module=module,
            stage=Stage.PUBLISHED,
            scope=SharingScope.SCHOOL,
            status="published",
        )
        _project(
            cd,
            f"退役{i}",
            module=module,
            stage=Stage.PUBLISHED,
            scope="network",
            status="retired",
            schools=[cd.net.far],
        )
    return modules


def _expected(viewer) -> dict:
    rows = selectors.projects_visible_to(viewer).order_by().values_list("module_id", "stage")
    counts: dict = {}
    for key in rows:
        counts[key] = counts.get(key, 0) + 1
    return counts


VIEWERS = ("office", "writer", "branch_staff", "outsider", "stranger_staff", "lead_teacher", "reviewer")


def test_grid_counts_equal_the_visible_projects_for_every_viewer(cd):
    _mix(cd)
    for name in VIEWERS:
        viewer = getattr(cd, name)
        counts, capped = selectors.grid_counts(viewer)
        assert (counts, capped) == (_expected(viewer), set()), name


def test_grid_caps_each_module_on_its_own(cd, monkeypatch):
    modules = _mix(cd)
    for i in range(2):
        _project(
            cd, f"再发布{i}", module=modules[1], stage=Stage.PUBLISHED, scope="network", status="published"
        )
    monkeypatch.setattr(selectors, "GRID_CAP", 2)
    counts, capped = selectors.grid_counts(cd.stranger_staff)
    # the stranger sees the 全网 published projects only: 1, 3 and 1 in the three modules
    assert counts == {(m.pk, Stage.PUBLISHED): n for m, n in zip(modules, (1, 2, 1), strict=True)}
    assert capped == {(modules[1].pk, Stage.PUBLISHED)}
    # the far school's staff: its team project with the retired course is counted on top of the cap
    counts, capped = selectors.grid_counts(cd.outsider)
    assert counts[(modules[1].pk, Stage.PUBLISHED)] == 3 and capped == {(modules[1].pk, Stage.PUBLISHED)}
    assert counts[(modules[0].pk, Stage.PUBLISHED)] == 2


def test_list_rows_show_their_module_schools_and_link(cd, client_for):
    _mix(cd)
    page = client_for(cd.office).get(reverse("codev:index"))
    rows = page.context["projects"]
    expected = list(selectors.projects_visible_to(cd.office)[:50])
    assert [p.pk for p in rows] == [p.pk for p in expected]
    html = page.content.decode()
    for p in rows:
        assert p.url == reverse("codev:project", args=[p.pk])
        assert f'<a href="{p.url}">{p.title}</a>' in html
    writing = next(p for p in rows if p.title == "撰稿0")
    assert [s.short_name for s in writing.schools.all()] == [cd.net.branch_a.short_name]
    api = client_for(cd.office).get("/api/v1/codev/projects?page_size=50").json()
    item = next(i for i in api["items"] if i["title"] == "撰稿0")
    assert item["module_name"] == cd.module.name and item["stage"] == Stage.WRITING
    assert item["lead_school"] == {"id": cd.net.city.pk, "code": cd.net.city.code, "name": cd.net.city.name}
    assert item["schools"] == [
        {"id": cd.net.branch_a.pk, "code": cd.net.branch_a.code, "name": cd.net.branch_a.name}
    ]
    assert item["course_id"] == writing.course_id


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/codev/",
        "/codev/?stage=published",
        "/codev/?stage=writing",
        "/api/v1/codev/projects?page_size=50",
        "/api/v1/codev/projects?stage=published",
    ],
)
def test_list_query_count_does_not_grow_with_projects_or_modules(cd, client_for, url):
    _project(cd, "首个", module=cd.module, stage=Stage.PUBLISHED, scope="network", status="published")
    _project(cd, "首个撰稿", module=cd.module, stage=Stage.WRITING)
    counts = {}  # rows on every list at first (the stranger: published ones only)
    for name in ("office", "stranger_staff"):
        client = client_for(getattr(cd, name))
        counts[name] = [_queries(client, url)]
    _mix(cd)  # 15 more projects in 3 modules
    for extra in range(4):  # and four more modules with a published project each
        _project(
            cd,
            f"新模块{extra}",
            module=ModuleFactory(owner_school=cd.net.city),
            stage=Stage.PUBLISHED,
            scope="network",
            status="published",
        )
    for name in counts:
        client = client_for(getattr(cd, name))
        counts[name].append(_queries(client, url))
    assert counts["office"][0] == counts["office"][1], counts
    assert counts["stranger_staff"][0] == counts["stranger_staff"][1], counts
