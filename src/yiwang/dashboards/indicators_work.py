"""Indicators of the joint work built on the banks: 合备一门课 (codev), 共研一个题 (calls),
师资互派 / 培训互接 (exchanges), 基地共用 (sites), 发展共商 and 宣传联动 (alliances).

Same rules as ``indicators``: each counts the rows of the app's own visibility selector.
"""

from django.urls import reverse
from django.utils import timezone

from yiwang.alliances.enums import ResolutionStatus
from yiwang.alliances.models import Meeting
from yiwang.alliances.selectors import news_visible_to, resolutions_visible_to, spaces_visible_to
from yiwang.calls.enums import ApplicationStatus
from yiwang.calls.selectors import applications_visible_to
from yiwang.codev.enums import RoundStatus, Stage
from yiwang.codev.models import ReviewRound
from yiwang.codev.selectors import adoptions_visible_to, projects_visible_to
from yiwang.exchanges.enums import RequestStatus
from yiwang.exchanges.models import Trainee
from yiwang.exchanges.selectors import dispatches_visible_to, hostings_visible_to
from yiwang.research.enums import ProjectStatus
from yiwang.sites.enums import BookingStatus
from yiwang.sites.selectors import bookings_visible_to

from .indicators import Indicator, Row, register

DONE_REQUESTS = (RequestStatus.ACCEPTED, RequestStatus.COMPLETED)


def _name(school) -> str:
    return getattr(school, "name", "") if school else ""


def _local(dt):
    return timezone.localtime(dt).date() if dt else None


def _project_row(p) -> Row:
    return Row(
        p.title,
        _name(p.lead_school),
        _local(p.published_at) or _local(p.created_at),
        reverse("codev:project", args=[p.pk]),
        p.get_stage_display(),
    )


def _round_row(r) -> Row:
    return Row(
        f"{r.project.title}（第{r.number}轮）",
        _name(r.project.lead_school),
        _local(r.closed_at),
        reverse("codev:project", args=[r.project_id]),
        r.get_decision_display(),
    )


def _adoption_row(a) -> Row:
    return Row(
        a.title, _name(a.adopter_school), _local(a.created_at), "", f"原课程：{_name(a.course.owner_school)}"
    )


def _application_row(a) -> Row:
    return Row(
        a.title,
        _name(a.home_school),
        _local(a.decided_at) or _local(a.submitted_at),
        reverse("calls:application_detail", args=[a.pk]),
        a.get_status_display(),
    )


def _dispatch_row(d) -> Row:
    return Row(
        d.topic_title,
        _name(d.request.to_school),
        _local(d.starts_at),
        reverse("exchanges:dispatch_detail", args=[d.pk]),
        f"邀请方：{_name(d.request.from_school)}",
    )


def _hosting_row(h) -> Row:
    return Row(
        h.request.title,
        _name(h.host_school),
        h.start_date,
        reverse("exchanges:hosting_detail", args=[h.pk]),
        f"委托方：{_name(h.guest_school)}",
    )


def _trainee_row(t) -> Row:
    return Row(
        t.hosting.request.title,
        _name(t.hosting.host_school),
        t.hosting.start_date,
        reverse("exchanges:hosting_detail", args=[t.hosting_id]),
        _name(t.hosting.guest_school),
    )


def _booking_row(b) -> Row:
    return Row(
        b.site.name,
        _name(b.owner_school),
        _local(b.starts_at),
        reverse("sites:booking_detail", args=[b.pk]),
        f"{_name(b.requesting_school)} · {b.group_size} 人",
    )


def _meeting_row(m) -> Row:
    return Row(
        m.title,
        _name(m.host_school),
        m.held_on,
        reverse("alliances:space", args=[m.space_id]),
        m.get_kind_display(),
    )


def _resolution_row(r) -> Row:
    return Row(
        r.text[:80],
        _name(r.owner_school),
        r.due_on,
        reverse("alliances:space", args=[r.space_id]),
        r.get_status_display(),
    )


