"""Indicators of the joint work built on the banks: 合备一门课 (codev), 共研一个题 (calls),
师资互派 / 培训互接 (exchanges), 基地共用 (sites), 发展共商 and 宣传联动 (alliances).

Same rules as ``indicators``: each counts the rows of the app's own visibility selector.
"""

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

from .indicators import (
    Indicator,
    created_date,
    local_date,
    per_child,
    ratio_of,
    register,
    row_of,
    school_name,
)

DONE_REQUESTS = (RequestStatus.ACCEPTED, RequestStatus.COMPLETED)


_project_row = row_of(
    "title",
    "lead_school",
    lambda p: local_date(p.published_at) or local_date(p.created_at),
    "codev:project",
    detail=lambda p: p.get_stage_display(),
)
_round_row = row_of(
    lambda r: f"{r.project.title}（第{r.number}轮）",
    "project.lead_school",
    lambda r: local_date(r.closed_at),
    "codev:project",
    "project_id",
    lambda r: r.get_decision_display(),
)
_adoption_row = row_of(
    "title", "adopter_school", created_date, detail=lambda a: f"原课程：{school_name(a.course.owner_school)}"
)
_application_row = row_of(
    "title",
    "home_school",
    lambda a: local_date(a.decided_at) or local_date(a.submitted_at),
    "calls:application_detail",
    detail=lambda a: a.get_status_display(),
)
_dispatch_row = row_of(
    "topic_title",
    "request.to_school",
    lambda d: local_date(d.starts_at),
    "exchanges:dispatch_detail",
    detail=lambda d: f"邀请方：{school_name(d.request.from_school)}",
)
_hosting_row = row_of(
    "request.title",
    "host_school",
    "start_date",
    "exchanges:hosting_detail",
    detail=lambda h: f"委托方：{school_name(h.guest_school)}",
)
_trainee_row = row_of(
    "hosting.request.title",
    "hosting.host_school",
    "hosting.start_date",
    "exchanges:hosting_detail",
    "hosting_id",
    lambda t: school_name(t.hosting.guest_school),
)
_booking_row = row_of(
    "site.name",
    "owner_school",
    lambda b: local_date(b.starts_at),
    "sites:booking_detail",
    detail=lambda b: f"{school_name(b.requesting_school)} · {b.group_size} 人",
)
_meeting_row = row_of(
    "title", "host_school", "held_on", "alliances:space", "space_id", lambda m: m.get_kind_display()
)
_resolution_row = row_of(
    lambda r: r.text[:80],
    "owner_school",
    "due_on",
    "alliances:space",
    "space_id",
    lambda r: r.get_status_display(),
)
_news_row = row_of("title", "school", lambda n: local_date(n.published_at), "alliances:news")


def _granted_applications(viewer):
    return applications_visible_to(viewer).filter(status=ApplicationStatus.GRANTED)


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
            _granted_applications,
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
            _granted_applications,
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
        ratio_of(
            "call_conclusion_rate",
            "课题结项率",
            "research",
            "立项课题结项数 ÷ 课题立项数 × 100（同一统计期、同一范围）。",
            ("call_concluded", "call_granted"),
            "research",
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
    hosted = register(
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
        per_child(
            hosted,
            "hosted_trainees",
            "培训学员人次",
            "人次",
            "统计期内开班的承办培训班的学员名单人数。",
            Trainee,
            "hosting",
            _trainee_row,
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
        ratio_of(
            "resolution_rate",
            "决议完成率",
            "regional",
            "已完成决议数 ÷ 到期决议数 × 100（完成期限在统计期内的决议）。",
            ("resolutions_done", "resolutions_due"),
            "consult",
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
