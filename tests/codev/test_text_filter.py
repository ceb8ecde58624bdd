"""The project list's ``q`` through the one search's index (``banks.text_filter``): a published
project is found by a word of its title as the search finds it (traditional = simplified, every
word required), a project before publication by its team through its title, and never a project
the viewer may not see."""

import pytest
from tests.codev.conftest import reviewed

from yiwang.banks import text_filter
from yiwang.codev import selectors, services
from yiwang.courses.services import update_course
from yiwang.search.selectors import list_filter_ids

pytestmark = pytest.mark.django_db


def found(viewer, q):
    return list(selectors.projects_visible_to(viewer, q=q).values_list("pk", flat=True))


@pytest.fixture
def published(cd, django_capture_on_commit_callbacks):
    reviewed(cd)
    with django_capture_on_commit_callbacks(execute=True):  # the index is written after commit
        services.publish_project(by=cd.office, project=cd.project)
    return cd.project


def test_a_published_project_is_found_through_the_index(cd, published, client_for):
    assert published.title == "广州起义纪念馆现场教学"
    # 紀念館 (traditional) stands nowhere in the title as written: only the index finds it
    assert found(cd.outsider, "紀念館") == [published.pk]
    assert found(cd.outsider, "现场教学 起义") == [published.pk]
    assert found(cd.outsider, "起义 火星") == []
    assert found(cd.outsider, "，。！") == []
    api = client_for(cd.outsider).get("/api/v1/codev/projects", {"q": "紀念館"}).json()
    assert (api["count"], [p["id"] for p in api["items"]]) == (1, [published.pk])
    page = client_for(cd.outsider).get("/codev/", {"q": "紀念館"}).content.decode()
    assert published.title in page
    try:
        text_filter.register(None)  # no matcher: the substring filter, which cannot read 紀念館
        assert found(cd.outsider, "紀念館") == []
        assert found(cd.outsider, "纪念馆") == [published.pk]
    finally:
        text_filter.register(list_filter_ids)


def test_the_filter_finds_nothing_the_viewer_may_not_see(cd, published, django_capture_on_commit_callbacks):
    # another school's project before publication, with the same words in its title
    hidden = services.create_project(
        by=cd.stranger_staff,
        school=cd.net.stranger,
        title="广州起义纪念馆研学课程",
        module=cd.project.module,
        schools=[],
        place_name="广州起义纪念馆",
        plan={},
    )
    assert found(cd.outsider, "纪念馆") == [published.pk]
    assert found(cd.stranger_staff, "纪念馆 研学") == [hidden.pk]  # its team: by its title
    assert sorted(found(cd.stranger_staff, "纪念馆")) == sorted([published.pk, hidden.pk])
    # the published course withdrawn to 本校: still in the index, no longer seen by the outsider
    with django_capture_on_commit_callbacks(execute=True):
        update_course(by=cd.office, course=published.course, scope="school")
    assert found(cd.outsider, "紀念館") == []
    assert found(cd.stranger_staff, "紀念館") == []
    assert found(cd.writer, "紀念館") == [published.pk]  # the team still sees its project