def _news_row(n) -> Row:
    return Row(n.title, _name(n.school), _local(n.published_at), reverse("alliances:news", args=[n.pk]))


def _register_work() -> None:
    register(
        Indicator(
            "codev_in_progress",
            "在建共建项目数",
            "个",
            "codev",
            "尚未发布的可见共建项目（截至统计期末，按创建时间）。",
            lambda v: projects_visible_to(v).exclude(stage=Stage.PUBLISHED),
            None,
            "lead_school",
            row=_project_row,
            select_related=("lead_school",),
            mechanisms=("courses",),
        )
    )
    register(
        Indicator(
            "codev_published",
            "共建发布课程数",
            "门",
            "codev",
            "统计期内评审通过并发布的共建项目（按发布时间）。",
            lambda v: projects_visible_to(v).filter(stage=Stage.PUBLISHED),
            "published_at",
            "lead_school",
            row=_project_row,
            select_related=("lead_school",),
            mechanisms=("courses", "brand"),
        )
    )
    register(
        Indicator(
            "codev_reviews",
            "完成评审轮次",
            "轮",
            "codev",
            "统计期内结束的共建项目评审轮次（按结束时间）。",
            lambda v: ReviewRound.objects.filter(
                project__in=projects_visible_to(v).values("pk"), status=RoundStatus.CLOSED
            ),
            "closed_at",
            "project__lead_school",
            row=_round_row,
            select_related=("project__lead_school",),
            mechanisms=("courses",),
        )
    )
    register(
        Indicator(
            "adoptions",
            "课程被引用次数",
            "次",
            "codev",
            "统计期内其他学校引用（建立本校关联副本）的次数，按原课程所属学校统计。",
            adoptions_visible_to,
            "created_at",
            "course__owner_school",
            row=_adoption_row,
            select_related=("course__owner_school", "adopter_school"),
            mechanisms=("courses", "brand"),
        )
    )
    register(
        Indicator(
            "call_applications",
            "课题申报数",
            "项",
            "research",
            "统计期内提交的课题申报书（按提交时间，按申报人所在学校统计）。",
            lambda v: (
                applications_visible_to(v)
                .exclude(status=ApplicationStatus.DRAFT)
                .filter(submitted_at__isnull=False)
            ),
            "submitted_at",
            "home_school",
            row=_application_row,
            select_related=("home_school",),
            mechanisms=("research",),
        )
    )
    register(
        Indicator(
            "call_granted",
            "课题立项数",
            "项",
            "research",
            "统计期内决定立项的申报（按决定时间）。",
            lambda v: applications_visible_to(v).filter(status=ApplicationStatus.GRANTED),
            "decided_at",
            "home_school",
            row=_application_row,
            select_related=("home_school",),
            mechanisms=("research",),
        )
    )
    register(
        Indicator(
            "call_funding",
            "立项经费",
            "万元",
            "research",
            "统计期内立项课题的资助经费之和。",
            lambda v: applications_visible_to(v).filter(status=ApplicationStatus.GRANTED),
            "decided_at",
            "home_school",
            measure=("sum", "granted_amount"),
            row=_application_row,
            select_related=("home_school",),
            decimals=2,
            mechanisms=("research",),
        )
    )
    register(
        Indicator(
            "call_concluded",
            "立项课题结项数",
            "项",
            "research",
            "统计期内立项、已结项的课题。",
            lambda v: applications_visible_to(v).filter(
                status=ApplicationStatus.GRANTED, project__status=ProjectStatus.CONCLUDED
            ),
            "decided_at",
            "home_school",
            row=_application_row,
            select_related=("home_school",),
            mechanisms=("research",),
        )
    )
    register(
        Indicator(
            "call_conclusion_rate",
            "课题结项率",
            "%",
            "research",
            "立项课题结项数 ÷ 课题立项数 × 100（同一统计期、同一范围）。",
            ratio=("call_concluded", "call_granted"),
            decimals=1,
            mechanisms=("research",),
        )
    )
    register(
        Indicator(
            "dispatches",
            "师资互派人次",
            "人次",
            "regional",
            "统计期内已接受的师资互派（按授课开始时间，按派出教师的学校统计）。",
            lambda v: dispatches_visible_to(v).filter(request__status__in=DONE_REQUESTS),
            "starts_at",
            "request__to_school",
            row=_dispatch_row,
            select_related=("request__to_school", "request__from_school"),
            mechanisms=("faculty",),
        )
    )
    register(
        Indicator(
            "hosted_classes",
            "承办培训班期数",
            "期",
            "support",
            "统计期内开班、已接受的培训互接班次（按开班日期，按承办学校统计）。",
            lambda v: hostings_visible_to(v).filter(request__status__in=DONE_REQUESTS),
            "start_date",
            "host_school",
            row=_hosting_row,
            select_related=("request", "host_school", "guest_school"),
            mechanisms=("classes",),
        )
    )
    register(
        Indicator(
            "hosted_trainees",
            "培训学员人次",
            "人次",
            "support",
            "统计期内开班的承办培训班的学员名单人数。",
            lambda v: Trainee.objects.filter(
                hosting__in=hostings_visible_to(v).filter(request__status__in=DONE_REQUESTS).values("pk")
            ),
            "hosting__start_date",
            "hosting__host_school",
            row=_trainee_row,
            select_related=("hosting__request", "hosting__host_school", "hosting__guest_school"),
            mechanisms=("classes",),
        )
    )
    register(
        Indicator(
            "site_visits",
            "基地接待批次",
            "批",
            "regional",
            "统计期内已批准或已完成的现场教学基地预约（按开始时间，按基地所属学校统计）。",
            lambda v: bookings_visible_to(v).filter(
                status__in=(BookingStatus.APPROVED, BookingStatus.COMPLETED)
            ),
            "starts_at",
            "owner_school",
            row=_booking_row,
            select_related=("site", "owner_school", "requesting_school"),
            mechanisms=("sites",),
        )
    )
    register(
        Indicator(
            "joint_meetings",
            "联席会议次数",
            "次",
            "regional",
            "统计期内召开的联盟或协作联席会议、工作交流会（按会议日期，按承办学校统计）。",
            lambda v: Meeting.objects.filter(space__in=spaces_visible_to(v).values("pk")),
            "held_on",
            "host_school",
            row=_meeting_row,
            select_related=("host_school",),
            mechanisms=("consult", "liaison"),
        )
    )
    register(
        Indicator(
            "resolutions_due",
            "到期决议数",
            "项",
            "regional",
            "完成期限在统计期内的会议决议（按责任学校统计）。",
            lambda v: resolutions_visible_to(v),
            "due_on",
            "owner_school",
            row=_resolution_row,
            select_related=("owner_school",),
            mechanisms=("consult",),
        )
    )
    register(
        Indicator(
            "resolutions_done",
            "已完成决议数",
            "项",
            "regional",
            "完成期限在统计期内、已完成的会议决议。",
            lambda v: resolutions_visible_to(v).filter(status=ResolutionStatus.DONE),
            "due_on",
            "owner_school",
            row=_resolution_row,
            select_related=("owner_school",),
            mechanisms=("consult",),
        )
    )
    register(
        Indicator(
            "resolution_rate",
            "决议完成率",
            "%",
            "regional",
            "已完成决议数 ÷ 到期决议数 × 100（完成期限在统计期内的决议）。",
            ratio=("resolutions_done", "resolutions_due"),
            decimals=1,
            mechanisms=("consult",),
        )
    )
    register(
        Indicator(
            "alliance_news",
            "联盟动态发布数",
            "条",
            "regional",
            "统计期内成员学校在联盟空间发布的动态（按发布时间，按发布学校统计）。",
            news_visible_to,
            "published_at",
            "school",
            row=_news_row,
            select_related=("school",),
            mechanisms=("publicity",),
        )
    )


_register_work()
