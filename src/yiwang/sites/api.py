"""JSON API of the field sites: sites (sharing rule), their calendar, bookings (only the two
schools involved), approve / decline / withdraw / complete, visit evaluation. Same services as the pages."""

from datetime import date, timedelta

from django.utils import timezone
from ninja import Query, Router, Schema, Status

from yiwang.accounts.api_auth import SignedIn
from yiwang.core.api_support import PageParams, page_of
from yiwang.core.errors import DomainError
from yiwang.network.selectors import resolve_sharing, school_by_code

from . import selectors, services
from .enums import BookingStatus
from .schemas import (
    BookingIn,
    BookingOut,
    BookingPage,
    CalendarOut,
    DecisionIn,
    EvaluationIn,
    SiteDetailOut,
    SiteIn,
    SitePage,
)

PREFIX = "sites"
router = Router(tags=["现场教学基地"])
MAX_CALENDAR_DAYS = 62


def local(value):
    return timezone.localtime(value) if value else None


def site_out(s) -> dict:
    return {
        "id": s.pk,
        "name": s.name,
        "school_code": s.owner_school.code,
        "school_name": s.owner_school.name,
        "operator_kind": s.operator_kind,
        "operator_name": s.operator_name,
        "address": s.address,
        "latitude": float(s.latitude) if s.latitude is not None else None,
        "longitude": float(s.longitude) if s.longitude is not None else None,
        "themes": s.theme_codes,
        "theme_labels": s.theme_labels,
        "capacity": s.capacity,
        "opens_at": s.opens_at,
        "closes_at": s.closes_at,
        "open_weekdays": s.open_weekdays,
        "is_active": s.is_active,
        "scope": s.scope,
        "scope_label": s.get_scope_display(),
    }


def booking_out(b) -> dict:
    return {
        "id": b.pk,
        "request_id": b.request_id,
        "site_id": b.site_id,
        "site_name": b.site.name,
        "owner_school_code": b.site.owner_school.code,
        "requesting_school_code": b.requesting_school.code,
        "starts_at": local(b.starts_at),
        "ends_at": local(b.ends_at),
        "group_size": b.group_size,
        "purpose": b.purpose,
        "status": b.status,
        "status_label": b.get_status_display(),
    }


class SiteFilters(PageParams):
    q: str = ""
    school: str = ""
    theme: str = ""


@router.get("/sites", response=SitePage, summary="现场教学基地列表（按共享范围可见）")
def list_sites(request, filters: Query[SiteFilters]):
    qs = selectors.sites_visible_to(request.auth, q=filters.q, school=filters.school, theme=filters.theme)
    return page_of(qs, filters, site_out)


@router.get("/sites/{site_id}", response=SiteDetailOut, summary="基地详情")
def get_site(request, site_id: int):
    site = selectors.access_site(request.auth, site_id)
    return {
        **site_out(site),
        "summary": site.summary,
        "contact": site.contact,
        "guide_ids": [t.pk for t in site.guides.all()],
        "course_ids": [c.pk for c in selectors.site_courses(request.auth, site)],
        "blackouts": [
            {"start_date": b.start_date.isoformat(), "end_date": b.end_date.isoformat(), "reason": b.reason}
            for b in selectors.upcoming_blackouts(site)
        ],
        "visit_rating": selectors.visit_rating(site),
    }


@router.post("/sites", response={201: SiteDetailOut}, auth=SignedIn(), summary="登记基地")
def create_site(request, payload: SiteIn):
    school = school_by_code(payload.school)
    sharing = resolve_sharing(payload.alliance_ids, payload.partnership_ids)
    site = services.create_site(
        by=request.auth,
        school=school,
        name=payload.name,
        address=payload.address,
        capacity=payload.capacity,
        opens_at=payload.opens_at,
        closes_at=payload.closes_at,
        open_weekdays=payload.open_weekdays,
        operator_kind=payload.operator_kind,
        operator_name=payload.operator_name,
        latitude=payload.latitude,
        longitude=payload.longitude,
        themes=payload.themes,
        summary=payload.summary,
        contact=payload.contact,
        guides=payload.guide_ids,
        courses=payload.course_ids,
        scope=payload.scope,
        alliances=sharing.get("alliances", []),
        partnerships=sharing.get("partnerships", []),
    )
    return Status(201, get_site(request, site.pk))


class CalendarQuery(Schema):
    start: date | None = None
    end: date | None = None


