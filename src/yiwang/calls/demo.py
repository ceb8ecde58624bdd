"""Demo of 共研一个题 (idempotent, written through the services with a simulated clock):

- 广州市委党校's 2026 新型智库 call, open to its system (本系统), closed months ago, reviewed by two
  account reviewers and one invited expert (through the signed link), results published;
- applications from six district schools — one team with a teacher of a 川滇黔 school —; granted
  projects at every stage (立项 not yet started and overdue, 在研 with 开题 passed and 中期 waiting,
  开题 awaiting review with an extension request, 结项), one 不立项, one 形式审查未通过;
- spending against budget lines; 咨政报告 with verified 批示 at 省部级 / 市厅级 / 县处级;
- a 党建基地 call open now, so the index shows an open call.
"""

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope
from yiwang.network.models import School
from yiwang.network.visibility import visible_to
from yiwang.reviews.models import Rubric
from yiwang.reviews.services import create_rubric

from . import services
from .models import Application, ResearchCall

CALL_TITLE = "2026年度新型智库课题（广州市委党校）"
OPEN_TITLE = "2027年度党建研究基地课题（广州市委党校）"
RUBRIC = "新型智库课题评审量表"
ADJACENT = ["lz", "lz-xuyong", "lz-gulin", "lz-hejiang", "xingwen", "bj-qixingguan", "weixin", "zhenxiong"]
PDF = b"%PDF-1.4 demo"

# (district code, title, plan) — the order decides each one's fate below.
APPLICATIONS = [
    ("gz-panyu", "大湾区城乡融合发展中的基层治理创新研究", "granted_midterm"),
    ("gz-haizhu", "超大城市城中村改造的群众工作方法研究", "granted_concluded"),
    ("gz-tianhe", "数字政府建设赋能基层减负研究", "granted_not_started"),
    ("gz-yuexiu", "老城市新活力背景下的历史文化街区保护研究", "granted_proposal_waiting"),
    ("gz-baiyun", "城市近郊乡村振兴的党建引领机制研究", "not_granted"),
    ("gz-huangpu", "国家级开发区基层党组织建设研究", "ineligible"),
]


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _rubric(gz, staff) -> Rubric:
    found = Rubric.objects.filter(owner_school=gz, name=RUBRIC).first()
    if found:
        return found
    return create_rubric(
        by=staff,
        school=gz,
        name=RUBRIC,
        purpose="research",
        indicators=[
            {"name": "选题意义", "weight": 25, "max_score": 10, "description": "紧扣市委市政府中心工作"},
            {"name": "研究基础", "weight": 20, "max_score": 10},
            {"name": "研究设计", "weight": 30, "max_score": 10},
            {"name": "预期成果与转化", "weight": 25, "max_score": 10, "description": "咨政报告的可转化性"},
        ],
    )


def _member_from_adjacent(applicant) -> Teacher | None:
    return (
        visible_to(Teacher.objects.filter(owner_school__code__in=ADJACENT, is_active=True), applicant)
        .order_by("owner_school__code", "id")
        .first()
    )


