"""Pages of the topic bank. The list, export and import pages are the shared bank views."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from yiwang.banks.listing import BankList, export_view, import_views, list_view, pick_school
from yiwang.banks.pages import create_page, edit_page
from yiwang.core.public_pages import public_detail
from yiwang.core.views_support import perform
from yiwang.faculty.models import Teacher
from yiwang.network import rules as network_rules
from yiwang.network.forms import sharing_initial
from yiwang.network.rules import staff_school_ids
from yiwang.network.selectors import active_schools

from . import rules, selectors, services
from .excel import TopicImporter
from .forms import TopicFilterForm, TopicForm, module_queryset

EDITED_FIELDS = (
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


def _creatable_school_ids(user) -> set[int]:
    """Schools the user may add topics for: where they are staff, or their own teacher profile's school."""
    ids = set(staff_school_ids(user))
    own = Teacher.objects.filter(user=user).values_list("owner_school_id", flat=True).first()
    if own and network_rules.is_member(user, own):
        ids.add(own)
    return ids


BANK = BankList(
    namespace="topics",
    selector=selectors.topics_visible_to,
    filter_form=lambda request: TopicFilterForm(
        request.GET or None,
        schools=active_schools(),
        modules=module_queryset(),
        show_retired=bool(staff_school_ids(request.user)),
    ),
    template="topics/list.html",
    items_name="topics",
    importer=TopicImporter,
    export_filename="讲题库导出.xlsx",
    context=lambda request: {
        "can_create": pick_school(request, _creatable_school_ids(request.user))[0] is not None,
        "can_import": bool(staff_school_ids(request.user)),
    },
)
topic_list = list_view(BANK)
topic_export = export_view(BANK)
import_template, import_upload, import_status = import_views(BANK)


@public_detail  # 公开 items open without signing in (only those)
def topic_detail(request, pk: int):
    topic = selectors.access_topic(request.user, pk)
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
    def form(school):
        own = Teacher.objects.filter(user=request.user).order_by("pk").first()
        return TopicForm(
            request.POST or None,
            school=school,
            viewer=request.user,
            initial={"teachers": [own] if own else []},
        )

    return create_page(
        request,
        school_ids=_creatable_school_ids(request.user),
        refused="只有学校的管理员、教务、培训、科研人员或有教师档案的教师可以添加讲题。",
        back="topics:list",
        form=form,
        create=lambda school, form: services.create_topic(
            by=request.user, school=school, **form.service_kwargs()
        ),
        template="topics/form.html",
        success=lambda topic: f"已添加讲题：{topic.title}",
        detail="topics:detail",
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_edit(request, pk: int):
    topic = selectors.access_topic(request.user, pk)

    def form():
        initial = {f: getattr(topic, f) for f in EDITED_FIELDS}
        initial.update(
            audiences=topic.audience_codes,
            teachers=list(topic.teachers.all()),
            **sharing_initial(topic),
        )
        return TopicForm(
            request.POST or None, initial=initial, school=topic.owner_school, viewer=request.user
        )

    return edit_page(
        request,
        topic,
        allowed=rules.can_edit_topic(request.user, topic),
        refused="只有所属学校的管理员、教务、培训、科研人员或该讲题的授课教师可以修改讲题。",
        form=form,
        save=lambda form: services.update_topic(by=request.user, topic=topic, **form.service_kwargs()),
        template="topics/form.html",
        success=lambda _: "讲题已保存。",
        detail="topics:detail",
        context={"topic": topic},
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_retire(request, pk: int):
    topic = selectors.access_topic(request.user, pk)
    if request.method == "POST":
        retired = perform(
            request,
            lambda: services.retire_topic(by=request.user, topic=topic),
            f"已停用讲题：{topic.title}",
        )
        return redirect("topics:list") if retired else redirect("topics:detail", pk=topic.pk)
    return render(request, "topics/retire.html", {"topic": topic})
