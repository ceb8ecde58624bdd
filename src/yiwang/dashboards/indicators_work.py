"""Indicators of the joint work built on the banks: 合备一门课 (codev), 共研一个题 (calls),
师资互派 / 培训互接 (exchanges), 基地共用 (sites), 发展共商 and 宣传联动 (alliances).

Same rules as ``indicators``: each counts the rows of the app's own visibility selector.
"""

from django.db.models import Exists, OuterRef, Q

from yiwang.alliances.enums import ResolutionStatus
from yiwang.alliances.models import Meeting
from yiwang.alliances.selectors import news_visible_to, resolutions_visible_to, spaces_visible_to
from yiwang.calls.enums import ApplicationStatus
from yiwang.calls.selectors import applications_visible_to
from yiwang.codev.enums import RoundStatus, Stage
from yiwang.codev.models import ReviewRound
from yiwang.codev.selectors import adoptions_visible_to, projects_in_progress_visible_to, projects_visible_to
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
    narrowed,
    per_child,
    ratio_of,
    register_all,
    row_of,
    school_name,
    spec,
)

DONE_REQUESTS = (RequestStatus.ACCEPTED, RequestStatus.COMPLETED)


# How a record of each list appears in a drill-down: row_of(title, school, day, url name, id, detail).
# fmt: off
_project_row = row_of("title", "lead_school", lambda p: local_date(p.published_at) or local_date(p.created_at), "codev:project",
                      detail=lambda p: p.get_stage_display())
_round_row = row_of(lambda r: f"{r.project.title}（第{r.number}轮）", "project.lead_school", lambda r: local_date(r.closed_at), "codev:project",
                    "project_id", lambda r: r.get_decision_display())
_adoption_row = row_of("title", "adopter_school", created_date, detail=lambda a: f"原课程：{school_name(a.course.owner_school)}")
_application_row = row_of("title", "home_school", lambda a: local_date(a.decided_at) or local_date(a.submitted_at), "calls:application_detail",
                          detail=lambda a: a.get_status_display())
_dispatch_row = row_of("topic_title", "request.to_school", lambda d: local_date(d.starts_at), "exchanges:dispatch_detail",
                       detail=lambda d: f"邀请方：{school_name(d.request.from_school)}")
_hosting_row = row_of("request.title", "host_school", "start_date", "exchanges:hosting_detail",
                      detail=lambda h: f"委托方：{school_name(h.guest_school)}")
_trainee_row = row_of("hosting.request.title", "hosting.host_school", "hosting.start_date", "exchanges:hosting_detail", "hosting_id",
                      lambda t: school_name(t.hosting.guest_school))
_booking_row = row_of("site.name", "owner_school", lambda b: local_date(b.starts_at), "sites:booking_detail",
                      detail=lambda b: f"{school_name(b.requesting_school)} · {b.group_size} 人")
_meeting_row = row_of("title", "host_school", "held_on", "alliances:space", "space_id", lambda m: m.get_kind_display())
_resolution_row = row_of(lambda r: r.text[:80], "owner_school", "due_on", "alliances:space", "space_id", lambda r: r.get_status_display())
_news_row = row_of("title", "school", lambda n: local_date(n.published_at), "alliances:news")
# fmt: on


_granted_applications = narrowed(applications_visible_to, lambda: Q(status=ApplicationStatus.GRANTED))
_submitted_applications = narrowed(
    applications_visible_to, lambda: ~Q(status=ApplicationStatus.DRAFT) & Q(submitted_at__isnull=False)
)
_concluded_applications = narrowed(
    applications_visible_to,
    lambda: Q(status=ApplicationStatus.GRANTED, project__status=ProjectStatus.CONCLUDED),
)
_codev_in_progress = projects_in_progress_visible_to
_codev_published = narrowed(projects_visible_to, lambda: Q(stage=Stage.PUBLISHED))


def _closed_rounds(viewer):
    # each round's project checked by its key (an EXISTS), not ``project IN (every visible
    # project)``: SQLite built that list — 100 k projects with their sharing subqueries — to count
    # a few rounds (132 ms at 100 k projects)
    return ReviewRound.objects.filter(
        Exists(projects_visible_to(viewer).filter(pk=OuterRef("project_id"))), status=RoundStatus.CLOSED
    )


def _done_dispatches(viewer):
    return dispatches_visible_to(viewer).filter(request__status__in=DONE_REQUESTS)


def _done_hostings(viewer):
    return hostings_visible_to(viewer).filter(request__status__in=DONE_REQUESTS)


def _site_visits(viewer):
    return bookings_visible_to(viewer).filter(status__in=(BookingStatus.APPROVED, BookingStatus.COMPLETED))


def _meetings(viewer):
    return Meeting.objects.filter(space__in=spaces_visible_to(viewer).values("pk"))