@router.get(
    "/sites/{site_id}/calendar", response=CalendarOut, summary="基地预约日历（已批准时段；详情仅限相关学校）"
)
def site_calendar(request, site_id: int, query: Query[CalendarQuery]):
    site = selectors.access_site(request.auth, site_id)
    start = query.start or timezone.localdate()
    end = query.end or start + timedelta(days=6)
    if end < start:
        raise DomainError("结束日期不能早于开始日期。", field="end")
    if (end - start).days > MAX_CALENDAR_DAYS:
        raise DomainError(f"一次最多查询 {MAX_CALENDAR_DAYS} 天。", field="end")
    slots = selectors.calendar_slots(request.auth, site, start, end)
    return {
        "site_id": site.pk,
        "start": start,
        "end": end,
        "slots": [
            {
                "starts_at": local(s.starts_at),
                "ends_at": local(s.ends_at),
                "status": s.status,
                "label": s.label,
                "booking_id": s.booking.pk if s.booking else None,
            }
            for s in slots
        ],
        "blackouts": [
            {"start_date": b.start_date.isoformat(), "end_date": b.end_date.isoformat(), "reason": b.reason}
            for b in site.blackouts.filter(start_date__lte=end, end_date__gte=start)
        ],
    }


@router.post(
    "/sites/{site_id}/bookings",
    response={201: BookingOut},
    auth=SignedIn(),
    summary="预约基地（提交协作请求）",
)
def book_site(request, site_id: int, payload: BookingIn):
    site = selectors.access_site(request.auth, site_id)
    school = school_by_code(payload.school)
    booking = services.book_site(
        by=request.auth,
        site=site,
        school=school,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        group_size=payload.group_size,
        purpose=payload.purpose,
        note=payload.note,
    )
    return Status(201, booking_out(selectors.access_booking(request.auth, booking.pk)))


class BookingFilters(PageParams):
    role: str = ""
    status: str = ""
    site: int | None = None


@router.get("/bookings", response=BookingPage, auth=SignedIn(), summary="本校相关的基地预约")
def list_bookings(request, filters: Query[BookingFilters]):
    if filters.status and filters.status not in BookingStatus.values:
        raise DomainError("预约状态无效。", field="status")
    site = selectors.access_site(request.auth, filters.site) if filters.site else None
    qs = selectors.bookings_visible_to(request.auth, role=filters.role, status=filters.status, site=site)
    return page_of(qs, filters, booking_out)


@router.get("/bookings/{booking_id}", response=BookingOut, auth=SignedIn(), summary="预约详情")
def get_booking(request, booking_id: int):
    return booking_out(selectors.access_booking(request.auth, booking_id))


def _act(request, booking_id: int, action, note: str):
    booking = selectors.access_booking(request.auth, booking_id)
    action(by=request.auth, booking=booking, note=note)
    return booking_out(selectors.access_booking(request.auth, booking_id))


@router.post(
    "/bookings/{booking_id}/approve", response=BookingOut, auth=SignedIn(), summary="批准预约（基地所属学校）"
)
def approve_booking(request, booking_id: int, payload: DecisionIn):
    return _act(request, booking_id, services.approve_booking, payload.note)


@router.post(
    "/bookings/{booking_id}/decline", response=BookingOut, auth=SignedIn(), summary="拒绝预约（须填写理由）"
)
def decline_booking(request, booking_id: int, payload: DecisionIn):
    return _act(request, booking_id, services.decline_booking, payload.note)


@router.post(
    "/bookings/{booking_id}/withdraw", response=BookingOut, auth=SignedIn(), summary="撤回预约（预约学校）"
)
def withdraw_booking(request, booking_id: int, payload: DecisionIn):
    return _act(request, booking_id, services.withdraw_booking, payload.note)


@router.post("/bookings/{booking_id}/complete", response=BookingOut, auth=SignedIn(), summary="标记参访完成")
def complete_booking(request, booking_id: int, payload: DecisionIn):
    return _act(request, booking_id, services.complete_booking, payload.note)


@router.post(
    "/bookings/{booking_id}/evaluation", response={201: dict}, auth=SignedIn(), summary="参访评价（预约学校）"
)
def evaluate_visit(request, booking_id: int, payload: EvaluationIn):
    booking = selectors.access_booking(request.auth, booking_id)
    evaluation = services.evaluate_visit(
        by=request.auth,
        booking=booking,
        content=payload.content,
        guiding=payload.guiding,
        arrangements=payload.arrangements,
        comment=payload.comment,
    )
    return Status(201, {"id": evaluation.pk, "average": evaluation.average})
