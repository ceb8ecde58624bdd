"""The single-item writes every bank repeats, written once.

A bank's service keeps what is its own — who may, which fields, which checks, which message —
and hands the common tail to these: inside one transaction the item is locked and saved, one
audit record is written (before / after) and the search index hears of it after commit
(``core.indexing.item_changed``).

* :func:`update_one` — “lock, check and save the changes, audit the diff” for an edit page or
  API ``PATCH``; the bank's ``change()`` does the lock and the checks and returns
  ``(item, state before)`` — the same ``change`` its batch update (``banks.services.update_each``)
  runs per row;
* :func:`save_status` — a status change already allowed by the bank's
  ``core.transitions.TransitionTable`` (or a retire), on the locked row;
* :func:`set_active` — 停用 / 恢复 of an item with an ``is_active`` flag.
"""

from collections.abc import Callable

from django.db import transaction

from yiwang.activity.services import record_audit
from yiwang.core.errors import ConflictError
from yiwang.core.indexing import item_changed


def update_one(*, by, action: str, change: Callable[[], tuple], state: Callable):
    """Run ``change()`` — lock, check, save; returns ``(item, state before)`` — in one
    transaction with the ``action`` audit record (before / ``state(item)`` after) and the index update."""
    with transaction.atomic():
        item, before = change()
        record_audit(
            actor=by, action=action, obj=item, school=item.owner_school, before=before, after=state(item)
        )
        item_changed(item)
    return item


def save_status(*, by, item, to: str, action: str, also: tuple[str, ...] = ()):
    """Save the locked ``item``'s new ``status`` (plus the fields in ``also``, already set),
    audited as ``{"status": before}`` → ``{"status": to}``, and tell the index. The caller
    holds the transaction and has checked the step."""
    before = item.status
    item.status = to
    item.save(update_fields=["status", "updated_at", *also])
    record_audit(
        actor=by,
        action=action,
        obj=item,
        school=item.owner_school,
        before={"status": before},
        after={"status": to},
    )
    item_changed(item)
    return item


def set_active(*, by, item, active: bool, noun: str, action: str):
    """停用 (``active=False``) or 恢复 ``item`` (an ``is_active`` model; the caller checked who
    may): locked, refused when already so (“该{noun}已停用。”), audited as
    ``{action}.retired`` / ``{action}.restored``."""
    with transaction.atomic():
        item = item._meta.model.objects.select_for_update().get(pk=item.pk)
        if item.is_active == active:
            raise ConflictError(f"该{noun}已是启用状态。" if active else f"该{noun}已停用。")
        item.is_active = active
        item.save(update_fields=["is_active", "updated_at"])
        record_audit(
            actor=by,
            action=f"{action}.restored" if active else f"{action}.retired",
            obj=item,
            school=item.owner_school,
            before={"is_active": not active},
            after={"is_active": active},
        )
        item_changed(item)
    return item
