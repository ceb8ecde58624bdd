"""The write half of a bank's batch create (Excel import, demo loaders), written once.

A bank's ``create_<things>(by=…, rows=…)`` first checks every row like its single-item
service (``banks.services.numbered`` names the row of a refusal) into a tuple
``(columns, …, alliances, partnerships)`` — the columns as ``insert_rows`` takes them, then
what is the bank's own (teachers, members, 适用对象…), the sharing last. Then
:func:`insert_checked` writes them all in one transaction: per batch the rows
(``insert_rows``), the bank's link rows (``links(pairs)``), the picked alliances and
partnerships, one ``action`` audit record per item; and one search-index batch after commit.
"""

from collections.abc import Callable

from django.db import transaction

from yiwang.activity.services import record_audits
from yiwang.core.indexing import items_changed

from .services import Saved, insert_rows, inserted_state, save_sharing


def insert_checked(
    *,
    by,
    model,
    checked: list[tuple],
    action: str,
    fields,
    links: Callable[[list[tuple[int, tuple]]], None],
    extra: Callable[[tuple], dict],
    batch_size: int,
    name: str = "title",
) -> list[int]:
    """Insert the checked rows of ``model``; returns the new ids in row order.

    ``links([(pk, row), …])`` inserts a batch's link rows; ``extra(row)`` is what the audit
    snapshot (``inserted_state(model, fields, …)``) adds to the columns; ``name`` the column
    the audit record names the item by."""
    pks: list[int] = []
    with transaction.atomic():
        for start in range(0, len(checked), batch_size):
            part = checked[start : start + batch_size]
            pairs = list(zip(insert_rows(model, [row[0] for row in part]), part, strict=True))
            links(pairs)
            save_sharing(
                [(Saved(model, pk), row[-2], row[-1]) for pk, row in pairs if row[-2] or row[-1]], model=model
            )
            record_audits(
                actor=by,
                action=action,
                entries=(
                    (
                        Saved(model, pk, row[0][name]),
                        row[0]["owner_school_id"],
                        None,
                        inserted_state(model, fields, row[0], **extra(row)),
                    )
                    for pk, row in pairs
                ),
            )
            pks.extend(pk for pk, _ in pairs)
        items_changed(model, pks)
    return pks
