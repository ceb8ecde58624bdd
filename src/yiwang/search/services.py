"""Writes on the search index and the search dictionary.

The banks' services call ``core.indexing.item_changed(obj)`` / ``item_removed(obj)``;
the listeners registered in ``apps.Config.ready`` (``on_item_changed`` / ``on_item_removed``
below) run after the bank's transaction commits and rewrite that item's document at
once — a retired, draft or deleted item loses its document in the same step.
"""

import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable

from django.db import connection, connections, transaction

from yiwang.activity.services import record_audit
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.faculty.models import Teacher
from yiwang.network import rules

from .backends import backend
from .documents import (
    DEPENDENTS,
    SOURCE_BY_MODEL,
    SOURCE_BY_TYPE,
    SOURCES,
    BuiltDocument,
    Source,
    build_documents,
)
from .models import SearchDocument, SearchSynonym, SearchTerm
from .segmentation import TOKEN, Segmenter, normalise, reload_segmenter, segmenter, split_group

logger = logging.getLogger(__name__)
BATCH_SIZE = 1000


# ---- writing documents ------------------------------------------------------------------------


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Plain rows into a table: ``COPY`` on PostgreSQL (the text of each value is read as the
    column's type, e.g. a tsvector literal), ``executemany`` elsewhere."""
    if not rows:
        return
    table = model._meta.db_table
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


DOCUMENT_FIELDS = [f for f in SearchDocument._meta.concrete_fields]


def _save(built: list[BuiltDocument], first_id: int | None = None) -> None:
    """Insert documents, their sharing and teacher rows, and their index entries.

    With ``first_id`` (a rebuild, which owns the table) ids are assigned here and rows
    go in with plain INSERTs; otherwise the database assigns the ids.
    """
    if not built:
        return
    documents = [b.document for b in built]
    index = backend()
    inline = first_id is not None and index.inline_column
    if first_id is None:
        SearchDocument.objects.bulk_create(documents)
    else:
        for offset, document in enumerate(documents):
            document.pk = first_id + offset
        columns = [f.column for f in DOCUMENT_FIELDS] + ([index.inline_column] if inline else [])
        rows = [
            tuple(f.get_db_prep_save(f.pre_save(d, True), connection) for f in DOCUMENT_FIELDS)
            + ((index.inline_value(d, b.fields),) if inline else ())
            for d, b in zip(documents, built, strict=True)
        ]
        _insert(SearchDocument, columns, rows)
    for relation, target, attribute in (
        ("shared_alliances", "alliance_id", "alliance_ids"),
        ("shared_partnerships", "supportpartnership_id", "partnership_ids"),
        ("teachers", "teacher_id", "teacher_ids"),
    ):
        _insert(
            getattr(SearchDocument, relation).through,
            ["searchdocument_id", target],
            [(d.pk, other) for d, b in zip(documents, built, strict=True) for other in getattr(b, attribute)],
        )
    if not inline:
        index.write(
            [(d, b.fields) for d, b in zip(documents, built, strict=True)], fresh=first_id is not None
        )


def _delete(documents) -> None:
    ids = list(documents.values_list("pk", flat=True))
    if ids:
        backend().delete(ids)
        SearchDocument.objects.filter(pk__in=ids).delete()


def index_items(source: Source, pks: Iterable[int], seg: Segmenter | None = None) -> int:
    """Rewrite the documents of these items (none for items that are not searchable). Returns how many exist."""
    pks = list(pks)
    seg = seg or segmenter()
    with transaction.atomic():
        _delete(SearchDocument.objects.filter(doc_type=source.doc_type, object_id__in=pks))
        items = list(source.queryset().filter(pk__in=pks))
        _save(list(build_documents(seg, source, items)))
    return len(items)


def remove_items(source: Source, pks: Iterable[int]) -> None:
    with transaction.atomic():
        _delete(SearchDocument.objects.filter(doc_type=source.doc_type, object_id__in=list(pks)))


def reindex_involving(teacher_ids: Iterable[int], seg: Segmenter | None = None) -> None:
    """Documents that show a teacher's name follow the teacher's own sharing and state."""
    seg = seg or segmenter()
    keys = SearchDocument.objects.filter(teachers__in=list(teacher_ids)).values_list("doc_type", "object_id")
    by_type: dict[str, set[int]] = {}
    for doc_type, object_id in keys:
        by_type.setdefault(doc_type, set()).add(object_id)
    for doc_type, ids in by_type.items():
        index_items(SOURCE_BY_TYPE[doc_type], ids, seg)


def reindex_dependents(model, pks: Iterable[int], seg: Segmenter | None = None) -> None:
    """Documents that carry another item's sharing (a co-development project carries its
    course's) follow that item: publishing, retiring or re-sharing a course re-indexes them."""
    for source, link in DEPENDENTS.get(model, ()):
        ids = list(source.model.objects.filter(**{f"{link}__in": list(pks)}).values_list("pk", flat=True))
        if ids:
            index_items(source, ids, seg)


def on_item_changed(model, pk) -> None:
    """Listener for ``core.indexing.item_changed`` (runs after commit)."""
    source = SOURCE_BY_MODEL.get(model)
    if source is None:
        return
    try:
        seg = segmenter()
        index_items(source, [pk], seg)
        if model is Teacher:
            reindex_involving([pk], seg)
        reindex_dependents(model, [pk], seg)
    except Exception:  # the bank's write is committed; `yiwang search rebuild` repairs the index
        logger.exception("搜索索引更新失败：%s #%s", model.__name__, pk)


def on_items_changed(model, pks) -> None:
    """Batch listener for ``core.indexing.items_changed`` (imports): one pass for many rows."""
    source = SOURCE_BY_MODEL.get(model)
    if source is None:
        return
    try:
        seg = segmenter()
        pks = list(pks)
        for start in range(0, len(pks), 1000):
            chunk = pks[start : start + 1000]
            index_items(source, chunk, seg)
            if model is Teacher:
                reindex_involving(chunk, seg)
            reindex_dependents(model, chunk, seg)
    except Exception:
        logger.exception("搜索索引批量更新失败：%s（%d 条）", model.__name__, len(pks))


def on_item_removed(model, pk) -> None:
    source = SOURCE_BY_MODEL.get(model)
    if source is None:
        return
    try:
        remove_items(source, [pk])
    except Exception:
        logger.exception("搜索索引删除失败：%s #%s", model.__name__, pk)


# ---- rebuilding everything --------------------------------------------------------------------


def clear_index() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (
            SearchDocument.shared_alliances.through,
            SearchDocument.shared_partnerships.through,
            SearchDocument.teachers.through,
        ):
            cursor.execute(f'DELETE FROM "{model._meta.db_table}"')
        backend().clear()
        cursor.execute(f'DELETE FROM "{SearchDocument._meta.db_table}"')


def _index_batch(source: Source, pks: list[int], first_id: int, seg: Segmenter, teacher_cache: dict) -> int:
    """Index one batch of items under ids ``first_id …`` (a rebuild owns the table)."""
    items = list(source.queryset().filter(pk__in=pks).order_by("pk"))
    built = list(build_documents(seg, source, items, teacher_cache))
    with transaction.atomic():
        _save(built, first_id=first_id)
    return len(built)


# What a rebuild's worker processes inherit when they are forked (the loaded segmenter).
_worker_state: dict = {}


def _worker_batch(task: tuple[int, list[int], int]) -> int:
    number, pks, first_id = task
    return _index_batch(SOURCES[number], pks, first_id, _worker_state["seg"], _worker_state["teachers"])


def default_workers() -> int:
    """Processes a rebuild segments in: one per core, at most four."""
    return max(1, min(4, os.cpu_count() or 1))


def rebuild_index(
    *, batch_size: int = BATCH_SIZE, progress: Callable[[str], None] | None = None, workers: int = 1
) -> dict[str, int]:
    """Drop every document and index every searchable item again, in batches. Returns counts per type.

    Every batch gets its id range up front (one per item: each searchable item has one document),
    so with ``workers`` > 1 the batches are segmented and written by forked worker processes, each
    on its own connection, and the ids are the same as in one process. Inside a transaction or on
    an in-memory SQLite database (tests) the rebuild stays in this process."""
    started = time.monotonic()
    reload_segmenter()
    seg = segmenter()
    clear_index()
    index = backend()
    index.before_rebuild()
    counts: dict[str, int] = {}
    next_id = 1
    teacher_cache: dict = {}
    pool = None
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if workers > 1 and not connection.in_atomic_block and not in_memory:
        _worker_state.update(seg=seg, teachers={})
        connections.close_all()  # the children open their own connections
        pool = multiprocessing.get_context("fork").Pool(workers)
    try:
        for number, source in enumerate(SOURCES):
            counts[source.doc_type] = 0
            pks = list(source.queryset().order_by("pk").values_list("pk", flat=True))
            tasks = []
            for start in range(0, len(pks), batch_size):
                tasks.append((number, pks[start : start + batch_size], next_id + start))
            next_id += len(pks)
            if pool is None:
                done = (_index_batch(source, pks, first, seg, teacher_cache) for _, pks, first in tasks)
            else:
                done = pool.imap(_worker_batch, tasks)
            for written in done:
                counts[source.doc_type] += written
                if progress:
                    progress(
                        f"{source.model._meta.verbose_name}：已索引 {counts[source.doc_type]} 条"
                        f"（{time.monotonic() - started:.0f} 秒）"
                    )
    except BaseException:
        if pool is not None:
            pool.terminate()
        raise
    finally:
        if pool is not None:
            pool.close()
            pool.join()
            _worker_state.clear()
    index.after_rebuild()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = SearchDocument._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), GREATEST(%s, 1))", [next_id - 1]
            )
    return counts