def load(*, scale: int = 0, log) -> None:
    gz = School.objects.filter(code="gz").first()
    staff = _user("gz-staff")
    if gz is None or staff is None:
        return
    if ResearchCall.objects.filter(owner_school=gz, title=CALL_TITLE).exists():
        log.count(False)
        return
    now = timezone.now()
    rubric = _rubric(gz, staff)
    opens = now - timedelta(days=200)
    closes = now - timedelta(days=170)
    call = services.create_call(
        by=staff,
        school=gz,
        title=CALL_TITLE,
        kind="think_tank",
        year=2026,
        description="围绕市委市政府中心工作，面向全市党校系统开放经费资助，鼓励跨校组建课题组。",
        funding_pool=Decimal("30"),
        per_project_cap=Decimal("6"),
        opens_at=opens,
        closes_at=closes,
        required_attachments=["申报书"],
        guide_topics=[
            "超大城市基层治理现代化",
            "百千万工程与城乡融合",
            "数字政府与基层减负",
            "历史文化保护与城市更新",
        ],
        max_applications_per_member=2,
        rubric=rubric,
        scope=SharingScope.SYSTEM,
    )
    call = services.publish_call(by=staff, call=call, now=opens - timedelta(hours=1))
    topics = list(call.guide_topics.all())
    reviewers = [t for t in Teacher.objects.filter(owner_school=gz, user__isnull=False).order_by("id")[:2]]
    apps: list[tuple[Application, str]] = []
    for i, (code, title, plan) in enumerate(APPLICATIONS):
        applicant = _user(f"{code}-t1")
        school = School.objects.filter(code=code).first()
        home = _user(f"{code}-admin")
        if applicant is None or school is None or not Teacher.objects.filter(user=applicant).exists():
            continue
        members = []
        if i == 0:
            partner = _member_from_adjacent(applicant)
            if partner is not None:
                members.append(partner)
        colleague = (
            Teacher.objects.filter(owner_school=school, user__isnull=False).exclude(user=applicant).first()
        )
        if colleague is not None:
            members.append(colleague)
        at = opens + timedelta(days=2 + i)
        total = Decimal("5") if i % 2 == 0 else Decimal("4")
        app = services.create_application(
            by=applicant,
            call=call,
            title=title,
            guide_topic=topics[i % len(topics)],
            summary=f"本课题聚焦{topics[i % len(topics)].title}，以{school.short_name}为样本开展实证研究。",
            rationale="回应市委关于高质量发展的部署，填补相关领域的实证研究空白。",
            plan="第一阶段文献与政策梳理；第二阶段实地调研；第三阶段形成咨政报告。",
            expected_outputs="咨政报告 1 篇、研究报告 1 篇、论文 1–2 篇",
            budget_total=total,
            budget_lines=[
                {"category": "travel", "amount": total - Decimal("2"), "description": "实地调研"},
                {"category": "materials", "amount": "1", "description": "资料购置"},
                {"category": "expert", "amount": "1", "description": "专家咨询"},
            ],
            members=members,
            now=at,
        )
        for m in app.team.filter(confirmed_at__isnull=True).select_related("teacher__owner_school"):
            confirmer = m.teacher.user or _user(f"{m.teacher.owner_school.code}-admin")
            services.confirm_membership(by=confirmer, application=app)
        services.attach_file(by=applicant, application=app, label="申报书", file=_pdf("申报书.pdf"), now=at)
        services.submit_application(by=applicant, application=app, now=at + timedelta(hours=2))
        services.home_review(by=home, application=app, approve=True, note="同意报送")
        if plan == "ineligible":
            services.formal_check(
                by=staff, application=app, outcome="fail", note="申报书缺少单位盖章页", now=closes
            )
        else:
            services.formal_check(by=staff, application=app, outcome="pass", now=closes)
            apps.append((app, plan))
        log.count(True)
    # Review: two account reviewers and one invited expert through the signed link.
    ids = [ind.pk for ind in rubric.indicators.order_by("position", "id")]
    for n, (app, _) in enumerate(apps):
        for k, reviewer in enumerate(reviewers):
            sheet = services.assign_reviewer(by=staff, application=app, teacher=reviewer)
            base = 9 - n * 0.5 - k * 0.5
            services.submit_review(
                by=reviewer.user,
                sheet=sheet,
                scores={i: max(round(base - j * 0.3, 1), 1) for j, i in enumerate(ids)},
                comment="选题有现实意义，建议加强调研设计。",
            )
        _, signed = services.invite_expert(
            by=staff,
            application=app,
            name="郑怀瑾",
            affiliation="广东省社会科学院",
            now=closes + timedelta(days=1),
        )
        services.submit_expert_review(
            signed=signed,
            scores={i: max(round(8.5 - n * 0.4, 1), 1) for i in ids},
            comment="建议突出对策建议的可操作性。",
            now=closes + timedelta(days=2),
        )
    grant_day = (closes + timedelta(days=10)).date()
    granted = {}
    for app, plan in apps:
        app = Application.objects.get(pk=app.pk)
        if plan == "not_granted":
            services.reject_application(by=staff, application=app, note="综合评分未进入资助范围")
            continue
        app = services.grant_application(
            by=staff, application=app, amount=app.budget_total, note="同意立项", today=grant_day
        )
        granted[plan] = Application.objects.select_related("call__owner_school", "principal", "project").get(
            pk=app.pk
        )
    services.publish_results(by=staff, call=call, now=closes + timedelta(days=11))
    _execute(granted, staff)
    _open_call(gz, staff, rubric, now)


def _lead(app):
    return app.applicant


