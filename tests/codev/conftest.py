"""合备一门课 fixtures: a project of the city school with branch_a, a rubric, people of every side.

city (lead) ── branch_a (participating)      far, stranger: outside the team
"""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from tests.factories import member
from tests.factories.courses import BankTeacherFactory, ModuleFactory

from yiwang.codev import services
from yiwang.codev.enums import Role
from yiwang.reviews.services import create_rubric

COMMENTARY_V1 = "广州起义纪念馆位于越秀区。\n起义爆发于1927年12月11日。\n请学员注意观察展厅。"
COMMENTARY_V2 = "广州起义纪念馆位于广州市越秀区。\n起义爆发于1927年12月11日。\n请学员重点观察第二展厅。"


@pytest.fixture
def cd(network):
    office = member(network.city, is_teaching_staff=True)  # the lead school's teaching office
    office2 = member(network.city, is_teaching_staff=True)
    lead_teacher = member(network.city, is_teacher=True)
    writer = member(network.branch_a, is_teacher=True)
    branch_staff = member(network.branch_a, is_teaching_staff=True)
    reviewer = member(network.far, is_teacher=True)
    reviewer2 = member(network.stranger, is_teacher=True)
    outsider = member(network.far, is_teaching_staff=True)
    stranger_staff = member(network.stranger, is_school_admin=True)
    BankTeacherFactory(owner_school=network.branch_a, name="撰稿甲", user=writer)
    module = ModuleFactory(owner_school=network.city, name="英雄城市·薪火永续")
    rubric = create_rubric(
        by=office,
        school=network.city,
        name="现场教学精品课评审量表",
        purpose="course",
        indicators=[
            {"name": "政治性与思想性", "weight": "30", "min_score": "0", "max_score": "10"},
            {"name": "解说词质量", "weight": "70", "min_score": "0", "max_score": "10"},
        ],
    )
    project = services.create_project(
        by=office,
        school=network.city,
        title="广州起义纪念馆现场教学",
        module=module,
        schools=[network.branch_a],
        place_name="广州起义纪念馆",
        plan={"topic": date(2026, 1, 10), "writing": date(2026, 3, 1)},
    )
    services.add_member(by=office, project=project, user=lead_teacher, role=Role.LECTURER)
    writer_member = services.add_member(by=office, project=project, user=writer, role=Role.WRITER)
    return SimpleNamespace(
        net=network,
        office=office,
        office2=office2,
        lead_teacher=lead_teacher,
        writer=writer,
        writer_member=writer_member,
        branch_staff=branch_staff,
        reviewer=reviewer,
        reviewer2=reviewer2,
        outsider=outsider,
        stranger_staff=stranger_staff,
        module=module,
        rubric=rubric,
        project=project,
        today=date.today(),
        soon=date.today() + timedelta(days=7),
    )


def add_commentary(cd, text=COMMENTARY_V1, note="初稿", by=None):
    return services.add_version(
        by=by or cd.writer, project=cd.project, kind="commentary", title="解说词", note=note, text=text
    )


def scores(rubric, *values):
    return {ind.pk: v for ind, v in zip(rubric.indicators.order_by("position"), values, strict=True)}


def reviewed(cd, *, decision="pass", blind=False):
    """The project through writing → a closed round with one sheet (the far school's reviewer)."""
    services.move_stage(by=cd.office, project=cd.project, to="writing")
    add_commentary(cd)
    add_commentary(cd, COMMENTARY_V2, "根据试讲修改")
    review_round = services.open_review(by=cd.office, project=cd.project, rubric=cd.rubric, blind=blind)
    sheet = services.assign_reviewer(by=cd.office, review_round=review_round, reviewer=cd.reviewer)
    services.submit_review(by=cd.reviewer, sheet=sheet, scores=scores(cd.rubric, 9, 8), comment="主题鲜明")
    services.close_review(by=cd.office, review_round=review_round, decision=decision, reasons="解说词扎实")
    return review_round, sheet