# ---- the dictionary (搜索词典) -----------------------------------------------------------------


def _require_system_admin(by) -> None:
    if not rules.can_manage_network(by):
        raise PermissionDeniedError("只有平台系统管理员可以维护搜索词典。")


def clean_word(word: str) -> str:
    word = normalise(word).strip()
    if not word:
        raise DomainError("请输入要添加的词语。", field="word")
    if len(word) < 2 or len(word) > 30:
        raise DomainError("词语长度应为 2 到 30 个字符。", field="word")
    if not TOKEN.fullmatch(word):
        raise DomainError("词语只能包含汉字、字母或数字，不能包含空格或标点。", field="word")
    return word


def reindex_containing(word: str) -> int:
    """Re-segment the documents whose text contains ``word`` (so they gain its compound token)."""
    from django.db.models import Q

    seg = segmenter()
    keys = SearchDocument.objects.filter(
        Q(title__contains=word) | Q(keywords__contains=word) | Q(body__contains=word)
    ).values_list("doc_type", "object_id")
    by_type: dict[str, set[int]] = {}
    for doc_type, object_id in keys:
        by_type.setdefault(doc_type, set()).add(object_id)
    for doc_type, ids in by_type.items():
        index_items(SOURCE_BY_TYPE[doc_type], ids, seg)
    return sum(len(ids) for ids in by_type.values())


