"""Projects before publication are invisible outside the team schools: pages, API, exports, counts."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from tests.codev.conftest import reviewed
from tests.factories import member

from yiwang.codev import selectors, services


@pytest.fixture
def outsiders(cd):
    """People of schools outside the team (the far school is in the city's alliance; the stranger in nothing)."""
    return {
        "far staff": cd.outsider,
        "far teacher": cd.reviewer,
        "stranger admin": cd.stranger_staff,
        "branch_b staff (same system, not on the team)": member(cd.net.branch_b, is_teaching_staff=True),
    }


@pytest.fixture
def insiders(cd):
    return {"lead office": cd.office, "team writer": cd.writer, "branch staff": cd.branch_staff}


def test_insiders_see_the_project(cd, insiders, client_for):
    for who, user in insiders.items():
        assert selectors.projects_visible_to(user).count() == 1, who
        assert client_for(user).get(reverse("codev:project", args=[cd.project.pk])).status_code == 200, who


def test_unpublished_project_leaks_nowhere(cd, outsiders, client_for):
    reviewed(cd)  # a finished round, not published
    for who, user in outsiders.items():
        client = client_for(user)
        assert selectors.projects_visible_to(user).count() == 0, who
        assert selectors.project_counts(user) == {
            "in_progress": 0,
            "published": 0,
            "adoptions": 0,
            "topic_adoptions": 0,
            "reviews_done": 0,
        }, who
        assert client.get(reverse("codev:project", args=[cd.project.pk])).status_code == 404, who
        index = client.get(reverse("codev:index")).content.decode()
        assert cd.project.title not in index, who
        api = client.get("/api/v1/codev/projects").json()
        assert (api["count"], api["items"]) == (0, []), who
        assert client.get(f"/api/v1/codev/projects/{cd.project.pk}").status_code == 404, who
        assert client.get(f"/api/v1/codev/projects/{cd.project.pk}/tasks").status_code == 404, who
        assert client.get(f"/api/v1/codev/rounds/{cd.project.rounds.get().pk}").status_code == 404, who
        assert client.get("/api/v1/codev/counts").json()["reviews_done"] == 0, who
        rows = list(
            load_workbook(io.BytesIO(client.get(reverse("codev:review_export")).content)).active.iter_rows(
                values_only=True
            )
        )
        assert rows == [tuple(selectors.REVIEW_HEADER)], who
        material = cd.project.course.materials.first()
        assert (
            client.get(reverse("codev:material_download", args=[cd.project.pk, material.pk])).status_code
            == 404
        ), who
        assert (
            client.get(
                reverse("codev:compare", args=[cd.project.pk]), {"a": material.pk, "b": material.pk}
            ).status_code
            == 404
        ), who
        assert client.get(reverse("courses:detail", args=[cd.project.course_id])).status_code == 404, who


def test_published_project_follows_the_course_scope(cd, outsiders):
    reviewed(cd)
    services.publish_project(by=cd.office, project=cd.project)
    # the course is 全网: every signed-in user now sees the project and the course
    for who, user in outsiders.items():
        assert selectors.projects_visible_to(user).count() == 1, who
    from yiwang.courses.services import update_course

    update_course(by=cd.office, course=cd.project.course, scope="school")
    assert selectors.projects_visible_to(cd.outsider).count() == 0
    assert selectors.projects_visible_to(cd.writer).count() == 1


def test_anonymous_sees_nothing(cd, client):
    assert client.get("/api/v1/codev/projects").json()["count"] == 0
    assert client.get(reverse("codev:index")).status_code == 302


def test_adoptions_are_seen_by_the_adopter_and_the_owner_only(cd, client_for):
    reviewed(cd)
    services.publish_project(by=cd.office, project=cd.project)
    services.adopt_course(by=cd.outsider, school=cd.net.far, course_id=cd.project.course_id)
    assert selectors.adoptions_visible_to(cd.reviewer).count() == 1  # a member of the adopting school
    assert selectors.adoptions_visible_to(cd.office).count() == 1  # the owner school
    assert selectors.adoptions_visible_to(cd.stranger_staff).count() == 0
    stranger = client_for(cd.stranger_staff)
    assert stranger.get("/api/v1/codev/adoptions").json()["count"] == 0
    rows = list(
        load_workbook(io.BytesIO(stranger.get(reverse("codev:adoption_export")).content)).active.iter_rows(
            values_only=True
        )
    )
    assert len(rows) == 1
    page = stranger.get(reverse("codev:course_adoptions", args=[cd.project.course_id])).content.decode()
    assert cd.net.far.name not in page
    assert "共 1 所学校引用了这门课程。" in page


def test_blind_round_api_names_no_reviewer(cd, client_for):
    review_round, _ = reviewed(cd, blind=True)
    data = client_for(cd.writer).get(f"/api/v1/codev/rounds/{review_round.pk}").json()
    assert data["sheets"] == [
        {
            "reviewer": "评审人 1",
            "reviewer_school": "",
            "status": "submitted",
            "total": "83.00",
            "comment": "主题鲜明",
        }
    ]