_done_resolutions = narrowed(resolutions_visible_to, lambda: Q(status=ResolutionStatus.DONE))


def _work_table() -> tuple[Indicator, ...]:
    # fmt: off
    # spec(key, label, unit, platform, records, date field, school field, row, mechanisms, definition, …)
    hosted = spec("hosted_classes", "承办培训班期数", "期", "support", _done_hostings, "start_date", "host_school", _hosting_row, ("classes",),
                  "统计期内开班、已接受的培训互接班次（按开班日期，按承办学校统计）。", select_related=("request", "host_school", "guest_school"))
    return (
        spec("codev_in_progress", "在建共建项目数", "个", "codev", _codev_in_progress, None, "lead_school", _project_row, ("courses",),
             "尚未发布的可见共建项目（截至统计期末，按创建时间）。"),
        spec("codev_published", "共建发布课程数", "门", "codev", _codev_published, "published_at", "lead_school", _project_row, ("courses", "brand"),
             "统计期内评审通过并发布的共建项目（按发布时间）。"),
        spec("codev_reviews", "完成评审轮次", "轮", "codev", _closed_rounds, "closed_at", "project__lead_school", _round_row, ("courses",),
             "统计期内结束的共建项目评审轮次（按结束时间）。"),
        spec("adoptions", "课程被引用次数", "次", "codev", adoptions_visible_to, "created_at", "course__owner_school", _adoption_row, ("courses", "brand"),
             "统计期内其他学校引用（建立本校关联副本）的次数，按原课程所属学校统计。", select_related=("course__owner_school", "adopter_school")),
        spec("call_applications", "课题申报数", "项", "research", _submitted_applications, "submitted_at", "home_school", _application_row, ("research",),
             "统计期内提交的课题申报书（按提交时间，按申报人所在学校统计）。", tally="call_submitted"),
        spec("call_granted", "课题立项数", "项", "research", _granted_applications, "decided_at", "home_school", _application_row, ("research",),
             "统计期内决定立项的申报（按决定时间）。", tally="call_granted"),
        spec("call_funding", "立项经费", "万元", "research", _granted_applications, "decided_at", "home_school", _application_row, ("research",),
             "统计期内立项课题的资助经费之和。", measure=("sum", "granted_amount"), decimals=2, tally="call_granted"),
        spec("call_concluded", "立项课题结项数", "项", "research", _concluded_applications, "decided_at", "home_school", _application_row, ("research",),
             "统计期内立项、已结项的课题。", tally="call_concluded"),
        ratio_of("call_conclusion_rate", "课题结项率", "research",
                 "立项课题结项数 ÷ 课题立项数 × 100（同一统计期、同一范围）。", ("call_concluded", "call_granted"), "research"),
        spec("dispatches", "师资互派人次", "人次", "regional", _done_dispatches, "starts_at", "request__to_school", _dispatch_row, ("faculty",),
             "统计期内已接受的师资互派（按授课开始时间，按派出教师的学校统计）。", select_related=("request__to_school", "request__from_school")),
        hosted,
        per_child(hosted, "hosted_trainees", "培训学员人次", "人次", "统计期内开班的承办培训班的学员名单人数。", Trainee, "hosting", _trainee_row),
        spec("site_visits", "基地接待批次", "批", "regional", _site_visits, "starts_at", "owner_school", _booking_row, ("sites",),
             "统计期内已批准或已完成的现场教学基地预约（按开始时间，按基地所属学校统计）。", select_related=("site", "owner_school", "requesting_school")),
        spec("joint_meetings", "联席会议次数", "次", "regional", _meetings, "held_on", "host_school", _meeting_row, ("consult", "liaison"),
             "统计期内召开的联盟或协作联席会议、工作交流会（按会议日期，按承办学校统计）。"),
        spec("resolutions_due", "到期决议数", "项", "regional", resolutions_visible_to, "due_on", "owner_school", _resolution_row, ("consult",),
             "完成期限在统计期内的会议决议（按责任学校统计）。"),
        spec("resolutions_done", "已完成决议数", "项", "regional", _done_resolutions, "due_on", "owner_school", _resolution_row, ("consult",),
             "完成期限在统计期内、已完成的会议决议。"),
        ratio_of("resolution_rate", "决议完成率", "regional",
                 "已完成决议数 ÷ 到期决议数 × 100（完成期限在统计期内的决议）。", ("resolutions_done", "resolutions_due"), "consult"),
        spec("alliance_news", "联盟动态发布数", "条", "regional", news_visible_to, "published_at", "school", _news_row, ("publicity",),
             "统计期内成员学校在联盟空间发布的动态（按发布时间，按发布学校统计）。"),
    )
    # fmt: on


register_all(_work_table())
