"""Training classes: the list of the viewer's schools, class pages and the schedule builder."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yiwang.banks.listing import form_page
from yiwang.core.views_support import perform, perform_posted, submit_form
from yiwang.network import rules
from yiwang.network.models import School

from .. import selectors, services
from ..forms import ClassForm, CopyDayForm, SessionForm
from ..models import Session
from .common import not_found_as_404


def _runner_schools(user):
    return School.objects.filter(pk__in=rules.class_runner_school_ids(user)).order_by("code")


@login_required
def manage(request):
    schools = list(_runner_schools(request.user))
    if not schools:
        raise PermissionDenied
    classes = (
        selectors.classes_visible_to(request.user)
        .filter(owner_school__in=schools)
        .select_related("owner_school")
    )
    return render(
        request, "classes/manage.html", {"schools": schools, "classes": classes.order_by("-start_date", "id")}
    )


@login_required
def class_create(request):
    school_code = request.GET.get("school") or request.POST.get("school")
    schools = list(_runner_schools(request.user))
    school = next((s for s in schools if s.code == school_code), schools[0] if schools else None)
    if school is None:
        raise PermissionDenied
    form = ClassForm(request.POST or None, school=school, viewer=request.user)
    return form_page(
        request,
        form,
        lambda: services.create_class(by=request.user, school=school, **form.cleaned_data),
        template="classes/class_form.html",
        context={"school": school, "schools": schools},
        success=lambda c: f"已创建班次“{c.name}”（草稿）。请添加课程安排，检查无冲突后发布。",
        detail="classes:class_detail",
    )


@login_required
@not_found_as_404
def class_edit(request, pk: int):
    training_class = selectors.access_class(request.user, pk)
    if not rules.can_run_classes(request.user, training_class.owner_school):
        raise PermissionDenied
    initial = {f: getattr(training_class, f) for f in services.EDITABLE_CLASS_FIELDS}
    initial.update(
        alliances=training_class.shared_alliances.all(), partnerships=training_class.shared_partnerships.all()
    )
    form = ClassForm(
        request.POST or None, initial=initial, school=training_class.owner_school, viewer=request.user
    )
    return form_page(
        request,
        form,
        lambda: services.update_class(by=request.user, training_class=training_class, **form.cleaned_data),
        template="classes/class_form.html",
        context={"school": training_class.owner_school, "training_class": training_class},
        success=lambda _: "班次信息已保存。",
        detail="classes:class_detail",
    )


@login_required
@not_found_as_404
def class_detail(request, pk: int):
    training_class = selectors.access_class(request.user, pk)
    can_run = rules.can_run_classes(request.user, training_class.owner_school)
    sessions = list(
        training_class.sessions.select_related("teacher", "topic", "module").order_by(
            "date", "start_time", "id"
        )
    )
    days: dict[date, list[Session]] = {}
    for session in sessions:
        days.setdefault(session.date, []).append(session)
    context = {
        "training_class": training_class,
        "days": sorted(days.items()),
        "can_run": can_run,
        "session_count": len(sessions),
        "open_count": sum(1 for s in sessions if s.is_open),
    }
    if training_class.is_programme:
        context.update(
            enrolment=selectors.enrolment_of(request.user, training_class),
            enrolment_deadline=services.enrolment_deadline(training_class),
            now=timezone.now(),
        )
    if can_run:
        context.update(
            conflicts=selectors.schedule_conflicts(request.user, training_class),
            session_form=SessionForm(viewer=request.user, initial={"date": training_class.start_date}),
            copy_form=CopyDayForm(),
        )
    return render(request, "classes/class_detail.html", context)


def _runner_action(request, pk: int, action, success: str):
    training_class = selectors.access_class(request.user, pk)
    perform(request, lambda: action(by=request.user, training_class=training_class), success)
    return redirect("classes:class_detail", pk=pk)


@login_required
@require_POST
@not_found_as_404
def class_publish(request, pk: int):
    return _runner_action(request, pk, services.publish_class, "班次已发布，课程表已对共享范围内的学校可见。")


@login_required
@require_POST
@not_found_as_404
def class_finish(request, pk: int):
    return _runner_action(request, pk, services.finish_class, "班次已结束。")


@login_required
@not_found_as_404
def session_add(request, pk: int):
    training_class = selectors.access_class(request.user, pk)
    if not rules.can_run_classes(request.user, training_class.owner_school):
        raise PermissionDenied
    form = SessionForm(request.POST or None, viewer=request.user, initial={"date": training_class.start_date})
    session = submit_form(
        request,
        form,
        lambda: services.add_session(by=request.user, training_class=training_class, **form.service_fields()),
    )
    if session is not None:
        messages.success(request, f"已添加课程《{session.title}》。")
        return redirect("classes:class_detail", pk=pk)
    return render(request, "classes/session_form.html", {"form": form, "training_class": training_class})


@login_required
@require_POST
@not_found_as_404
def copy_day(request, pk: int):
    training_class = selectors.access_class(request.user, pk)
    form = CopyDayForm(request.POST)
    perform_posted(
        request,
        form,
        lambda: services.copy_day(by=request.user, training_class=training_class, **form.cleaned_data),
        lambda copies: f"已复制 {len(copies)} 节课到 {form.cleaned_data['to_date']:%Y-%m-%d}。",
        invalid="请填写要复制的日期和目标日期。",
    )
    return redirect("classes:class_detail", pk=pk)
