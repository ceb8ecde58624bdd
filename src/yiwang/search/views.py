"""Pages: the search box and results, teacher matching, and the search dictionary (系统管理员)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from yiwang.core.errors import DomainError, PermissionDeniedError
from yiwang.core.views_support import perform
from yiwang.faculty.models import Teacher
from yiwang.network import rules
from yiwang.network.models import School

from . import services
from .forms import MatchForm, SearchTermForm, SynonymForm
from .models import SearchSynonym, SearchTerm
from .segmentation import synonym_groups_shipped
from .selectors import match_teachers, search_visible_to

FILTERS = ("type", "school", "module", "category", "year")


@dataclass
class ResultPage:
    """What includes/pagination.html expects."""

    number: int
    num_pages: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def _query(params: dict) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def search(request):
    q = request.GET.get("q", "")
    filters = {name: request.GET.get(name, "") for name in FILTERS}
    context = {"q": q, "filters": filters, "results": None, "error": ""}
    if "q" in request.GET:
        try:
            results = search_visible_to(request.user, q, page=request.GET.get("page") or 1, **filters)
        except DomainError as exc:
            context["error"] = exc.message
        else:
            base = {"q": q, **filters}
            for facet in results.facets:
                for option in facet.options:
                    option.url = "?" + _query({**base, facet.name: "" if option.selected else option.value})
            context.update(
                results=results,
                page=ResultPage(results.page, results.pages),
                querystring_without_page=_query(base) + "&",
            )
    status = 400 if context["error"] else 200
    return render(request, "search/search.html", context, status=status)


@login_required
def match(request):
    schools = School.objects.filter(is_active=True).order_by("code")
    form = MatchForm(request.GET or None, schools=schools)
    result, error = None, ""
    if request.GET and form.is_valid():
        data = form.cleaned_data
        try:
            result = match_teachers(
                request.user,
                data["need"],
                audience=data["audience"],
                form=data["form"],
                school=data["school"],
            )
        except DomainError as exc:
            error = exc.message
    elif request.GET:
        error = "请检查填写的内容。"
    return render(
        request,
        "search/match.html",
        {"form": form, "result": result, "error": error, "dispatchable": _dispatchable(request.user, result)},
        status=400 if error else 200,
    )


def _dispatchable(viewer, result) -> set[int]:
    """Matched teachers the viewer may ask for through 师资互派: the viewer is a school's staff
    (who send requests) and the teacher belongs to another school (one query, none otherwise)."""
    schools = rules.staff_school_ids(viewer)
    if result is None or not result.teachers or not schools:
        return set()
    return set(
        Teacher.objects.filter(pk__in=[t.id for t in result.teachers])
        .exclude(owner_school_id__in=schools)
        .values_list("pk", flat=True)
    )


def _dictionary_admin(request) -> None:
    if not rules.can_manage_network(request.user):
        raise PermissionDeniedError("只有平台系统管理员可以维护搜索词典。")


def _vocabulary_page(request, *, form, add, field: str, added: str, page: str, template: str, context: dict):
    """The dictionary and synonym pages: a system admin adds an entry through ``add`` (a service
    taking the form's ``field``); a refusal stays on the form under that field."""
    _dictionary_admin(request)  # a refusal is the shared 403 page with its message
    if request.method == "POST" and form.is_valid():
        try:
            entry = add(by=request.user, **{field: form.cleaned_data[field]})
        except DomainError as exc:
            form.add_error(field, exc.message)
        else:
            messages.success(request, added.format(entry=entry))
            return redirect(page)
    return render(request, template, {"form": form, **context}, status=400 if form.errors else 200)


def _vocabulary_remove(request, *, model, pk: int, remove, page: str, label) -> HttpResponse:
    _dictionary_admin(request)
    entry = get_object_or_404(model, pk=pk)
    perform(request, lambda: remove(request.user, entry), f"已删除“{label(entry)}”。")
    return redirect(page)


@login_required
def dictionary(request):
    return _vocabulary_page(
        request,
        form=SearchTermForm(request.POST or None),
        add=services.add_search_term,
        field="word",
        added="已添加“{entry.word}”，新的搜索立即按它分词；包含它的条目已重新索引。",
        page="search:dictionary",
        template="search/dictionary.html",
        context={"terms": SearchTerm.objects.select_related("added_by")[:500]},
    )


@login_required
@require_POST
def dictionary_remove(request, pk: int):
    return _vocabulary_remove(
        request,
        model=SearchTerm,
        pk=pk,
        remove=lambda by, term: services.remove_search_term(by=by, term=term),
        page="search:dictionary",
        label=lambda term: term.word,
    )


@login_required
def synonyms(request):
    return _vocabulary_page(
        request,
        form=SynonymForm(request.POST or None),
        add=services.add_synonym_group,
        field="words",
        added="已添加“{entry.words}”，新的搜索立即按它扩展。",
        page="search:synonyms",
        template="search/synonyms.html",
        context={
            "groups": SearchSynonym.objects.select_related("added_by")[:500],
            "shipped": ["、".join(g) for g in synonym_groups_shipped()],
        },
    )


@login_required
@require_POST
def synonyms_remove(request, pk: int):
    return _vocabulary_remove(
        request,
        model=SearchSynonym,
        pk=pk,
        remove=lambda by, synonym: services.remove_synonym_group(by=by, synonym=synonym),
        page="search:synonyms",
        label=lambda synonym: synonym.words,
    )
