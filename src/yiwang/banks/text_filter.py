"""The ``q`` text filter of every list, through the search index (issue 12, part 2).

The search app sits above the banks in the import layers, so the banks cannot call it: the
search registers its matcher here when it starts (``search.apps.Config.ready``), and a list
selector asks ``matching(doc_type, q)``::

    ids = text_filter.matching(DocumentType.TOPIC, q)   # "topic", "teacher", "course", …
    qs = qs.filter(pk__in=ids) if ids is not None else qs.filter(title__contains=q)

``matching`` returns a subquery of the ids (``object_id``) of the items of that kind whose index
entry contains every word of ``q`` (normalised, traditional = simplified, segmented like the one
search), or ``None`` when no matcher is registered (then the caller keeps its substring filter).
The list's own queryset keeps its visibility rule; the subquery adds no row the viewer may not see.
"""

from collections.abc import Callable

from django.db.models import QuerySet

Matcher = Callable[[str, str], QuerySet]

_matcher: Matcher | None = None


def register(matcher: Matcher | None) -> None:
    """Set (or, with ``None``, remove) the function answering ``matching``."""
    global _matcher
    _matcher = matcher


def matching(doc_type: str, q: str) -> QuerySet | None:
    """Ids of the items of ``doc_type`` matching ``q`` (a ``values("object_id")`` queryset for
    ``pk__in``), or ``None`` when no matcher is registered."""
    return None if _matcher is None else _matcher(doc_type, q)
