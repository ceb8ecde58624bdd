"""Pages of the field sites: thin — parse, call a selector or a service, render."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.activity.services import CountingRows, record_export
from yiwang.banks.listing import BankList, form_page, list_view, pick_school
from yiwang.core.errors import DomainError, NotFoundError
from yiwang.core.excel import write_rows, xlsx_response
from yiwang.core.files import inline_response
from yiwang.core.pagination import paginate_capped
from yiwang.core.views_support import form_error, querystring_without_page
from yiwang.exchanges.posting import post_back
from yiwang.exchanges.selectors import hosted_classes_of
from yiwang.network.forms import sharing_initial
from yiwang.network.models import School
from yiwang.network.rules import staff_school_ids
from yiwang.network.selectors import active_schools

from . import ical, rules, selectors, services
from .enums import BookingStatus
from .forms import (
    BlackoutForm,
    BookingFilterForm,
    BookingForm,
    DecisionForm,
    EvaluationForm,
    PhotoForm,
    SiteFilterForm,
    SiteForm,
)
from .models import SiteBlackout, SitePhoto

EXPORT_LIMIT = 100_000

SITES = BankList(
    namespace="sites",
    selector=selectors.sites_visible_to,
    filter_form=lambda request: SiteFilterForm(request.GET or None, schools=active_schools()),
    template="sites/list.html",
    items_name="sites",
    importer=None,
    export_filename="现场教学基地.xlsx",
    context=lambda request: {"can_create": bool(staff_school_ids(request.user))},
)
site_list = list_view(SITES)

SITE_HEADER = [
    "基地名称",
    "所属学校",
    "管理方式",
    "合作单位",
    "地址",
    "纬度",
    "经度",
    "教学主题",
    "接待人数",
    "开放时间",
    "闭馆时间",
    "开放日",
    "接受预约",
    "共享范围",
]


def site_row(s) -> list:
    days = "、".join(
        ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][int(d) - 1] for d in s.open_weekdays
    )
    return [
        s.name,
        s.owner_school.name,
        s.get_operator_kind_display(),
        s.operator_name,
        s.address,
        s.latitude,
        s.longitude,
        "、".join(s.theme_labels),
        s.capacity,
        s.opens_at.strftime("%H:%M"),
        s.closes_at.strftime("%H:%M"),
        days,
        "是" if s.is_active else "否",
        s.get_scope_display(),
    ]


@login_required
def site_export(request):
    _, filters = SITES.filters(request)
    rows = CountingRows(
        selectors.sites_visible_to(request.user, **filters)[:EXPORT_LIMIT].iterator(chunk_size=2000)
    )
    data = write_rows("现场教学基地", SITE_HEADER, (site_row(s) for s in rows))
    record_export(actor=request.user, list_name=SITES.export_filename, filters=filters, rows=rows.count)
    return xlsx_response(data, SITES.export_filename)


def _day(value) -> date:
    try:
        return date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


@login_required
def site_detail(request, pk: int):
    site = selectors.access_site(request.user, pk)
    can_manage = rules.can_manage_site(request.user, site)
    book_schools = [s for s in staff_school_ids(request.user) if s != site.owner_school_id]
    context = {
        "site": site,
        "can_manage": can_manage,
        "can_book": bool(book_schools) and site.is_active,
        "courses": selectors.site_courses(request.user, site),
        "sessions": selectors.site_sessions(request.user, site),
        "rating": selectors.visit_rating(site),
        "blackouts": selectors.upcoming_blackouts(site),
        "bookings": list(selectors.bookings_visible_to(request.user, site=site)[:20]),
        "feed_url": request.session.pop("sites_new_feed_url", None),
        "feed_tokens": list(selectors.feed_tokens_of(request.user, site)),
    }
    if can_manage:
        context["blackout_form"] = BlackoutForm()
        context["photo_form"] = PhotoForm()
    return render(request, "sites/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def site_create(request):
    school, schools = pick_school(request, staff_school_ids(request.user))
    if school is None:
        messages.error(request, "只有学校的管理员、教务、培训或科研人员可以登记基地。")
        return redirect("sites:list")
    form = SiteForm(
        request.POST or None,
        viewer=request.user,
        school=school,
        initial={"open_weekdays": list("12345"), "opens_at": "09:00", "closes_at": "17:00"},
    )
    return form_page(
        request,
        form,
        lambda: services.create_site(by=request.user, school=school, **form.service_kwargs()),
        template="sites/form.html",
        context={"school": school, "schools": schools, "creating": True},
        success=lambda site: f"已登记基地：{site.name}",
        detail="sites:detail",
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_edit(request, pk: int):
    site = selectors.access_site(request.user, pk)
    if not rules.can_manage_site(request.user, site):
        messages.error(request, "只有基地所属学校的人员可以修改基地信息。")
        return redirect("sites:detail", pk=site.pk)
    initial = {f: getattr(site, f) for f in services.CONTENT_FIELDS}
    initial.update(
        themes=site.theme_codes,
        open_weekdays=list(site.open_weekdays),
        guides=list(site.guides.all()),
        courses=list(site.courses.all()),
        **sharing_initial(site),
    )
    form = SiteForm(
        request.POST or None, initial=initial, viewer=request.user, school=site.owner_school, site=site
    )
    return form_page(
        request,
        form,
        lambda: services.update_site(by=request.user, site=site, **form.service_kwargs()),
        template="sites/form.html",
        context={"school": site.owner_school, "site": site},
        success=lambda _: "基地信息已保存。",
        detail="sites:detail",
    )


@login_required
@require_POST
def blackout_add(request, pk: int):
    site = selectors.access_site(request.user, pk)
    return post_back(request, BlackoutForm, services.add_blackout, site=site, to="sites:detail")


@login_required
@require_POST
def blackout_remove(request, pk: int, blackout_id: int):
    site = selectors.access_site(request.user, pk)
    blackout = get_object_or_404(SiteBlackout, pk=blackout_id, site=site)
    try:
        services.remove_blackout(by=request.user, blackout=blackout)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已删除不开放日。")
    return redirect("sites:detail", pk=site.pk)


@login_required
@require_POST
def photo_upload(request, pk: int):
    site = selectors.access_site(request.user, pk)
    return post_back(request, PhotoForm, services.upload_photo, site=site, to="sites:detail")


@login_required
def photo_view(request, pk: int, photo_id: int):
    """A photo, only for viewers who may see its site (never a public file URL)."""
    site = selectors.access_site(request.user, pk)
    photo = SitePhoto.objects.filter(pk=photo_id, site=site).first()
    if photo is None:
        raise NotFoundError()
    return inline_response(photo.file, photo.content_type)


@login_required
def site_calendar(request, pk: int):
    site = selectors.access_site(request.user, pk)
    view = request.GET.get("view", "week")
    grid = selectors.site_calendar(request.user, site, view, _day(request.GET.get("day")))
    return render(
        request,
        "sites/calendar.html",
        {
            "site": site,
            "grid": grid,
            "views": selectors.CALENDAR_VIEWS,
            "unit": selectors.CALENDAR_VIEWS[grid.view],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def booking_create(request, pk: int):
    site = selectors.access_site(request.user, pk)
    schools = list(
        School.objects.filter(pk__in=staff_school_ids(request.user), is_active=True)
        .exclude(pk=site.owner_school_id)
        .order_by("code")
    )
    if not schools:
        messages.error(request, "只有其他学校的管理员、教务、培训或科研人员可以预约该基地。")
        return redirect("sites:detail", pk=site.pk)
    initial = {"day": request.GET.get("day") or "", "start_time": site.opens_at, "end_time": site.closes_at}
    form = BookingForm(
        request.POST or None, schools=schools, hostings=hosted_classes_of(request.user), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            hosting = form.chosen_hosting()
            if hosting is not None:
                kwargs = form.service_kwargs()
                booking, _ = services.book_field_session(
                    by=request.user,
                    hosting=hosting,
                    site=site,
                    starts_at=kwargs["starts_at"],
                    ends_at=kwargs["ends_at"],
                    title=kwargs["purpose"],
                    group_size=kwargs["group_size"],
                )
            else:
                booking = services.book_site(by=request.user, site=site, **form.service_kwargs())
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"预约已提交，等待{site.owner_school.short_name}审批。")
            return redirect("sites:booking_detail", pk=booking.pk)
    return render(
        request, "sites/booking_form.html", {"site": site, "form": form}, status=400 if form.errors else 200
    )


@login_required
def booking_list(request):
    form = BookingFilterForm(request.GET or None)
    filters = form.filters()
    page = paginate_capped(selectors.bookings_visible_to(request.user, **filters), request.GET.get("page"))
    return render(
        request,
        "sites/booking_list.html",
        {
            "form": form,
            "page": page,
            "bookings": page.items,
            "querystring_without_page": querystring_without_page(request),
        },
    )


BOOKING_HEADER = ["基地", "基地所属学校", "预约学校", "开始", "结束", "人数", "班次或用途", "状态"]


@login_required
def booking_export(request):
    filters = BookingFilterForm(request.GET or None).filters()
    rows = CountingRows(
        selectors.bookings_visible_to(request.user, **filters)[:EXPORT_LIMIT].iterator(chunk_size=2000)
    )
    data = write_rows(
        "基地预约",
        BOOKING_HEADER,
        (
            [
                b.site.name,
                b.site.owner_school.name,
                b.requesting_school.name,
                b.starts_at,
                b.ends_at,
                b.group_size,
                b.purpose,
                b.get_status_display(),
            ]
            for b in rows
        ),
    )
    record_export(actor=request.user, list_name="基地预约.xlsx", filters=filters, rows=rows.count)
    return xlsx_response(data, "基地预约.xlsx")


@login_required
def booking_for_request(request, request_id: int):
    booking = selectors.booking_for_request(request.user, request_id)
    return redirect("sites:booking_detail", pk=booking.pk)


@login_required
def booking_detail(request, pk: int):
    booking = selectors.access_booking(request.user, pk)
    user = request.user
    owner = rules.can_manage_site(user, booking.site)
    visitor = rules.can_evaluate_visit(user, booking)
    ended = booking.ends_at <= timezone.now()
    evaluation = getattr(booking, "evaluation", None) if hasattr(booking, "evaluation") else None
    return render(
        request,
        "sites/booking_detail.html",
        {
            "booking": booking,
            "events": list(booking.request.events.all()),
            "can_decide": owner and booking.status == BookingStatus.PENDING,
            "can_withdraw": visitor and booking.status == BookingStatus.PENDING,
            "can_complete": (owner or visitor) and booking.status == BookingStatus.APPROVED and ended,
            "can_evaluate": visitor
            and evaluation is None
            and ended
            and booking.status in (BookingStatus.APPROVED, BookingStatus.COMPLETED),
            "evaluation": evaluation,
            "decision_form": DecisionForm(),
            "evaluation_form": EvaluationForm(),
        },
    )


def _booking_action(request, pk: int, action, done: str):
    booking = selectors.access_booking(request.user, pk)
    form = DecisionForm(request.POST)
    note = form.cleaned_data.get("note", "") if form.is_valid() else ""
    try:
        action(by=request.user, booking=booking, note=note)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("sites:booking_detail", pk=booking.pk)


def _booking_view(action, done: str):
    """A POST-only page answering one booking with ``action`` (approve, decline…)."""

    @login_required
    @require_POST
    def view(request, pk: int):
        return _booking_action(request, pk, action, done)

    return view


booking_approve = _booking_view(services.approve_booking, "已批准该预约。")
booking_decline = _booking_view(services.decline_booking, "已拒绝该预约。")
booking_withdraw = _booking_view(services.withdraw_booking, "已撤回该预约。")
booking_complete = _booking_view(services.complete_booking, "已标记参访完成。")


@login_required
@require_POST
def booking_evaluate(request, pk: int):
    booking = selectors.access_booking(request.user, pk)
    return post_back(
        request, EvaluationForm, services.evaluate_visit, booking=booking, to="sites:booking_detail"
    )


@login_required
@require_POST
def feed_create(request, pk: int):
    site = selectors.access_site(request.user, pk)
    _, key = services.create_feed_token(by=request.user, site=site)
    request.session["sites_new_feed_url"] = request.build_absolute_uri(reverse("sites:ical_feed", args=[key]))
    messages.success(request, "已生成日历订阅地址。请复制保存：此地址只显示这一次。")
    return redirect("sites:detail", pk=site.pk)


@login_required
@require_POST
def feed_revoke(request, pk: int, token_id: int):
    try:
        services.revoke_feed_token(by=request.user, token_id=token_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "日历订阅已撤销，原地址不再可用。")
    return redirect("sites:detail", pk=pk)


def ical_feed(request, key: str):
    token = services.feed_token_for_key(key)
    if token is None:
        raise Http404("订阅地址无效或已撤销。")
    start, end = ical.feed_window()
    slots = selectors.feed_slots(token, start, end)
    blackouts = (
        list(token.site.blackouts.filter(end_date__gte=start, start_date__lte=end))
        if slots is not None
        else []
    )
    body = ical.build_feed(token.site, slots, blackouts)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = 'inline; filename="site.ics"'
    return response
