"""The pages: workspace, comparison, review sheet, adoption; escaping; query-count guards."""

from datetime import date

import pytest
from django.urls import reverse
from tests.codev.conftest import COMMENTARY_V2, add_commentary, reviewed, scores
from tests.factories.courses import ModuleFactory

from yiwang.codev import services
from yiwang.codev.models import Project, ProjectEvent


def test_index_shows_projects_by_module_and_stage(cd, client_for):
    page = client_for(cd.writer).get(reverse("codev:index"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "英雄城市·薪火永续" in html
    assert html.count("广州起义纪念馆现场教学") == 1
    assert page.context["grid"][0]["stages"] == {
        "topic": 1,
        "writing": 0,
        "trial": 0,
        "review": 0,
        "published": 0,
    }


def test_create_project_page(cd, client_for):
    client = client_for(cd.office)
    response = client.post(
        reverse("codev:project_create"),
        {
            "school": cd.net.city.pk,
            "title": "黄埔军校旧址",
            "module": cd.module.pk,
            "schools": [cd.net.far.pk],
        },
    )
    project = Project.objects.get(title="黄埔军校旧址")
    assert response.status_code == 302
    assert response["Location"] == reverse("codev:project", args=[project.pk])
    assert list(project.schools.values_list("code", flat=True)) == ["far"]


def test_create_project_needs_a_title(cd, client_for):
    response = client_for(cd.office).post(
        reverse("codev:project_create"), {"school": cd.net.city.pk, "title": "", "module": cd.module.pk}
    )
    assert response.status_code == 400
    assert Project.objects.count() == 1


def test_workspace_shows_what_changed_since_last_visit(cd, client_for):
    client = client_for(cd.writer)
    url = reverse("codev:project", args=[cd.project.pk])
    client.get(url)
    services.create_task(
        by=cd.office,
        project=cd.project,
        title="补充史料",
        assignee=cd.writer_member,
        due_date=date(2020, 1, 1),
    )
    page = client.get(url)
    changes = [e.text for e in page.context["changes"]["events"]]
    assert changes == [f"布置任务“补充史料”给{cd.writer.full_name}，2020-01-01 截止"]
    assert "已逾期" in page.content.decode()
    assert client.get(url).context["changes"]["events"] == []


def test_comment_is_escaped(cd, client_for):
    client = client_for(cd.writer)
    client.post(
        reverse("codev:comment_create", args=[cd.project.pk]), {"body": "<b>粗体</b><script>x()</script>"}
    )
    html = client.get(reverse("codev:project", args=[cd.project.pk])).content.decode()
    assert "&lt;b&gt;粗体&lt;/b&gt;&lt;script&gt;x()&lt;/script&gt;" in html
    assert "<script>x()" not in html


def test_task_for_someone_not_on_the_team_shows_a_message(cd, client_for):
    client = client_for(cd.office)
    response = client.post(
        reverse("codev:task_create", args=[cd.project.pk]),
        {"title": "x", "assignee": 999999, "due_date": "2026-12-31"},
        follow=True,
    )
    assert "任务只能分配给项目组成员。" in [str(m) for m in response.context["messages"]]


def test_compare_two_versions_side_by_side(cd, client_for):
    a = add_commentary(cd)
    b = add_commentary(cd, COMMENTARY_V2 + "<img src=x>", "修改")
    page = client_for(cd.writer).get(reverse("codev:compare", args=[cd.project.pk]), {"a": b.pk, "b": a.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert "<ins>广州市</ins>" in html
    assert "<ins>&lt;img src=x&gt;</ins>" in html
    assert "第 1 版 → 第 2 版" in html


def test_compare_versions_of_two_different_materials_is_refused(cd, client_for):
    a = add_commentary(cd)
    other = services.add_version(
        by=cd.writer, project=cd.project, kind="lesson_plan", title="教案", note="初稿", text="教案正文"
    )
    page = client_for(cd.writer).get(
        reverse("codev:compare", args=[cd.project.pk]), {"a": a.pk, "b": other.pk}
    )
    assert page.status_code == 400
    assert "只能比较同一份资料的两个版本。" in page.content.decode()


def test_reviewer_scores_on_the_sheet_page_and_cannot_edit_after(cd, client_for):
    services.move_stage(by=cd.office, project=cd.project, to="writing")
    add_commentary(cd)
    review_round = services.open_review(by=cd.office, project=cd.project, rubric=cd.rubric)
    sheet = services.assign_reviewer(by=cd.office, review_round=review_round, reviewer=cd.reviewer)
    client = client_for(cd.reviewer)
    url = reverse("codev:sheet", args=[sheet.pk])
    ids = [i.pk for i in cd.rubric.indicators.order_by("position")]
    bad = client.post(url, {f"score_{ids[0]}": "9", f"score_{ids[1]}": "12"})
    assert bad.status_code == 400
    assert "指标“解说词质量”的得分须在 0–10 之间。" in bad.content.decode()
    ok = client.post(url, {f"score_{ids[0]}": "9", f"score_{ids[1]}": "8", "comment": "好"})
    assert ok.status_code == 302
    again = client.post(url, {f"score_{ids[0]}": "1", f"score_{ids[1]}": "1"})
    assert "评审表已提交，不能修改。" in again.content.decode()
    sheet.refresh_from_db()
    assert str(sheet.total) == "83.00"


def test_reviewer_cannot_open_the_workspace(cd, client_for):
    services.move_stage(by=cd.office, project=cd.project, to="writing")
    add_commentary(cd)
    review_round = services.open_review(by=cd.office, project=cd.project, rubric=cd.rubric)
    services.assign_reviewer(by=cd.office, review_round=review_round, reviewer=cd.reviewer)
    client = client_for(cd.reviewer)
    assert client.get(reverse("codev:project", args=[cd.project.pk])).status_code == 404
    assert client.get(reverse("codev:round", args=[review_round.pk])).status_code == 404
    material = review_round.materials.get()
    page = client.get(reverse("codev:round_material", args=[review_round.pk, material.pk]))
    assert page.status_code == 200
    assert "广州起义纪念馆位于越秀区。" in page.content.decode()


def test_blind_review_hides_the_team_names_from_the_reviewer(cd, client_for):
    services.move_stage(by=cd.office, project=cd.project, to="writing")
    add_commentary(cd)
    review_round = services.open_review(by=cd.office, project=cd.project, rubric=cd.rubric, blind=True)
    sheet = services.assign_reviewer(by=cd.office, review_round=review_round, reviewer=cd.reviewer)
    client = client_for(cd.reviewer)
    material = review_round.materials.get()
    pages = [
        client.get(reverse("codev:sheet", args=[sheet.pk])).content.decode(),
        client.get(reverse("codev:round_material", args=[review_round.pk, material.pk])).content.decode(),
        client.get(reverse("codev:index")).content.decode(),
    ]
    names = [
        cd.writer.full_name,
        cd.office.full_name,
        cd.lead_teacher.full_name,
        cd.net.city.name,
        cd.net.branch_a.name,
    ]
    for html in pages:
        for name in names:
            assert name not in html


def test_blind_round_does_not_name_reviewers_to_the_team(cd, client_for):
    review_round, _ = reviewed(cd, blind=True)
    html = client_for(cd.writer).get(reverse("codev:round", args=[review_round.pk])).content.decode()
    assert "评审人 1" in html
    assert cd.reviewer.full_name not in html
    assert cd.net.far.name not in html


def test_publish_then_course_page_shows_badge_and_adopt_link(cd, client_for):
    reviewed(cd)
    client = client_for(cd.office)
    response = client.post(reverse("codev:project_publish", args=[cd.project.pk]), {"featured": "on"})
    assert response.status_code == 302
    page = client_for(cd.outsider).get(reverse("courses:detail", args=[cd.project.course_id]))
    html = page.content.decode()
    assert "评审通过 · 83.00 分" in html
    assert reverse("codev:adopt", args=[cd.project.course_id]) in html


def test_publish_without_passed_round_shows_the_message(cd, client_for):
    services.move_stage(by=cd.office, project=cd.project, to="writing")
    response = client_for(cd.office).post(reverse("codev:project_publish", args=[cd.project.pk]), follow=True)
    assert "只有评审通过的项目才能发布：请先完成一轮评审并取得“通过”或“修改后通过”的结论。" in [
        str(m) for m in response.context["messages"]
    ]


def test_adoption_pages_show_the_change_and_keep_local_notes(cd, client_for):
    reviewed(cd)
    services.publish_project(by=cd.office, project=cd.project)
    course = cd.project.course
    adopter = client_for(cd.outsider)
    response = adopter.post(
        reverse("codev:adopt", args=[course.pk]),
        {"school": cd.net.far.pk, "local_notes": "本校第二天上午", "local_place": ""},
    )
    assert response.status_code == 302
    twice = adopter.post(reverse("codev:adopt", args=[course.pk]), {"school": cd.net.far.pk})
    assert "已引用过该课程。" in twice.content.decode()
    adoption = course.adoptions.get()
    services.add_course_version(
        by=cd.office,
        course=course,
        kind="commentary",
        title="解说词",
        note="v3",
        text=COMMENTARY_V2 + "\n结尾",
    )
    services.publish_update(by=cd.office, course=course, note="增加结尾")
    owner = client_for(cd.office).get(reverse("codev:course_adoptions", args=[course.pk])).content.decode()
    assert "落后 1 个版本" in owner
    page = client_for(cd.outsider).get(reverse("codev:adoption", args=[adoption.pk])).content.decode()
    assert "<ins>结尾</ins>" in page
    adopter.post(reverse("codev:adoption_take", args=[adoption.pk]))
    adoption.refresh_from_db()
    assert (adoption.based_on.number, adoption.local_notes) == (2, "本校第二天上午")


def test_withdrawn_course_shows_a_notice_on_the_copy(cd, client_for):
    from yiwang.courses.services import update_course

    reviewed(cd)
    services.publish_project(by=cd.office, project=cd.project)
    adoption = services.adopt_course(by=cd.outsider, school=cd.net.far, course_id=cd.project.course_id)
    update_course(by=cd.office, course=cd.project.course, scope="school")
    page = client_for(cd.outsider).get(reverse("codev:adoption", args=[adoption.pk]))
    assert page.status_code == 200
    assert "原课程已不再向贵校共享" in page.content.decode()


def _many_projects(cd, n):
    for i in range(n):
        project = services.create_project(
            by=cd.office,
            school=cd.net.city,
            title=f"项目{i}",
            module=ModuleFactory(owner_school=cd.net.city),
            schools=[cd.net.branch_a],
        )
        services.create_task(
            by=cd.office, project=project, title="t", assignee=project.team.get(), due_date=date(2030, 1, 1)
        )


@pytest.mark.parametrize("extra", [0, 12])
def test_project_list_query_count_is_constant(cd, client_for, django_assert_max_num_queries, extra):
    _many_projects(cd, extra)
    client = client_for(cd.office)
    client.get(reverse("codev:index"))
    with django_assert_max_num_queries(17):
        page = client.get(reverse("codev:index"))
    assert page.context["page"].count == 1 + extra


@pytest.mark.parametrize("extra", [1, 8])
def test_project_page_query_count_is_constant(cd, client_for, django_assert_max_num_queries, extra):
    for i in range(extra):
        add_commentary(cd, text=f"第{i}稿", note=f"v{i}")
        services.create_task(
            by=cd.office,
            project=cd.project,
            title=f"任务{i}",
            assignee=cd.writer_member,
            due_date=date(2030, 1, 1),
        )
        services.add_comment(by=cd.writer, project=cd.project, body=f"意见{i}")
    client = client_for(cd.office)
    with django_assert_max_num_queries(40):
        page = client.get(reverse("codev:project", args=[cd.project.pk]))
    assert len(page.context["tasks"]) == extra
    assert ProjectEvent.objects.filter(project=cd.project).count() >= extra


def test_review_export_lists_sheets_and_hides_blind_names(cd, client_for):
    import io

    from openpyxl import load_workbook

    reviewed(cd, blind=True)
    response = client_for(cd.office).get(reverse("codev:review_export"))
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("项目", "牵头学校", "轮次", "匿名评审", "评审人")
    assert rows[1][:7] == ("广州起义纪念馆现场教学", cd.net.city.name, 1, "是", "评审人 1", None, 83)
    _ = scores
