from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from yiwang.core import excel
from yiwang.core.errors import DomainError, NotFoundError
from yiwang.core.pagination import paginate_capped
from yiwang.core.views_support import querystring_without_page, submit_form
from yiwang.faculty.models import Teacher
from yiwang.network import rules as network_rules
from yiwang.network.models import School
from yiwang.network.rules import staff_school_ids
from yiwang.network.selectors import active_schools

from . import rules, selectors, services
from .excel import TopicImporter
from .forms import TopicFilterForm, TopicForm, module_queryset

EXPORT_LIMIT = 100_000


def _access(request, pk):
    try:
        return selectors.access_topic(request.user, pk)
    except NotFoundError:
        raise Http404 from None


def _filters(request):
    form = TopicFilterForm(
        request.GET or None,
        schools=active_schools(),
        modules=module_queryset(),
        show_retired=bool(staff_school_ids(request.user)),
    )
    return form, form.filters() if request.GET else {}


def _creatable_schools(user) -> list[School]:
    """Schools the user may add topics for: where they are staff, or their own teacher profile's school."""
    ids = set(staff_school_ids(user))
    own = Teacher.objects.filter(user=user).values_list("owner_school_id", flat=True).first()
    if own and network_rules.is_member(user, own):
        ids.add(own)
    return list(School.objects.filter(pk__in=ids, is_active=True).order_by("code"))


@login_required
def topic_list(request):
    form, filters = _filters(request)
    page = paginate_capped(selectors.topics_visible_to(request.user, **filters), request.GET.get("page"))
    return render(
        request,
        "topics/list.html",
        {
            "form": form,
            "page": page,
            "topics": page.items,
            "querystring_without_page": querystring_without_page(request),
            "can_create": bool(_creatable_schools(request.user)),
            "can_import": bool(staff_school_ids(request.user)),
        },
    )


@login_required
def topic_export(request):
    _, filters = _filters(request)
    topics = selectors.topics_visible_to(request.user, **filters).prefetch_related(
        "shared_alliances", "shared_partnerships__supporter", "shared_partnerships__supported"
    )
    return excel.export_response(
        TopicImporter, topics[:EXPORT_LIMIT].iterator(chunk_size=2000), request.user, "讲题库导出.xlsx"
    )


@login_required
def topic_detail(request, pk: int):
    topic = _access(request, pk)
    return render(
        request,
        "topics/detail.html",
        {
            "topic": topic,
            "can_edit": rules.can_edit_topic(request.user, topic),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_create(request):
    schools = _creatable_schools(request.user)
    if not schools:
        messages.error(request, "只有学校的管理员、教务、培训、科研人员或有教师档案的教师可以添加讲题。")
        return redirect("topics:list")
    wanted = request.GET.get("school") or request.POST.get("school")
    school = next((s for s in schools if str(s.pk) == wanted), schools[0])
    own = Teacher.objects.filter(user=request.user).first()
    form = TopicForm(
        request.POST or None, school=school, viewer=request.user, initial={"teachers": [own] if own else []}
    )
    topic = submit_form(
        request, form, lambda: services.create_topic(by=request.user, school=school, **form.service_kwargs())
    )
    if topic is not None:
        messages.success(request, f"已添加讲题：{topic.title}")
        return redirect("topics:detail", pk=topic.pk)
    return render(
        request,
        "topics/form.html",
        {"form": form, "school": school, "schools": schools, "creating": True},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_edit(request, pk: int):
    topic = _access(request, pk)
    if not rules.can_edit_topic(request.user, topic):
        messages.error(request, "只有所属学校的管理员、教务、培训、科研人员或该讲题的授课教师可以修改讲题。")
        return redirect("topics:detail", pk=topic.pk)
    initial = {
        f: getattr(topic, f)
        for f in (
            "title",
            "category",
            "form",
            "hours",
            "module",
            "keywords",
            "summary",
            "outline",
            "status",
            "scope",
        )
    }
    initial.update(
        audiences=topic.audience_codes,
        teachers=list(topic.teachers.all()),
        alliances=list(topic.shared_alliances.all()),
        partnerships=list(topic.shared_partnerships.all()),
    )
    form = TopicForm(request.POST or None, initial=initial, school=topic.owner_school, viewer=request.user)
    saved = submit_form(
        request, form, lambda: services.update_topic(by=request.user, topic=topic, **form.service_kwargs())
    )
    if saved is not None:
        messages.success(request, "讲题已保存。")
        return redirect("topics:detail", pk=topic.pk)
    return render(
        request,
        "topics/form.html",
        {"form": form, "school": topic.owner_school, "topic": topic},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_retire(request, pk: int):
    topic = _access(request, pk)
    if request.method == "POST":
        try:
            services.retire_topic(by=request.user, topic=topic)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("topics:detail", pk=topic.pk)
        messages.success(request, f"已停用讲题：{topic.title}")
        return redirect("topics:list")
    return render(request, "topics/retire.html", {"topic": topic})


@login_required
def import_template(request):
    return excel.template_view(request, bank=TopicImporter.bank)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    return excel.import_view(
        request,
        bank=TopicImporter.bank,
        list_url=reverse("topics:list"),
        template_url=reverse("topics:import_template"),
        status_url_name="topics:import_status",
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_status(request, job_id):
    try:
        return excel.import_status_view(request, job_id=str(job_id), list_url=reverse("topics:list"))
    except NotFoundError:
        raise Http404 from None
