"""JSON API of the alliance spaces and agreements: spaces, meetings, resolutions and news only
for the members (public news for anyone), agreements with their self-counted progress."""

from django.utils import timezone
from ninja import Query, Router, Status

from yiwang.accounts.api_auth import SignedIn
from yiwang.core.api_support import PageParams, page_of
from yiwang.network.selectors import resolve_schools, school_by_code

from . import selectors, services
from .schemas import (
    AgreementDetailOut,
    AgreementPage,
    DoneIn,
    MeetingIn,
    MeetingOut,
    MeetingPage,
    NewsIn,
    NewsOut,
    NewsPage,
    ResolutionIn,
    ResolutionOut,
    ResolutionPage,
    SpaceDetailOut,
    SpaceOut,
    TargetIn,
)

PREFIX = "alliances"
router = Router(tags=["联盟与协议"])


def space_out(s) -> dict:
    return {"id": s.pk, "name": s.name, "alliance_id": s.alliance_id, "partnership_id": s.partnership_id}


def meeting_out(m) -> dict:
    return {
        "id": m.pk,
        "space_id": m.space_id,
        "kind": m.kind,
        "kind_label": m.get_kind_display(),
        "title": m.title,
        "held_on": m.held_on,
        "place": m.place,
        "host_school_code": m.host_school.code,
        "agenda": m.agenda,
        "attendee_school_codes": [s.code for s in m.attendee_schools.all()],
        "attendees": m.attendees,
        "minutes": m.minutes,
    }


def resolution_out(r) -> dict:
    return {
        "id": r.pk,
        "meeting_id": r.meeting_id,
        "text": r.text,
        "owner_school_code": r.owner_school.code,
        "due_on": r.due_on,
        "status": r.status,
        "status_label": r.get_status_display(),
        "is_overdue": bool(getattr(r, "is_overdue", False)),
        "done_at": timezone.localtime(r.done_at) if r.done_at else None,
        "done_note": r.done_note,
    }


def news_out(n) -> dict:
    return {
        "id": n.pk,
        "space_id": n.space_id,
        "space_name": n.space.name,
        "school_code": n.school.code,
        "title": n.title,
        "body": n.body,
        "is_public": n.is_public,
        "published_at": timezone.localtime(n.published_at),
        "image_count": len(n.images.all()),
    }


def agreement_out(a) -> dict:
    return {
        "id": a.pk,
        "title": a.title,
        "alliance_id": a.alliance_id,
        "partnership_id": a.partnership_id,
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
        "signed_on": a.signed_on,
    }


@router.get("/spaces", response=list[SpaceOut], auth=SignedIn(), summary="本校所在的联盟空间")
def list_spaces(request):
    return [space_out(s) for s in selectors.spaces_visible_to(request.auth).order_by("id")[:500]]


@router.get(
    "/spaces/{space_id}",
    response=SpaceDetailOut,
    auth=SignedIn(),
    summary="联盟空间：成员、联络人、轮值、机制",
)
def get_space(request, space_id: int):
    space = selectors.access_space(request.auth, space_id)
    chair = selectors.current_chair(space)
    mechanisms = list(space.mechanisms.all())
    return {
        **space_out(space),
        "intro": space.intro,
        "members": [
            {
                "school_code": m["school"].code,
                "school_name": m["school"].name,
                "contact_name": m["contact"].name if m["contact"] else "",
                "contact_position": m["contact"].position if m["contact"] else "",
                "contact_phone": m["contact"].phone if m["contact"] else "",
                "contact_email": m["contact"].email if m["contact"] else "",
            }
            for m in selectors.members_of(space)
        ],
        "chair": {"school_code": chair.school.code, "starts_on": chair.starts_on, "ends_on": chair.ends_on}
        if chair
        else None,
        "mechanisms": [m.mechanism for m in mechanisms],
        "mechanism_labels": [m.get_mechanism_display() for m in mechanisms],
    }


@router.get("/spaces/{space_id}/meetings", response=MeetingPage, auth=SignedIn(), summary="联席会议")
def list_meetings(request, space_id: int, paging: Query[PageParams]):
    space = selectors.access_space(request.auth, space_id)
    return page_of(selectors.meetings_of(space), paging, meeting_out)


