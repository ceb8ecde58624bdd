"""The 合备一门课 demo on a fresh database: projects at every stage in the five Guangzhou modules,
one with a 川滇黔 school, a finished review round with its sheets, and the adoptions the issue
asks for — two of courses (one behind the owner's latest version) and one of a lecture topic
(behind its owner's edit); a second run changes nothing."""

import pytest

from yiwang.codev import demo as codev_demo
from yiwang.codev import selectors
from yiwang.codev.enums import STAGE_ORDER, RoundStatus
from yiwang.codev.models import Adoption, Project, ReviewRound
from yiwang.courses import demo as courses_demo
from yiwang.faculty import demo as faculty_demo
from yiwang.network import demo as network_demo
from yiwang.network.demo import DemoLog
from yiwang.reviews import demo as reviews_demo
from yiwang.reviews.enums import SheetStatus
from yiwang.reviews.selectors import sheets_of
from yiwang.topics import demo as topics_demo

pytestmark = pytest.mark.django_db


def test_demo_shows_every_stage_a_review_and_adoptions_one_behind():
    log = DemoLog()
    for module in (network_demo, faculty_demo, topics_demo, courses_demo, reviews_demo, codev_demo):
        module.load(scale=0, log=log)

    assert Project.objects.count() == len(codev_demo.PROJECTS) >= 10
    assert set(Project.objects.values_list("stage", flat=True)) == set(STAGE_ORDER)
    assert Project.objects.values("module").distinct().count() == 5
    assert Project.objects.filter(schools__code="lz-xuyong").count() == 1
    closed = ReviewRound.objects.filter(status=RoundStatus.CLOSED)
    assert closed.count() >= 1
    assert all([s.status for s in sheets_of(r)] == [SheetStatus.SUBMITTED] * 3 for r in closed)

    adoptions = {
        (a.adopter_school.code, a.course.title if a.course_id else a.topic.title): a.behind
        for a in selectors.with_latest(Adoption.objects.select_related("adopter_school", "course", "topic"))
    }
    courses = {k: v for k, v in adoptions.items() if k[1] in {row[0] for row in codev_demo.PROJECTS}}
    assert courses == {("hy", codev_demo.PROJECTS[0][0]): 1, ("qy", codev_demo.PROJECTS[1][0]): 0}
    topics = {k: v for k, v in adoptions.items() if k not in courses}
    assert len(topics) == 1
    assert list(topics.values()) == [1]
    assert next(iter(topics))[0] == "hy"

    before = log.created
    codev_demo.load(scale=0, log=log)
    assert log.created == before
    assert Adoption.objects.count() == 3
