"""The add and edit pages every bank has, declared by what is the bank's own.

A bank's view hands over who may, the Chinese refusal, how to build its form and which
service to call; these do the rest the same way for every bank — pick the school, refuse with
a message and go back, show the form (400 when it has errors), run the service, say what was
saved and go to the item (``banks.listing.form_page``). The list, export and import pages are
``banks.listing``'s.
"""

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import redirect

from .listing import form_page, pick_school


def create_page(
    request,
    *,
    school_ids,
    refused: str,
    back: str,
    form: Callable,
    create: Callable,
    template: str,
    success: Callable,
    detail: str,
    context: dict | None = None,
):
    """An 添加 page: the school it is for (``?school=`` among ``school_ids``, else the first;
    none → ``refused`` shown on ``back``, a URL name); ``form(school)`` the bound form and
    ``create(school, form)`` the service call, run when the posted form is valid."""
    school, schools = pick_school(request, school_ids)
    if school is None:
        messages.error(request, refused)
        return redirect(back)
    bound = form(school)
    return form_page(
        request,
        bound,
        lambda: create(school, bound),
        template=template,
        context={"school": school, "schools": schools, "creating": True, **(context or {})},
        success=success,
        detail=detail,
    )


def edit_page(
    request,
    item,
    *,
    allowed: bool,
    refused: str,
    form: Callable,
    save: Callable,
    template: str,
    success: Callable,
    detail: str,
    context: dict,
):
    """An 编辑 page of ``item`` (read through the bank's access selector): not ``allowed`` →
    ``refused`` shown on its ``detail`` page (a URL name taking the pk); ``form()`` the bound
    form and ``save(form)`` the service call, run when the posted form is valid."""
    if not allowed:
        messages.error(request, refused)
        return redirect(detail, pk=item.pk)
    bound = form()
    return form_page(
        request,
        bound,
        lambda: save(bound),
        template=template,
        context={"school": item.owner_school, **context},
        success=success,
        detail=detail,
    )