@router.post("/spaces/{space_id}/meetings", response={201: MeetingOut}, auth=SignedIn(), summary="登记会议")
def create_meeting(request, space_id: int, payload: MeetingIn):
    space = selectors.access_space(request.auth, space_id)
    meeting = services.create_meeting(
        by=request.auth,
        space=space,
        kind=payload.kind,
        title=payload.title,
        held_on=payload.held_on,
        place=payload.place,
        host_school=school_by_code(payload.host_school, field="host_school"),
        agenda=payload.agenda,
        attendee_schools=resolve_schools(payload.attendee_schools, field="attendee_schools"),
        attendees=payload.attendees,
    )
    return Status(201, meeting_out(selectors.access_meeting(request.auth, meeting.pk)))


class ResolutionFilters(PageParams):
    status: str = ""
    overdue: bool = False


@router.get(
    "/spaces/{space_id}/resolutions", response=ResolutionPage, auth=SignedIn(), summary="决议及落实情况"
)
def list_resolutions(request, space_id: int, filters: Query[ResolutionFilters]):
    space = selectors.access_space(request.auth, space_id)
    qs = selectors.resolutions_visible_to(
        request.auth, space=space, status=filters.status, overdue=filters.overdue
    )
    return page_of(qs, filters, resolution_out)


@router.post(
    "/meetings/{meeting_id}/resolutions", response={201: ResolutionOut}, auth=SignedIn(), summary="登记决议"
)
def add_resolution(request, meeting_id: int, payload: ResolutionIn):
    meeting = selectors.access_meeting(request.auth, meeting_id)
    owner = school_by_code(payload.owner_school, field="owner_school") if payload.owner_school else None
    resolution = services.add_resolution(
        by=request.auth, meeting=meeting, text=payload.text, owner_school=owner, due_on=payload.due_on
    )
    return Status(201, resolution_out(selectors.access_resolution(request.auth, resolution.pk)))


@router.post(
    "/resolutions/{resolution_id}/done", response=ResolutionOut, auth=SignedIn(), summary="标记决议完成"
)
def complete_resolution(request, resolution_id: int, payload: DoneIn):
    resolution = selectors.access_resolution(request.auth, resolution_id)
    services.complete_resolution(by=request.auth, resolution=resolution, note=payload.note)
    return resolution_out(selectors.access_resolution(request.auth, resolution_id))


@router.get("/news", response=NewsPage, summary="联盟动态（公开动态无需登录；成员另见本联盟全部动态）")
def list_news(request, paging: Query[PageParams]):
    return page_of(selectors.news_visible_to(request.auth), paging, news_out)


@router.get("/news/{news_id}", response=NewsOut, summary="动态详情")
def get_news(request, news_id: int):
    return news_out(selectors.access_news(request.auth, news_id))


@router.post("/spaces/{space_id}/news", response={201: NewsOut}, auth=SignedIn(), summary="发布动态")
def post_news(request, space_id: int, payload: NewsIn):
    space = selectors.access_space(request.auth, space_id)
    news = services.post_news(
        by=request.auth,
        space=space,
        school=school_by_code(payload.school),
        title=payload.title,
        body=payload.body,
        is_public=payload.is_public,
    )
    return Status(201, news_out(selectors.access_news(request.auth, news.pk)))


def progress_out(p) -> dict:
    return {
        "target_id": p.target.pk,
        "year": p.target.year,
        "metric": p.target.metric,
        "metric_label": p.target.get_metric_display(),
        "target": p.target.target,
        "count": p.count,
        "percent": p.percent,
        "records": [{"on": r.on, "label": r.label, "url": r.url} for r in p.records],
    }


@router.get("/agreements", response=AgreementPage, auth=SignedIn(), summary="支援协作协议")
def list_agreements(request, paging: Query[PageParams]):
    return page_of(selectors.agreements_visible_to(request.auth), paging, agreement_out)


@router.get(
    "/agreements/{agreement_id}",
    response=AgreementDetailOut,
    auth=SignedIn(),
    summary="协议及指标完成情况（按记录自动统计）",
)
def get_agreement(request, agreement_id: int):
    agreement = selectors.access_agreement(request.auth, agreement_id)
    return {
        **agreement_out(agreement),
        "note": agreement.note,
        "progress": [progress_out(p) for p in selectors.agreement_progress(request.auth, agreement)],
    }


@router.post(
    "/agreements/{agreement_id}/targets",
    response={201: AgreementDetailOut},
    auth=SignedIn(),
    summary="设置年度指标",
)
def set_target(request, agreement_id: int, payload: TargetIn):
    agreement = selectors.access_agreement(request.auth, agreement_id)
    services.set_target(
        by=request.auth, agreement=agreement, year=payload.year, metric=payload.metric, target=payload.target
    )
    return Status(201, get_agreement(request, agreement_id))
