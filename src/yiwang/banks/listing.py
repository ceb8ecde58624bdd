"""One way to declare a bank's list page, its Excel export and its import pages.

A bank says what is really its own in a :class:`BankList` — the visible-list selector, the
filter form, the template, the importer — and gets its views from :func:`list_view`,
:func:`export_view` and :func:`import_views` (NetBox's ``ObjectListView`` /
``ObjectExportView`` / ``BulkImportView`` are the model). The list and the export read
through the same selector with the same filters, so an export is exactly the list the
viewer sees; the list is paged with the capped count of ``core.pagination`` (“10000+”) and
costs the same number of queries for 3 rows as for 50.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from yiwang.activity.services import CountingRows, record_export
from yiwang.core import excel
from yiwang.core.pagination import count_cap, paginate_capped
from yiwang.core.views_support import querystring_without_page, submit_form
from yiwang.network.models import School

from . import imports

EXPORT_LIMIT = 100_000
EXPORT_CHUNK = 2000
SHARING_PREFETCH = ("shared_alliances", "shared_partnerships__supporter", "shared_partnerships__supported")


def _no_context(request) -> dict:
    return {}


def _nothing(items, viewer) -> None:
    return None


@dataclass(frozen=True)
class BankList:
    """What one bank's list, export and import pages are made of.

    - ``selector(viewer, **filters)``: the visible, ordered queryset (with its prefetches);
    - ``filter_form(request)``: the bound filter form; ``form.filters()`` gives the selector's filters;
    - ``template`` and ``items_name``: the list page and the name its rows have in it;
    - ``importer``: the bank's ``excel.Importer`` (export columns, import template);
    - ``namespace`` / ``list_name`` / ``import_prefix``: URL names (``faculty:list``,
      ``faculty:import_template``…);
    - ``context(request)``: what else the page shows (``can_create``…);
    - ``decorate(items, viewer)``: per-page work on the rows (contact masking…).
    """

    namespace: str
    selector: Callable
    filter_form: Callable
    template: str
    items_name: str
    importer: type
    export_filename: str
    list_name: str = "list"
    import_prefix: str = ""
    context: Callable[..., dict] = _no_context
    decorate: Callable[..., None] = field(default=_nothing)

    def url_name(self, name: str) -> str:
        return f"{self.namespace}:{name}"

    def filters(self, request):
        """The bound filter form and the filters it gives (none when nothing was asked)."""
        form = self.filter_form(request)
        return form, form.filters() if request.GET else {}


def list_view(bank: BankList):
    @login_required
    def view(request):
        form, filters = bank.filters(request)
        page = paginate_capped(
            bank.selector(request.user, **filters), request.GET.get("page"), cap=count_cap(filters)
        )
        bank.decorate(page.items, request.user)
        return render(
            request,
            bank.template,
            {
                "form": form,
                "page": page,
                bank.items_name: page.items,
                "querystring_without_page": querystring_without_page(request),
                **bank.context(request),
            },
        )

    return view


def export_view(bank: BankList):
    @login_required
    def view(request):
        _, filters = bank.filters(request)
        rows = bank.selector(request.user, **filters).prefetch_related(*SHARING_PREFETCH)
        counted = CountingRows(rows[:EXPORT_LIMIT].iterator(chunk_size=EXPORT_CHUNK))
        response = excel.export_response(bank.importer, counted, request.user, bank.export_filename)
        record_export(actor=request.user, list_name=bank.export_filename, filters=filters, rows=counted.count)
        return response

    return view


def import_views(bank: BankList):
    """The template download, upload form and job status views (``banks.imports``)."""
    prefix = bank.url_name(bank.import_prefix)

    @login_required
    def template(request):
        return imports.template_view(request, bank=bank.importer.bank)

    @login_required
    @require_http_methods(["GET", "POST"])
    def upload(request):
        return imports.import_view(
            request,
            bank=bank.importer.bank,
            list_url=reverse(bank.url_name(bank.list_name)),
            template_url=reverse(f"{prefix}import_template"),
            status_url_name=f"{prefix}import_status",
        )

    @login_required
    @require_http_methods(["GET", "POST"])
    def status(request, job_id):
        return imports.import_status_view(
            request, job_id=str(job_id), list_url=reverse(bank.url_name(bank.list_name))
        )

    return template, upload, status


def pick_school(request, school_ids) -> tuple[School | None, list[School]]:
    """The school a create page is for (``?school=`` among ``school_ids``, else the first) and all of them."""
    schools = list(School.objects.filter(pk__in=school_ids, is_active=True).order_by("code"))
    wanted = request.GET.get("school") or request.POST.get("school")
    return next((s for s in schools if str(s.pk) == wanted), schools[0] if schools else None), schools


def form_page(request, form, action, *, template: str, context: dict, success, detail: str):
    """A create or edit page: on a valid POST run ``action()`` (a service call), say
    ``success(result)`` and go to ``detail`` (a URL name taking the result's pk); otherwise
    (GET, invalid form, refusal shown on the form) render ``template`` — 400 when it has errors."""
    result = submit_form(request, form, action)
    if result is not None:
        messages.success(request, success(result))
        return redirect(detail, pk=result.pk)
    return render(request, template, {"form": form, **context}, status=400 if form.errors else 200)
