"""Pages: the search box and results, teacher matching, and the search dictionary (系统管理员)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from yiwang.core.errors import DomainError, PermissionDeniedError
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
        {"form": form, "result": result, "error": error},
        status=400 if error else 200,
    )


def _dictionary_admin(request) -> None:
    if not rules.can_manage_network(request.user):
        raise PermissionDeniedError("只有平台系统管理员可以维护搜索词典。")


@login_required
def dictionary(request):
    _dictionary_admin(request)  # a refusal is the shared 403 page with its message
    form = SearchTermForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            term = services.add_search_term(by=request.user, word=form.cleaned_data["word"])
        except DomainError as exc:
            form.add_error("word", exc.message)
        else:
            messages.success(request, f"已添加“{term.word}”，新的搜索立即按它分词；包含它的条目已重新索引。")
            return redirect("search:dictionary")
    terms = SearchTerm.objects.select_related("added_by")[:500]
    return render(
        request, "search/dictionary.html", {"form": form, "terms": terms}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def dictionary_remove(request, pk: int):
    _dictionary_admin(request)
    term = get_object_or_404(SearchTerm, pk=pk)
    try:
        services.remove_search_term(by=request.user, term=term)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已删除“{term.word}”。")
    return redirect("search:dictionary")


@login_required
def synonyms(request):
    _dictionary_admin(request)  # a refusal is the shared 403 page with its message
    form = SynonymForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.add_synonym_group(by=request.user, words=form.cleaned_data["words"])
        except DomainError as exc:
            form.add_error("words", exc.message)
        else:
            messages.success(request, f"已添加“{group.words}”，新的搜索立即按它扩展。")
            return redirect("search:synonyms")
    context = {
        "form": form,
        "groups": SearchSynonym.objects.select_related("added_by")[:500],
        "shipped": ["、".join(g) for g in synonym_groups_shipped()],
    }
    return render(request, "search/synonyms.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def synonyms_remove(request, pk: int):
    _dictionary_admin(request)
    synonym = get_object_or_404(SearchSynonym, pk=pk)
    try:
        services.remove_synonym_group(by=request.user, synonym=synonym)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已删除“{synonym.words}”。")
    return redirect("search:synonyms")
