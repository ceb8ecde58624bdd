from datetime import date

from tests.codev.conftest import reviewed

from yiwang.codev.models import Project, Task


def test_project_list_and_detail(cd, client_for):
    client = client_for(cd.writer)
    data = client.get("/api/v1/codev/projects").json()
    assert data["count"] == 1
    assert data["items"][0]["title"] == "广州起义纪念馆现场教学"
    assert data["items"][0]["stage_label"] == "选题论证"
    detail = client.get(f"/api/v1/codev/projects/{cd.project.pk}").json()
    assert sorted(m["role_label"] for m in detail["team"]) == ["主讲", "撰稿", "负责人"]
    assert [p["stage_label"] for p in detail["plan"]] == ["选题论证", "资料撰写", "试讲", "评审", "发布"]


def test_create_project_and_task(cd, client_for):
    client = client_for(cd.office)
    response = client.post(
        "/api/v1/codev/projects",
        {
            "school_code": "city",
            "title": "黄埔军校旧址",
            "module_id": cd.module.pk,
            "school_ids": [cd.net.far.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    project = Project.objects.get(pk=response.json()["id"])
    member_id = project.team.get().pk
    task = client.post(
        f"/api/v1/codev/projects/{project.pk}/tasks",
        {"title": "选题论证报告", "assignee_id": member_id, "due_date": "2030-01-01"},
        content_type="application/json",
    )
    assert task.status_code == 201
    assert Task.objects.get().due_date == date(2030, 1, 1)


def test_task_for_non_member_via_api(cd, client_for):
    response = client_for(cd.office).post(
        f"/api/v1/codev/projects/{cd.project.pk}/tasks",
        {"title": "x", "assignee_id": 987654, "due_date": "2030-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "任务只能分配给项目组成员。"


def test_rounds_adoption_and_counts(cd, client_for):
    from yiwang.codev import services

    review_round, _ = reviewed(cd)
    services.publish_project(by=cd.office, project=cd.project)
    adopter = client_for(cd.outsider)
    response = adopter.post(
        f"/api/v1/codev/courses/{cd.project.course_id}/adoptions",
        {"school_code": "far", "local_notes": "本校"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["based_on"] == 1
    twice = adopter.post(
        f"/api/v1/codev/courses/{cd.project.course_id}/adoptions",
        {"school_code": "far"},
        content_type="application/json",
    )
    assert twice.status_code == 409
    assert twice.json()["error"]["message"] == "中共远方市委党校已引用过该课程。"
    rounds = client_for(cd.office).get(f"/api/v1/codev/projects/{cd.project.pk}/rounds").json()
    assert [(r["number"], r["decision_label"], r["average"]) for r in rounds] == [(1, "通过", "83.00")]
    assert rounds[0]["sheets"][0]["reviewer"] == cd.reviewer.full_name
    counts = client_for(cd.office).get("/api/v1/codev/counts").json()
    assert counts == {
        "in_progress": 0,
        "published": 1,
        "adoptions": 1,
        "topic_adoptions": 0,
        "reviews_done": 1,
    }
