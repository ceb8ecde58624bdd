"""The ``q`` text filter of every list, through the search index (issue 12, part 2).

The search app sits above the banks in the import layers, so the banks cannot call it: the
search registers its matcher here when it starts (``search.apps.Config.ready``), and a list
selector asks ``matching(doc_type, q)``::

    qs = text_filter.apply(qs, "topic", q, Q(title__contains=q), unindexed=~Q(status="published"))

``matching`` returns a subquery of the ids (``object_id``) of the items of that kind whose index
entry contains every word of ``q`` (normalised, traditional = simplified, segmented like the one
search), or ``None`` when no matcher is registered (then the caller keeps its substring filter).
The list's own queryset keeps its visibility rule; the subquery adds no row the viewer may not see.

``apply`` is what a list selector calls. The index holds only what the one search shows
(published topics and courses, active teachers, …): drafts and retired items that a list may
show their editors are matched by the list's own ``fallback`` condition, named by ``unindexed``.
"""

from collections.abc import Callable

from django.db.models import Exists, OuterRef, Q, QuerySet

Matcher = Callable[[str, str], QuerySet]
Frequency = Callable[[str, str], bool]

_matcher: Matcher | None = None
_is_frequent: Frequency | None = None


def register(matcher: Matcher | None, is_frequent: Frequency | None = None) -> None:
    """Set (or, with ``None``, remove) the function answering ``matching``, and the one saying
    whether ``q`` matches so large a share of its kind that the list should be walked in its own
    order and each row checked against the index, rather than read from the matches."""
    global _matcher, _is_frequent
    _matcher, _is_frequent = matcher, is_frequent


def matching(doc_type: str, q: str) -> QuerySet | None:
    """Ids of the items of ``doc_type`` matching ``q`` (a ``values("object_id")`` queryset for
    ``pk__in``), or ``None`` when no matcher is registered."""
    return None if _matcher is None else _matcher(doc_type, q)


def apply(
    qs: QuerySet, doc_type: str, q: str, fallback: Q, *, unindexed: Q | None = None, also: Q | None = None
):
    """``qs`` narrowed to the rows matching ``q``.

    Rows the index holds match through it; rows it does not hold (``unindexed``, e.g. drafts)
    match ``fallback`` (the list's substring condition); ``also`` is matched on every row besides
    the index (e.g. a pinyin prefix on an indexed column). Without a matcher every row matches
    ``fallback`` (and ``also``), as before the index."""
    ids = matching(doc_type, q)
    if ids is None:
        condition = fallback
    elif _is_frequent is not None and _is_frequent(doc_type, q):
        # a word in a large share of the bank: walk the list in its order (its index) and look
        # each row up in the index, stopping after a page (or the capped count) — instead of
        # reading, checking and sorting every match (200 k topics, a word in 23 k of them: the
        # page's statement 110 → 21 ms, the capped count 82 → 24 ms)
        condition = Q(Exists(ids.filter(object_id=OuterRef("pk"))))
        if unindexed is not None:
            condition |= Q(pk__in=qs.model._base_manager.filter(unindexed & fallback).values("pk"))
    else:
        if unindexed is not None:
            # one id set (the index's matches and the unindexed rows' substring matches), not an
            # OR of the two: SQLite then reads the list from the matches instead of probing them
            # for every visible row (growth benchmark: the capped count of a common word 6× cheaper)
            ids = ids.union(qs.model._base_manager.filter(unindexed & fallback).values("pk"), all=True)
        condition = Q(pk__in=ids)
    if also is not None:
        condition |= also
    return qs.filter(condition)