def add_search_term(*, by, word: str) -> SearchTerm:
    """Add a word; every process segments with it from its next search, and the documents
    that contain it are re-indexed after commit."""
    _require_system_admin(by)
    word = clean_word(word)
    with transaction.atomic():
        if SearchTerm.objects.select_for_update().filter(word=word).exists():
            raise ConflictError(f"“{word}”已在搜索词典中。", field="word")
        term = SearchTerm.objects.create(word=word, added_by=by)
        record_audit(actor=by, action="search_term.added", obj=term, after={"word": word})
        transaction.on_commit(lambda: reindex_containing(word))
    return term


def remove_search_term(*, by, term: SearchTerm) -> None:
    _require_system_admin(by)
    word = term.word
    with transaction.atomic():
        locked = SearchTerm.objects.select_for_update().filter(pk=term.pk).first()
        if locked is None:
            raise ConflictError("该词语已被删除。")
        record_audit(actor=by, action="search_term.removed", obj=locked, before={"word": word})
        locked.delete()
        transaction.on_commit(lambda: reindex_containing(word))


# ---- the synonym table (搜索同义词) -----------------------------------------------------------


def clean_synonym_group(text: str) -> str:
    """``两山、绿水青山就是金山银山`` → the group as stored (normalised words joined by 、)."""
    words = split_group(text)
    if len(words) < 2:
        raise DomainError(
            "同义词组至少要有两个词语，以顿号分隔，例如“两山、绿水青山就是金山银山”。", field="words"
        )
    for word in words:
        if len(word) > 30 or not TOKEN.fullmatch(word):
            raise DomainError(
                f"“{word}”不是有效的词语：每个词 1 到 30 个汉字、字母或数字，不含空格或标点。", field="words"
            )
    group = "、".join(words)
    if len(group) > 300:
        raise DomainError("同义词组不能超过 300 个字符。", field="words")
    return group


def add_synonym_group(*, by, words: str) -> SearchSynonym:
    """Add a group: every process expands queries with it from its next search (its words also join
    the segmentation dictionary), and the documents containing its words are re-indexed after commit."""
    if not rules.can_manage_network(by):
        raise PermissionDeniedError("只有平台系统管理员可以维护搜索同义词。")
    group = clean_synonym_group(words)
    with transaction.atomic():
        if SearchSynonym.objects.select_for_update().filter(words=group).exists():
            raise ConflictError(f"“{group}”已在同义词表中。", field="words")
        synonym = SearchSynonym.objects.create(words=group, added_by=by)
        record_audit(actor=by, action="search_synonym.added", obj=synonym, after={"words": group})
        transaction.on_commit(lambda: [reindex_containing(w) for w in group.split("、")])
    return synonym


def remove_synonym_group(*, by, synonym: SearchSynonym) -> None:
    if not rules.can_manage_network(by):
        raise PermissionDeniedError("只有平台系统管理员可以维护搜索同义词。")
    with transaction.atomic():
        locked = SearchSynonym.objects.select_for_update().filter(pk=synonym.pk).first()
        if locked is None:
            raise ConflictError("该同义词组已被删除。")
        record_audit(actor=by, action="search_synonym.removed", obj=locked, before={"words": locked.words})
        locked.delete()