def _execute(granted: dict, staff) -> None:
    today = timezone.localdate()
    for plan, app in granted.items():
        if plan == "granted_not_started":
            continue  # 立项, 开题 overdue: shows on the overdue list
        lead = _lead(app)
        services.start_project(by=lead, application=app)
        proposal, midterm, final = (app.milestones.get(kind=k) for k in ("proposal", "midterm", "final"))
        if plan == "granted_proposal_waiting":
            services.request_extension(
                by=lead,
                milestone=proposal,
                new_due_on=proposal.due_on + timedelta(days=120),
                reason="调研对象调整，需延后开题",
            )
            services.submit_milestone(
                by=lead,
                milestone=proposal,
                report="开题报告：研究框架与调研方案。",
                files=[_pdf("开题报告.pdf")],
            )
            continue
        services.submit_milestone(
            by=lead, milestone=proposal, report="开题报告：研究框架与调研方案。", files=[_pdf("开题报告.pdf")]
        )
        services.review_milestone(by=staff, milestone=proposal, passed=True, note="同意开题")
        travel = app.budget_lines.get(category="travel")
        materials = app.budget_lines.get(category="materials")
        services.record_expense(
            by=lead,
            application=app,
            line=travel,
            spent_on=today - timedelta(days=60),
            amount="1.2",
            note="赴叙永、番禺联合调研",
        )
        services.record_expense(
            by=lead,
            application=app,
            line=materials,
            spent_on=today - timedelta(days=50),
            amount="0.6",
            note="购置资料",
        )
        output = services.record_report(
            by=lead,
            application=app,
            kind="advisory",
            title=f"关于{app.title.removesuffix('研究')}的对策建议",
            published_on=today - timedelta(days=40),
            submitted_level="municipal",
            submitted_to="广州市委办公厅",
            abstract="课题阶段性成果，提出三方面对策建议。",
        )
        levels = ["provincial", "municipal"] if plan == "granted_midterm" else ["county", "municipal"]
        for n, level in enumerate(levels):
            e = services.record_endorsement(
                by=lead,
                output=output,
                leader_level=level,
                endorsed_on=today - timedelta(days=30 - n),
                evidence=_pdf("批示件.pdf"),
                summary="请相关部门研究吸收。",
            )
            if n == 0 or plan == "granted_midterm":
                services.verify_endorsement(by=staff, endorsement=e)
        report = output.call_report
        services.set_adoption(
            by=lead,
            report=report,
            adoption="adopted" if plan == "granted_concluded" else "partly",
            note="部分建议写入区委文件",
        )
        services.add_event(
            by=lead,
            call=app.call,
            application=app,
            kind="survey",
            title=f"{app.home_school.short_name}联合调研",
            held_on=today + timedelta(days=14),
            place=app.home_school.short_name,
        )
        if plan == "granted_midterm":
            services.submit_milestone(by=lead, milestone=midterm, report="中期检查报告：完成调研，形成初稿。")
            continue
        services.submit_milestone(by=lead, milestone=midterm, report="中期检查报告。")
        services.review_milestone(by=staff, milestone=midterm, passed=True)
        services.submit_milestone(
            by=lead, milestone=final, report="结项报告与成果汇编。", files=[_pdf("结项报告.pdf")]
        )
        services.review_milestone(by=staff, milestone=final, passed=True, note="同意结项")


def _open_call(gz, staff, rubric, now) -> None:
    call = services.create_call(
        by=staff,
        school=gz,
        title=OPEN_TITLE,
        kind="party_base",
        year=2027,
        description="党建研究基地年度课题，欢迎各区委党校联合申报。",
        funding_pool=Decimal("20"),
        per_project_cap=Decimal("4"),
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=30),
        required_attachments=["申报书", "所在单位推荐意见"],
        guide_topics=["新时代基层党组织建设", "党员教育管理数字化"],
        rubric=rubric,
        scope=SharingScope.SYSTEM,
    )
    call = services.publish_call(by=staff, call=call, now=now - timedelta(days=3))
    applicant = _user("gz-panyu-t2")
    if applicant is not None and Teacher.objects.filter(user=applicant).exists():
        services.create_application(
            by=applicant,
            call=call,
            title="区级党校党员教育培训数字化路径研究",
            budget_total="3",
            budget_lines=[{"category": "travel", "amount": "2"}, {"category": "printing", "amount": "1"}],
        )
