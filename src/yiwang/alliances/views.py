"""Pages of the alliance spaces and agreements: thin — parse, call a selector or a service, render."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.activity.services import record_export
from yiwang.core.errors import DomainError, NotFoundError
from yiwang.core.excel import write_rows, xlsx_response
from yiwang.core.files import inline_response
from yiwang.core.pagination import paginate
from yiwang.core.views_support import form_error
from yiwang.exchanges.posting import post_back
from yiwang.network.context import viewer_context
from yiwang.network.models import Alliance, School, SupportPartnership
from yiwang.network.rules import staff_school_ids

from . import rules, selectors, services
from .forms import (
    AgreementForm,
    ChairForm,
    ContactForm,
    DoneForm,
    MechanismsForm,
    MeetingForm,
    MinutesForm,
    NewsForm,
    ResolutionForm,
    TargetForm,
)
from .models import NewsImage


@login_required
def index(request):
    alliances, partnerships = selectors.groups_of(request.user)
    return render(
        request,
        "alliances/index.html",
        {
            "alliances": alliances,
            "partnerships": partnerships,
            "public_news": list(selectors.public_news()[:5]),
        },
    )


@login_required
def open_alliance(request, alliance_id: int):
    return _open_space(request, Alliance, alliance_id, "alliance_ids", "alliance")


@login_required
def open_partnership(request, partnership_id: int):
    return _open_space(request, SupportPartnership, partnership_id, "partnership_ids", "partnership")


def _open_space(request, model, pk: int, mine: str, owner: str):
    """The space of a group the viewer belongs to (``mine``: the viewer context's ids of such groups),
    made on first visit; any other group is not found."""
    ctx = viewer_context(request.user)
    group = model.objects.filter(pk=pk).first()
    if group is None or not (ctx.sees_everything or group.pk in getattr(ctx, mine)):
        raise NotFoundError()
    return redirect("alliances:space", pk=services.ensure_space(**{owner: group}).pk)


def _schools(ids) -> list[School]:
    return list(School.objects.filter(pk__in=list(ids)).order_by("code"))


@login_required
def space_detail(request, pk: int):
    space = selectors.access_space(request.user, pk)
    context = {"space": space, **selectors.space_overview(request.user, space)}
    members, my_schools = context["members"], context["my_schools"]
    context["can_post"] = bool(my_schools)
    context["contact_forms"] = [(s, _contact_form(members, s)) for s in my_schools]
    if context["can_manage"]:
        context["chair_form"] = ChairForm(members=[m["school"] for m in members])
        context["mechanisms_form"] = MechanismsForm(
            initial={"mechanisms": [m.mechanism for m in context["mechanisms"]]}
        )
    return render(request, "alliances/space.html", context)


def _contact_form(members, school) -> ContactForm:
    contact = next((m["contact"] for m in members if m["school"].pk == school.pk), None)
    initial = {f: getattr(contact, f) for f in ("name", "position", "phone", "email")} if contact else {}
    return ContactForm(initial=initial, prefix=f"c{school.pk}")


def _post_then_back(request, space, action, done: str):
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("alliances:space", pk=space.pk)


@login_required
@require_POST
def contact_set(request, pk: int):
    space = selectors.access_space(request.user, pk)
    school_id = request.POST.get("school_id", "")
    schools = _schools(rules.staff_member_school_ids(request.user, space))
    school = next((s for s in schools if str(s.pk) == school_id), None)
    if school is None:
        messages.error(request, "只有该成员学校的人员可以设置本校联络人。")
        return redirect("alliances:space", pk=space.pk)
    form = ContactForm(request.POST, prefix=f"c{school.pk}")
    if not form.is_valid():
        messages.error(request, "请填写联络人姓名。")
        return redirect("alliances:space", pk=space.pk)
    data = form.cleaned_data
    return _post_then_back(
        request,
        space,
        lambda: services.set_contact(by=request.user, space=space, school=school, **data),
        "联络人已保存。",
    )


@login_required
@require_POST
def chair_add(request, pk: int):
    space = selectors.access_space(request.user, pk)
    form = ChairForm(request.POST, members=[m["school"] for m in selectors.members_of(space)])
    if not form.is_valid():
        messages.error(request, "请选择轮值学校并填写起止日期。")
        return redirect("alliances:space", pk=space.pk)
    return _post_then_back(
        request,
        space,
        lambda: services.add_chair_term(by=request.user, space=space, **form.cleaned_data),
        "已安排轮值。",
    )


@login_required
@require_POST
def mechanisms_set(request, pk: int):
    space = selectors.access_space(request.user, pk)
    form = MechanismsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "协作机制无效。")
        return redirect("alliances:space", pk=space.pk)
    return _post_then_back(
        request,
        space,
        lambda: services.set_mechanisms(
            by=request.user,
            space=space,
            mechanisms=form.cleaned_data["mechanisms"],
            agreed_on=timezone.localdate(),
        ),
        "协作机制已保存。",
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request, pk: int):
    space = selectors.access_space(request.user, pk)
    if not rules.can_post_in(request.user, space):
        messages.error(request, "只有成员学校的管理员、教务、培训或科研人员可以登记会议。")
        return redirect("alliances:space", pk=space.pk)
    form = MeetingForm(request.POST or None, members=[m["school"] for m in selectors.members_of(space)])
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.create_meeting(by=request.user, space=space, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已登记会议：{meeting.title}")
            return redirect("alliances:meeting", pk=meeting.pk)
    return render(
        request,
        "alliances/meeting_form.html",
        {"space": space, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def meeting_detail(request, pk: int):
    meeting = selectors.access_meeting(request.user, pk)
    can_edit = rules.can_edit_meeting(request.user, meeting)
    members = [m["school"] for m in selectors.members_of(meeting.space)]
    resolutions = list(selectors.resolutions_visible_to(request.user).filter(meeting=meeting))
    for r in resolutions:
        r.can_close = r.status == "open" and rules.can_close_resolution(request.user, r)
    return render(
        request,
        "alliances/meeting.html",
        {
            "meeting": meeting,
            "space": meeting.space,
            "resolutions": resolutions,
            "can_edit": can_edit,
            "minutes_form": MinutesForm(initial={"minutes": meeting.minutes, "attendees": meeting.attendees})
            if can_edit
            else None,
            "resolution_form": ResolutionForm(members=members) if can_edit else None,
            "done_form": DoneForm(),
        },
    )


@login_required
@require_POST
def minutes_save(request, pk: int):
    meeting = selectors.access_meeting(request.user, pk)
    return post_back(request, MinutesForm, services.record_minutes, meeting=meeting, to="alliances:meeting")


@login_required
@require_POST
def resolution_add(request, pk: int):
    meeting = selectors.access_meeting(request.user, pk)
    form = partial(ResolutionForm, members=[m["school"] for m in selectors.members_of(meeting.space)])
    return post_back(request, form, services.add_resolution, meeting=meeting, to="alliances:meeting")


@login_required
@require_POST
def resolution_done(request, pk: int):
    resolution = selectors.access_resolution(request.user, pk)
    form = DoneForm(request.POST)
    note = form.cleaned_data.get("note", "") if form.is_valid() else ""
    try:
        services.complete_resolution(by=request.user, resolution=resolution, note=note)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "决议已标记完成。")
    return redirect("alliances:meeting", pk=resolution.meeting_id)


RESOLUTION_HEADER = [
    "联盟",
    "会议",
    "会议日期",
    "决议事项",
    "责任学校",
    "完成期限",
    "状态",
    "是否逾期",
    "完成时间",
    "完成情况",
]


@login_required
def resolution_export(request, pk: int):
    space = selectors.access_space(request.user, pk)
    rows = list(selectors.resolutions_visible_to(request.user, space=space))
    data = write_rows(
        "会议决议",
        RESOLUTION_HEADER,
        (
            [
                space.name,
                r.meeting.title,
                r.meeting.held_on,
                r.text,
                r.owner_school.name,
                r.due_on,
                r.get_status_display(),
                "是" if r.is_overdue else "否",
                r.done_at,
                r.done_note,
            ]
            for r in rows
        ),
    )
    record_export(actor=request.user, list_name="会议决议.xlsx", filters={"space": space.pk}, rows=len(rows))
    return xlsx_response(data, f"{space.name}会议决议.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def news_create(request, pk: int):
    space = selectors.access_space(request.user, pk)
    schools = _schools(rules.staff_member_school_ids(request.user, space))
    if not schools:
        messages.error(request, "只有成员学校的管理员、教务、培训或科研人员可以发布动态。")
        return redirect("alliances:space", pk=space.pk)
    form = NewsForm(request.POST or None, request.FILES or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        image = data.pop("image", None)
        try:
            news = services.post_news(by=request.user, space=space, images=[image] if image else [], **data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "动态已发布。")
            return redirect("alliances:news", pk=news.pk)
    return render(
        request,
        "alliances/news_form.html",
        {"space": space, "form": form},
        status=400 if form.errors else 200,
    )


def news_detail(request, pk: int):
    """One news post: public ones for anyone (no sign-in), the others for the space's members."""
    news = selectors.access_news(request.user, pk)
    return render(
        request,
        "alliances/news_detail.html",
        {
            "news": news,
            "member": rules.can_read_space(request.user, news.space)
            if request.user.is_authenticated
            else False,
        },
    )


def news_image(request, pk: int, image_id: int):
    news = selectors.access_news(request.user, pk)
    image = NewsImage.objects.filter(pk=image_id, news=news).first()
    if image is None:
        raise NotFoundError()
    return inline_response(image.file, image.content_type, public=news.is_public)


def public_news(request):
    """宣传联动: the news members marked public, for everyone, no sign-in needed."""
    page = paginate(selectors.public_news(), request.GET.get("page"), per_page=20)
    return render(
        request,
        "alliances/public_news.html",
        {"page": page, "items": page.items, "querystring_without_page": ""},
    )


# -- agreements -------------------------------------------------------------------------------


@login_required
def agreement_list(request):
    agreements = list(selectors.agreements_visible_to(request.user))
    year = timezone.localdate().year
    progress = selectors.agreements_progress(agreements, year)
    for agreement in agreements:
        agreement.progress = progress[agreement.pk]
    return render(
        request,
        "alliances/agreement_list.html",
        {"agreements": agreements, "year": year, "can_create": selectors.can_create_agreement(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request):
    alliances, partnerships = selectors.groups_of(request.user)
    mine = set(staff_school_ids(request.user))
    alliances = [a for a in alliances if a.lead_school_id in mine]
    partnerships = [p for p in partnerships if p.supporter_id in mine]
    if not alliances and not partnerships:
        messages.error(request, "只有支援方（或联盟牵头学校）的人员可以登记协议。")
        return redirect("alliances:agreement_list")
    form = AgreementForm(request.POST or None, alliances=alliances, partnerships=partnerships)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.create_agreement(by=request.user, **form.service_kwargs())
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "协议已登记，请设置年度指标。")
            return redirect("alliances:agreement", pk=agreement.pk)
    return render(
        request, "alliances/agreement_form.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def agreement_detail(request, pk: int):
    agreement = selectors.access_agreement(request.user, pk)
    progress = selectors.agreement_progress(request.user, agreement)
    can_manage = rules.can_manage_agreement(request.user, agreement)
    return render(
        request,
        "alliances/agreement.html",
        {
            "agreement": agreement,
            "progress": progress,
            "can_manage": can_manage,
            "target_form": TargetForm(initial={"year": timezone.localdate().year}) if can_manage else None,
        },
    )


@login_required
@require_POST
def target_set(request, pk: int):
    agreement = selectors.access_agreement(request.user, pk)
    return post_back(request, TargetForm, services.set_target, agreement=agreement, to="alliances:agreement")


EXPORT_RECORDS = 10_000  # per target: the workbook lists them all up to this
PROGRESS_HEADER = ["协议", "年度", "指标", "目标数", "完成数", "完成率", "记录日期", "记录"]


@login_required
def agreement_export(request, pk: int):
    agreement = selectors.access_agreement(request.user, pk)
    progress = selectors.agreement_progress(request.user, agreement, records=EXPORT_RECORDS)

    def rows():
        for p in progress:
            label = p.target.get_metric_display()
            yield [agreement.title, p.target.year, label, p.target.target, p.count, f"{p.percent}%", "", ""]
            for record in p.records:
                yield ["", p.target.year, label, "", "", "", record.on, record.label]

    data = write_rows("协议完成情况", PROGRESS_HEADER, rows())
    record_export(
        actor=request.user,
        list_name="协议完成情况.xlsx",
        filters={"agreement": agreement.pk},
        rows=sum(len(p.records) for p in progress),
    )
    return xlsx_response(data, f"{agreement.title}完成情况.xlsx")
