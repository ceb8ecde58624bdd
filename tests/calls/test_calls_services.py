"""The flow of 共研一个题 and each bad input: a clear Chinese message, nothing changed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from tests.calls.conftest import LINES, draft, in_review, pdf, submitted
from tests.factories import member

from yiwang.activity.models import AuditRecord
from yiwang.calls import selectors, services
from yiwang.calls.enums import ApplicationStatus, MilestoneKind, MilestoneStatus
from yiwang.calls.models import Application, BudgetLine, Expense, Milestone, ResearchCall, ReviewerLink
from yiwang.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from yiwang.network.enums import SharingScope
from yiwang.research.enums import ProjectStatus
from yiwang.research.models import Endorsement, ResearchProject

pytestmark = pytest.mark.django_db
S = ApplicationStatus


def test_deadline_one_second_before_is_accepted_and_one_second_after_refused(call, people):
    before = call.closes_at - timedelta(seconds=1)
    after = call.closes_at + timedelta(seconds=1)
    app = services.create_application(
        by=people.applicant,
        call=call,
        title="截止前一秒",
        budget_total="1",
        budget_lines=[{"category": "travel", "amount": "1"}],
        now=before,
    )
    assert app.status == S.DRAFT
    with pytest.raises(ConflictError) as exc:
        services.create_application(
            by=people.applicant, call=call, title="截止后一秒", budget_total="1", now=after
        )
    assert (
        exc.value.message
        == f"申报已于 {timezone.localtime(call.closes_at):%Y-%m-%d %H:%M:%S} 截止，不能再申报。"
    )
    services.attach_file(by=people.applicant, application=app, label="申报书", file=pdf(), now=before)
    with pytest.raises(ConflictError, match="截止，不能再提交"):
        services.submit_application(by=people.applicant, application=app, now=after)
    assert Application.objects.get(pk=app.pk).status == S.DRAFT
    services.submit_application(by=people.applicant, application=app, now=before)
    assert Application.objects.get(pk=app.pk).status == S.HOME_REVIEW
    assert selectors.call_phase(call, before) == "open"
    assert selectors.call_phase(call, after) == "closed"
    assert selectors.call_phase(call, call.closes_at) == "closed"


def test_applying_from_a_school_outside_the_scope_is_refused(call, people):
    with pytest.raises(PermissionDeniedError) as exc:
        services.create_application(by=people.stranger_user, call=call, title="越界", budget_total="1")
    assert exc.value.message == "中共无关市委党校不在本批次的申报范围内。"
    # far (alliance member, another system) is not in a 本系统 call either
    with pytest.raises(PermissionDeniedError, match="不在本批次的申报范围内"):
        services.create_application(by=people.partner_user, call=call, title="越界", budget_total="1")
    assert Application.objects.count() == 0


def test_partners_scope_makes_alliance_schools_eligible(network, people, rubric):
    now = timezone.now()
    c = services.create_call(
        by=people.office,
        school=network.city,
        title="协作批次",
        kind="custom",
        kind_label="联盟课题",
        year=2026,
        funding_pool=10,
        per_project_cap=5,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        scope=SharingScope.PARTNERS,
        alliances=[network.alliance],
    )
    c = services.publish_call(by=people.office, call=c)
    app = services.create_application(by=people.partner_user, call=c, title="联盟课题", budget_total="1")
    assert app.home_school == network.far
    with pytest.raises(PermissionDeniedError):
        services.create_application(by=people.stranger_user, call=c, title="越界", budget_total="1")


def test_budget_above_cap_or_not_adding_up_is_refused(call, people):
    with pytest.raises(DomainError) as exc:
        draft(call, people, total="6", lines=[{"category": "travel", "amount": "6"}])
    assert exc.value.message == "申请经费 6.00 万元超过本批次单项资助上限 5.00 万元。"
    with pytest.raises(DomainError) as exc:
        draft(call, people, total="3", lines=[{"category": "travel", "amount": "2"}])
    assert exc.value.message == "预算明细合计 2.00 万元，与申请经费 3.00 万元不一致。"
    assert Application.objects.count() == 0 and BudgetLine.objects.count() == 0


def test_member_on_too_many_applications_is_refused(call, people):
    draft(call, people, title="一")
    draft(call, people, title="二")
    with pytest.raises(DomainError) as exc:
        draft(call, people, title="三")
    assert exc.value.message == "李明远已参与本批次 2 项申报，每人最多 2 项。"
    assert Application.objects.count() == 2


def test_submit_needs_confirmed_members_and_required_attachments(call, people, application):
    with pytest.raises(ConflictError) as exc:
        services.submit_application(by=people.applicant, application=application)
    assert exc.value.message == "以下成员尚未确认参加：王思齐。"
    services.confirm_membership(by=people.partner_user, application=application)
    with pytest.raises(DomainError) as exc:
        services.submit_application(by=people.applicant, application=application)
    assert exc.value.message == "缺少必交附件：申报书。"
    assert Application.objects.get(pk=application.pk).status == S.DRAFT


def test_home_then_office_then_one_return_only(call, people):
    app = submitted(call, people)
    with pytest.raises(PermissionDeniedError):
        services.home_review(by=people.office, application=app, approve=True)
    services.home_review(by=people.home, application=app, approve=True)
    app = services.formal_check(by=people.office, application=app, outcome="return", note="请补充研究计划")
    assert app.status == S.RETURNED and app.returns_used == 1
    app = services.submit_application(by=people.applicant, application=app)
    assert app.status == S.OFFICE_CHECK
    with pytest.raises(ConflictError) as exc:
        services.formal_check(by=people.office, application=app, outcome="return", note="再改")
    assert exc.value.message == "每份申报书只能退回修改一次。"
    assert Application.objects.get(pk=app.pk).status == S.OFFICE_CHECK


def test_return_after_deadline_is_refused(call, people):
    app = submitted(call, people)
    services.home_review(by=people.home, application=app, approve=True)
    with pytest.raises(ConflictError, match="截止，不能再退回修改"):
        services.formal_check(
            by=people.office,
            application=app,
            outcome="return",
            note="补充",
            now=call.closes_at + timedelta(seconds=1),
        )


def test_reviewer_from_a_team_school_is_refused(call, people, network):
    app = in_review(call, people)
    far_reviewer = people.partner_teacher  # on the team → 回避 anyway; a colleague of far:
    from tests.calls.conftest import teacher_user

    _, colleague = teacher_user(network.far, "周同校")
    with pytest.raises(DomainError) as exc:
        services.assign_reviewer(by=people.office, application=app, teacher=colleague)
    assert exc.value.message == "回避：周同校（中共远方市委党校）所在学校参与了该项目，不能担任评审。"
    with pytest.raises(DomainError, match="回避"):
        services.invite_expert(by=people.office, application=app, name="外校专家", school=network.branch_a)
    assert selectors.sheets_by_application([app.pk]) == {}
    assert far_reviewer is not None


def test_scores_out_of_range_are_refused(call, people):
    app = in_review(call, people)
    sheet = services.assign_reviewer(by=people.office, application=app, teacher=people.reviewer_teacher)
    ids = [i.pk for i in call.rubric.indicators.all()]
    with pytest.raises(DomainError) as exc:
        services.submit_review(by=people.reviewer_user, sheet=sheet, scores={ids[0]: "11", ids[1]: "8"})
    assert exc.value.message == "指标“选题价值”的得分须在 0–10 之间。"
    sheet.refresh_from_db()
    assert sheet.status == "assigned"


def test_expert_link_works_once_and_expires(call, people):
    app = in_review(call, people)
    now = timezone.now()
    link, signed = services.invite_expert(
        by=people.office, application=app, name="吴外请", affiliation="省社科院", days=7, now=now
    )
    ids = [i.pk for i in call.rubric.indicators.all()]
    with pytest.raises(DomainError) as exc:
        services.submit_expert_review(
            signed=signed, scores={ids[0]: 8, ids[1]: 9}, now=now + timedelta(days=7, seconds=1)
        )
    assert exc.value.message == "评审链接已过期，请联系发布单位重新发送。"
    sheet = services.submit_expert_review(
        signed=signed, scores={ids[0]: 8, ids[1]: 9}, now=now + timedelta(days=1)
    )
    assert sheet.total == Decimal("86.00")
    with pytest.raises(ConflictError) as exc:
        services.submit_expert_review(signed=signed, scores={ids[0]: 1, ids[1]: 1})
    assert exc.value.message == "该评审链接已使用过，不能再次提交。"
    with pytest.raises(NotFoundError):
        services.link_for_token(signed[:-2] + "xx")
    assert ReviewerLink.objects.get(pk=link.pk).token_hash != signed  # only a hash is stored
    assert signed.split(":")[0] not in ReviewerLink.objects.get(pk=link.pk).token_hash


def test_granting_beyond_the_pool_is_refused(call, people):
    a = in_review(call, people, title="甲")
    b = in_review(call, people, title="乙")
    services.grant_application(by=people.office, application=a, amount="3")
    call.refresh_from_db()
    ResearchCall.objects.filter(pk=call.pk).update(funding_pool=Decimal("5"), per_project_cap=Decimal("5"))
    with pytest.raises(ConflictError) as exc:
        services.grant_application(by=people.office, application=Application.objects.get(pk=b.pk), amount="3")
    assert exc.value.message == "经费总额不足：剩余 2.00 万元，不能立项 3.00 万元。"
    assert Application.objects.get(pk=b.pk).status == S.IN_REVIEW
    assert ResearchCall.objects.get(pk=call.pk).granted_total == Decimal("3.00")
    assert ResearchProject.objects.count() == 1


def granted(call, people):
    app = in_review(call, people)
    app = services.grant_application(by=people.office, application=app, amount="3")
    return Application.objects.select_related("project", "call__owner_school", "principal").get(pk=app.pk)


def test_grant_makes_a_research_project_with_the_cross_school_team(call, people, network):
    app = granted(call, people)
    project = app.project
    assert project.status == ProjectStatus.APPROVED
    assert project.owner_school == network.branch_a
    assert project.funding == Decimal("3.00")
    assert sorted(project.memberships.values_list("teacher__name", flat=True)) == ["李明远", "王思齐"]
    assert [m.kind for m in app.milestones.order_by("due_on")] == ["proposal", "midterm", "final"]
    assert AuditRecord.objects.filter(action="call_application.granted", actor=people.office).count() == 1


def test_milestone_for_a_project_not_ongoing_is_refused(call, people):
    app = granted(call, people)
    proposal = app.milestones.get(kind=MilestoneKind.PROPOSAL)
    with pytest.raises(ConflictError) as exc:
        services.submit_milestone(by=people.applicant, milestone=proposal, report="开题报告")
    assert exc.value.message == "课题当前为“立项”，只有在研课题可以提交节点材料。"
    assert Milestone.objects.get(pk=proposal.pk).status == MilestoneStatus.PENDING


def test_milestones_in_order_then_conclusion(call, people):
    app = granted(call, people)
    services.start_project(by=people.applicant, application=app)
    proposal, midterm, final = (app.milestones.get(kind=k) for k in ("proposal", "midterm", "final"))
    with pytest.raises(ConflictError, match="请先通过“开题报告”"):
        services.submit_milestone(by=people.applicant, milestone=midterm, report="中期")
    services.submit_milestone(by=people.applicant, milestone=proposal, report="开题", files=[pdf("开题.pdf")])
    services.review_milestone(by=people.office, milestone=proposal, passed=False, note="补充文献综述")
    assert Milestone.objects.get(pk=proposal.pk).status == MilestoneStatus.REVISE
    services.submit_milestone(by=people.applicant, milestone=proposal, report="开题（修改）")
    with pytest.raises(PermissionDeniedError):
        services.review_milestone(by=people.home, milestone=proposal, passed=True)
    services.review_milestone(by=people.office, milestone=proposal, passed=True)
    services.submit_milestone(by=people.applicant, milestone=midterm, report="中期")
    services.review_milestone(by=people.office, milestone=midterm, passed=True)
    services.submit_milestone(by=people.applicant, milestone=final, report="结项")
    services.review_milestone(by=people.office, milestone=final, passed=True)
    assert ResearchProject.objects.get(pk=app.project_id).status == ProjectStatus.CONCLUDED


def test_extension_moves_the_due_date(call, people):
    app = granted(call, people)
    proposal = app.milestones.get(kind="proposal")
    with pytest.raises(DomainError, match="须晚于原截止日期"):
        services.request_extension(
            by=people.applicant, milestone=proposal, new_due_on=proposal.due_on, reason="调研推迟"
        )
    ext = services.request_extension(
        by=people.applicant,
        milestone=proposal,
        new_due_on=proposal.due_on + timedelta(days=30),
        reason="调研推迟",
    )
    with pytest.raises(ConflictError, match="已有待审批的延期申请"):
        services.request_extension(
            by=people.applicant,
            milestone=proposal,
            new_due_on=proposal.due_on + timedelta(days=40),
            reason="再延",
        )
    services.decide_extension(by=people.office, extension=ext, approve=True)
    assert Milestone.objects.get(pk=proposal.pk).due_on == proposal.due_on + timedelta(days=30)


def test_spending_above_a_line_is_refused_until_an_adjustment_is_approved(call, people):
    app = granted(call, people)
    travel = app.budget_lines.get(category="travel")
    materials = app.budget_lines.get(category="materials")
    services.record_expense(
        by=people.applicant, application=app, line=travel, spent_on=date.today(), amount="1.5", note="调研"
    )
    with pytest.raises(ConflictError) as exc:
        services.record_expense(
            by=people.applicant, application=app, line=travel, spent_on=date.today(), amount="0.6"
        )
    assert (
        exc.value.message
        == "“调研差旅费”预算 2.00 万元，已支出 1.50 万元，本次 0.60 万元将超出预算；请先申请预算调整。"
    )
    assert Expense.objects.count() == 1
    # Moving budget from materials to travel: materials down first, then travel up (total ≤ granted 3).
    down = services.request_adjustment(
        by=people.applicant, line=materials, new_amount="0.4", reason="资料费结余"
    )
    services.decide_adjustment(by=people.office, adjustment=down, approve=True)
    up = services.request_adjustment(by=people.applicant, line=travel, new_amount="2.6", reason="增加调研")
    services.decide_adjustment(by=people.office, adjustment=up, approve=True)
    services.record_expense(
        by=people.applicant, application=app, line=travel, spent_on=date.today(), amount="0.6"
    )
    assert BudgetLine.objects.get(pk=travel.pk).spent == Decimal("2.10")
    too_much = services.request_adjustment(by=people.applicant, line=materials, new_amount="1", reason="再加")
    with pytest.raises(ConflictError, match="将超过立项经费"):
        services.decide_adjustment(by=people.office, adjustment=too_much, approve=True)


def ongoing_report(call, people):
    app = granted(call, people)
    services.start_project(by=people.applicant, application=app)
    output = services.record_report(
        by=people.applicant,
        application=app,
        kind="advisory",
        title="关于城中村治理的建议",
        published_on=date.today(),
        submitted_level="municipal",
        submitted_to="市委办公厅",
    )
    return app, output


def test_endorsement_needs_evidence_and_only_the_issuing_office_verifies(call, people, network):
    app, output = ongoing_report(call, people)
    with pytest.raises(DomainError) as exc:
        services.record_endorsement(
            by=people.applicant,
            output=output,
            leader_level="municipal",
            endorsed_on=date.today(),
            evidence=None,
        )
    assert exc.value.message == "请上传批示佐证材料（扫描件或照片）。"
    assert Endorsement.objects.count() == 0
    e = services.record_endorsement(
        by=people.applicant,
        output=output,
        leader_level="municipal",
        endorsed_on=date.today(),
        evidence=pdf("批示.pdf"),
    )
    for wrong in (people.home, people.applicant, member(network.branch_a, is_school_admin=True)):
        with pytest.raises(PermissionDeniedError) as exc:
            services.verify_endorsement(by=wrong, endorsement=e)
        assert exc.value.message == "批示只能由发布单位中共测试市委党校科研部门核实。"
    # research's own page cannot verify it as the owner school either
    from yiwang.research import services as research

    with pytest.raises(PermissionDeniedError):
        research.verify_endorsement(by=people.home, endorsement=e)
    assert Endorsement.objects.get(pk=e.pk).verified_at is None
    services.verify_endorsement(by=people.office, endorsement=e)
    assert Endorsement.objects.get(pk=e.pk).verified_by == people.office
    ranking = selectors.report_ranking(people.office, by="school")
    assert [
        (r["name"], r["reports"], r["endorsed"], r["total"], r["n_municipal"], r["rate"]) for r in ranking
    ] == [("甲区", 1, 1, 1, 1, Decimal("100.0"))]


def test_pool_check_constraint_guards_the_database(call):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ResearchCall.objects.filter(pk=call.pk).update(granted_total=Decimal("10.01"))


def test_publish_results_notifies_every_applicant(call, people, django_capture_on_commit_callbacks):
    from yiwang.activity.models import Notification

    a = in_review(call, people, title="甲")
    b = in_review(call, people, title="乙")
    services.grant_application(by=people.office, application=a, amount="3")
    services.reject_application(by=people.office, application=b, note="选题重复")
    with pytest.raises(ConflictError, match="申报尚未截止"):
        services.publish_results(by=people.office, call=call)
    with pytest.raises(PermissionDeniedError):
        services.publish_results(by=people.home, call=call)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_results(by=people.office, call=call, now=call.closes_at + timedelta(minutes=1))
    titles = list(
        Notification.objects.filter(recipient=people.applicant, title__endswith="评审结果").values_list(
            "body", flat=True
        )
    )
    assert sorted(titles) == sorted(["“甲”获准立项，资助经费 3.00 万元。", "“乙”结果：不立项。选题重复"])


def test_lines_kept_when_only_budget_total_changes(call, people, application):
    services.update_application(
        by=people.applicant, application=application, title="新题目", budget_total="3", budget_lines=LINES
    )
    assert Application.objects.get(pk=application.pk).title == "新题目"
    with pytest.raises(PermissionDeniedError):
        services.update_application(by=people.partner_user, application=application, title="别人改")
