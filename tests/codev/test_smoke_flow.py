"""The issue's whole flow through the services, end to end."""

from tests.codev.conftest import COMMENTARY_V2, add_commentary, reviewed

from yiwang.codev import selectors, services
from yiwang.codev.enums import Stage
from yiwang.codev.models import Release
from yiwang.courses.enums import CourseStatus


def test_flow_from_project_to_adoption_update(cd):
    review_round, sheet = reviewed(cd)
    cd.project.refresh_from_db()
    assert cd.project.stage == Stage.REVIEW
    release = services.publish_project(by=cd.office, project=cd.project, featured=True)
    cd.project.refresh_from_db()
    course = cd.project.course
    course.refresh_from_db()
    assert (cd.project.stage, course.status, release.number) == (Stage.PUBLISHED, CourseStatus.FEATURED, 1)
    assert set(course.co_schools.values_list("code", flat=True)) == {"city-a"}
    assert list(course.teachers.values_list("name", flat=True)) == ["撰稿甲"]
    adoption = services.adopt_course(
        by=cd.outsider, school=cd.net.far, course_id=course.pk, local_notes="本校安排在周三"
    )
    assert adoption.based_on == release
    services.add_course_version(
        by=cd.office,
        course=course,
        kind="commentary",
        title="解说词",
        note="第二版",
        text=COMMENTARY_V2 + "\n新增一段。",
    )
    v2 = services.publish_update(by=cd.office, course=course, note="增加结尾")
    [behind] = selectors.with_latest([selectors.access_adoption(cd.outsider, adoption.pk)])
    assert (behind.based_on.number, behind.latest_number, behind.behind) == (1, 2, 1)
    services.take_update(by=cd.outsider, adoption=adoption)
    adoption.refresh_from_db()
    assert (adoption.based_on_id, adoption.local_notes) == (v2.pk, "本校安排在周三")
    assert Release.objects.filter(course=course).count() == 2
    _ = add_commentary
