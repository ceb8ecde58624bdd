"""The full-text index behind one interface, on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

Both index the same pre-segmented tokens (``segmentation.py``) in four weighted
fields — title > keywords > names > body — and answer the same contract:

* ``write(rows)`` / ``delete(ids)`` / ``clear()`` keep the index in step with ``SearchDocument``;
* ``search(documents, words, mode, limit, offset)`` → ``SearchPage``: the ranked page
  ``[(document_id, score)]`` best first (higher is better; ties broken by recency, then
  rating, then id), the facet counts ``{facet: {value: count}}`` over every visible match,
  and ``capped``: one query ranks and counts at most the newest ``SEARCH_CANDIDATE_LIMIT``
  (5 000) matching documents, so a very common word costs no more than a rare one
  (decision 0002).

``documents`` is a ``SearchDocument`` queryset that already carries the visibility
condition (``network.visibility.visible_q``) and the filters; its WHERE clause is
compiled into the index query, so results, totals and facets obey the same rule.
"""

import math
import re
import time
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import F, Lookup

from .models import SearchDocument

TABLE = SearchDocument._meta.db_table
FIELDS = ("title", "keywords", "names", "body")
WEIGHTS = {"title": 10.0, "keywords": 5.0, "names": 3.0, "body": 1.0}
FACET_COLUMNS = {
    "type": "doc_type",
    "school": "owner_school_id",
    "module": "module_id",
    "category": "category",
    "year": "year",
}
# Columns each candidate query carries from the document row (no second join).
DOC_COLUMNS = (*FACET_COLUMNS.values(), "sort_date", "rating")
DEFAULT_CANDIDATE_LIMIT = 5_000
GIN_BUILD_MEMORY = "512MB"  # maintenance_work_mem while a rebuild creates the GIN index
TIE_BREAK = f'"{TABLE}"."sort_date" DESC, "{TABLE}"."rating" DESC NULLS LAST, "{TABLE}"."id" DESC'


def _where(documents) -> tuple[str, list]:
    """The WHERE clause of a SearchDocument queryset, as SQL over the table's own name."""
    query = documents.query
    compiler = query.get_compiler(connection=connection)
    try:
        sql, params = compiler.compile(query.where)
    except FullResultSet:
        return "1=1", []
    except EmptyResultSet:
        return "1=0", []
    return (sql or "1=1"), list(params)


class IndexMatch(Lookup):
    """``<document row> matches <full-text query>`` as a condition of a ``SearchDocument`` queryset,
    valid under any table alias (e.g. as a subquery): ``template`` gets ``{table}`` (the quoted alias)
    and ``{id}`` (its id column).

    A ``Lookup`` (not a bare boolean expression), so a filter uses it as it is: on SQLite, which has
    no boolean type, Django compares any other expression with ``= 1``, and
    ``id IN (SELECT rowid FROM search_fts …) = 1`` hides the ``IN`` from the planner — it then reads
    every document of the kind instead of looking the matches up by id."""

    lookup_name = "index_match"  # not registered on any field: only built here
    prepare_rhs = False

    def __init__(self, template: str, params: list):
        super().__init__(F("pk"), params[0])
        self.template = template

    def as_sql(self, compiler, connection):
        column, params = compiler.compile(self.lhs)
        table = compiler.quote_name(self.lhs.alias)
        return self.template.format(table=table, id=column), [*params, self.rhs]


class SearchBackend:
    vendor = ""
    # True when the index entry is a column of the document row (written with the row on rebuild).
    inline_column = ""

    def inline_value(self, document, fields: dict[str, list[str]]) -> str:
        raise NotImplementedError

    def before_rebuild(self) -> None:
        """Called once the index is empty, before a rebuild writes everything again."""

    def after_rebuild(self) -> None:
        """Called when a rebuild has written everything."""

    # -- writing ------------------------------------------------------------------------------
    def write(self, rows: list[tuple[SearchDocument, dict[str, list[str]]]], fresh: bool = False) -> None:
        """Index entries for new document rows, each with its segmented fields (``fresh``: the index
        is known to hold none of them)."""
        raise NotImplementedError

    def delete(self, ids: list[int]) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    # -- reading ------------------------------------------------------------------------------
    operators = ("", "", "")  # AND, OR and a quoted token of the full-text query language
    match_template = ""  # an IndexMatch template taking the full-text query text

    def expression(self, groups) -> str:
        """Full-text query text: every group, each through one of its alternatives
        ``(tokens, weight)`` whose tokens all match."""
        and_, or_, quoted = self.operators
        return and_.join(
            "("
            + or_.join("(" + and_.join(quoted.format(t) for t in tokens) + ")" for tokens, _ in group)
            + ")"
            for group in groups
        )

    def matches(self, groups) -> IndexMatch:
        """A condition on ``SearchDocument`` rows: the index entry matches every group; no ranking, no cap."""
        return IndexMatch(self.match_template, [self.expression(groups)])

    def all_words_query(self, groups, where: str, where_params: list, filters: dict):
        """(SQL selecting ``rid`` of at most ``candidate_limit()`` visible documents, the newest,
        that match every group through one of its alternatives; its params)."""
        raise NotImplementedError

    def word_query(
        self,
        index: int,
        group: int,
        tokens: tuple[str, ...],
        weight: float,
        where: str,
        where_params: list,
        filters: dict,
        narrowed: bool = False,
    ):
        """(SQL of one alternative: ``rid, sub, grp, score`` of at most ``candidate_limit()`` matching
        documents the viewer may see (``where``), the newest; its params). ``narrowed``: ``where``
        already picks at most that many documents."""
        raise NotImplementedError

    def prepare(self, cursor) -> None:
        """Session settings before a search statement (and before it is written)."""

    def preamble(self) -> str:
        """Extra CTEs the per-word queries read (e.g. the document count for IDF)."""
        return ""

    def search(
        self,
        documents,
        groups,
        min_match: int = 1,
        limit: int = 20,
        offset: int = 0,
        filters: dict | None = None,
    ) -> "SearchPage":
        """One statement. ``groups``: one list per query word of its alternatives ``(tokens, weight)``
        (or a plain list of words: each word one group, as the teacher matching uses).

        Each alternative is matched with the viewer's visibility and the filters *inside* its own
        candidate query (so no visible result is lost to a cap over the whole network), scored by
        BM25 times its weight; a document's score for a word is its best alternative, its score the
        sum over the words it matches, and it is kept when it matches at least ``min_match`` words.
        Returns the ranked page, the facet counts, the exact total (or ``capped``) and per word how
        many documents matched it.

        ``filters`` (column → value, as ``selectors.clean_filters`` gives them) repeats conditions that
        ``documents`` already carries, for an index that can also answer them itself."""
        filters = filters or {}
        groups = [
            [(tuple(a.tokens), a.weight) if hasattr(a, "tokens") else (tuple(a[0]), a[1]) for a in g]
            if isinstance(g, list)
            else [((g,), 1.0)]
            for g in groups
        ]
        where, where_params = _where(documents)
        with connection.cursor() as cursor:
            self.prepare(cursor)
            prefilter, params = "", []
            if len(groups) > 1 and min_match >= len(groups):
                # Every word is required: one candidate query for documents matching all of them (each
                # through any alternative), then each word is scored on those candidates only.
                sql, params = self.all_words_query(groups, where, where_params, filters)
                prefilter = f"cand AS MATERIALIZED ({sql}), "
                where, where_params = f'"{TABLE}"."id" IN (SELECT rid FROM cand)', []
            narrowed = bool(prefilter)
            subs = []
            index = 0
            for number, group in enumerate(groups):
                for tokens, weight in group:
                    sql, sub_params = self.word_query(
                        index, number, tokens, float(weight), where, where_params, filters, narrowed
                    )
                    subs.append(f"SELECT * FROM ({sql}) AS s{index}")
                    params += sub_params
                    index += 1
            return self._run(cursor, groups, subs, params, prefilter, min_match, limit, offset)

    def _run(self, cursor, groups, subs, params, prefilter, min_match, limit, offset) -> "SearchPage":
        index = len(subs)
        n = max(1, len(groups))
        best_columns = ", ".join(f"MAX(CASE WHEN grp = {g} THEN score END) AS w{g}" for g in range(n))
        best_count = " + ".join(f"(CASE WHEN w{g} IS NULL THEN 0 ELSE 1 END)" for g in range(n))
        best_sum = f"({' + '.join(f'COALESCE(w{g}, 0)' for g in range(n))}) * ({best_count}) / {n}.0"
        carried = ", ".join(DOC_COLUMNS)
        if index == 1:  # one word, one alternative: its candidates are the matches
            matched = f"SELECT rid AS id, {carried}, score FROM raw WHERE %s <= 1"
        else:
            matched = (
                f"SELECT id, {carried}, {best_sum} AS score FROM (SELECT rid AS id, "
                + ", ".join(f"MAX({c}) AS {c}" for c in DOC_COLUMNS)
                + f", {best_columns} FROM raw GROUP BY rid) AS per_word WHERE {best_count} >= %s"
            )
        facet_groups = " UNION ALL ".join(
            f"SELECT '{name}' AS kind, CAST({column} AS TEXT) AS value, COUNT(*) AS n, 0 AS position, "
            f"CAST(0 AS DOUBLE PRECISION) AS score FROM matched WHERE {column} IS NOT NULL GROUP BY {column}"
            for name, column in FACET_COLUMNS.items()
        )
        order = "score DESC, sort_date DESC, rating DESC NULLS LAST, id DESC"
        sql = (
            f"WITH {self.preamble()}{prefilter}raw AS MATERIALIZED ({' UNION ALL '.join(subs)}), "
            # Per word its best alternative (one GROUP BY: a column per word); BM25 summed over the
            # words a document matches, times the share of words it matches.
            f"matched AS MATERIALIZED ({matched}) "
            f"{facet_groups} "
            "UNION ALL SELECT 'candidates', NULL, MAX(n), 0, 0 FROM (SELECT sub, COUNT(*) AS n FROM raw GROUP BY sub) AS c "
            "UNION ALL SELECT 'word', CAST(grp AS TEXT), COUNT(*), 0, 0 FROM raw GROUP BY grp "
            f"UNION ALL SELECT 'hit', NULL, id, position, score FROM ("
            f"SELECT id, CAST(score AS DOUBLE PRECISION) AS score, ROW_NUMBER() OVER (ORDER BY {order}) AS position "
            f"FROM matched ORDER BY {order} LIMIT %s OFFSET %s) AS top"
        )
        page = SearchPage(facets={name: {} for name in FACET_COLUMNS}, word_hits=[0] * len(groups))
        hits: list[tuple[int, int, float]] = []
        cursor.execute(sql, [*params, max(1, min_match), limit, offset])
        for kind, value, n, position, row_score in cursor.fetchall():
            if kind == "hit":
                hits.append((position, n, float(row_score)))
            elif kind == "candidates":
                page.capped = (n or 0) >= candidate_limit()
            elif kind == "word":
                page.word_hits[int(value)] = n
            else:
                page.facets[kind][value] = n
        page.ranked = [(pk, row_score) for _, pk, row_score in sorted(hits)]
        page.total = sum(page.facets["type"].values())
        return page


@dataclass
class SearchPage:
    ranked: list[tuple[int, float]] = field(default_factory=list)  # (document id, score), best first
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # facet → value → count
    total: int = 0
    capped: bool = False  # one word matched more visible documents than one query ranks and counts
    word_hits: list[int] = field(default_factory=list)  # per query word: visible documents matching it


def candidate_limit() -> int:
    """How many matching documents (the newest) one query ranks and counts at most."""
    from django.conf import settings

    return int(getattr(settings, "SEARCH_CANDIDATE_LIMIT", DEFAULT_CANDIDATE_LIMIT))


class SqliteBackend(SearchBackend):
    """FTS5 table ``search_fts`` (unicode61 over space-joined tokens), rowid = document id."""

    vendor = "sqlite"

    def write(self, rows, fresh=False):
        if not rows:
            return
        if not fresh:  # a flushed test database or a crashed write may have left entries under these ids
            self.delete([document.pk for document, _ in rows])
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_fts(rowid, title, keywords, names, body) VALUES (%s, %s, %s, %s, %s)",
                [(document.pk, *(" ".join(fields.get(f, [])) for f in FIELDS)) for document, fields in rows],
            )

    def delete(self, ids):
        if ids:
            with connection.cursor() as cursor:
                cursor.executemany("DELETE FROM search_fts WHERE rowid = %s", [(pk,) for pk in ids])

    def clear(self):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fts")

    def after_rebuild(self):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")

    operators = (" AND ", " OR ", '"{}"')
    match_template = "{id} IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)"

    def all_words_query(self, groups, where, where_params, filters):
        expression = self.expression(groups)
        sql = (
            f'SELECT search_fts.rowid AS rid FROM search_fts CROSS JOIN "{TABLE}" ON "{TABLE}"."id" = search_fts.rowid '
            f"WHERE search_fts MATCH %s AND ({where}) ORDER BY search_fts.rowid DESC LIMIT {candidate_limit()}"
        )
        return sql, [expression, *where_params]

    def word_query(self, index, group, tokens, weight, where, where_params, filters, narrowed=False):
        weights = ", ".join(str(WEIGHTS[f]) for f in FIELDS)
        sql = (
            f"SELECT search_fts.rowid AS rid, {index} AS sub, {group} AS grp, "
            f"-bm25(search_fts, {weights}) * {weight} AS score, "
            + ", ".join(f'"{TABLE}"."{c}" AS {c}' for c in DOC_COLUMNS)
            + f' FROM search_fts CROSS JOIN "{TABLE}" ON "{TABLE}"."id" = search_fts.rowid '
            f"WHERE search_fts MATCH %s AND ({where}) ORDER BY search_fts.rowid DESC LIMIT {candidate_limit()}"
        )
        return sql, [" AND ".join(f'"{t}"' for t in tokens), *where_params]


class PostgresBackend(SearchBackend):
    """Column ``search_vector tsvector`` with a GIN index; lexemes written as-is (config ``simple``),
    weighted A/B/C/D for title/keywords/names/body, then the document's tags (``tags``).

    A common word matches hundreds of thousands of documents at a million; reading them all to keep
    the newest ``candidate_limit()`` costs hundreds of milliseconds. So each vector also carries
    its *recency bucket* (``~r`` + id ÷ ``SEARCH_RECENCY_BUCKET``, and ``~R`` for 32 of those) and
    the filterable values (``~t`` type, ``~s`` school, ``~y`` year), and a word the statistics say
    is common is looked up newest window first — ``word & filters & (bucket | bucket …)`` — growing
    each window fourfold until enough visible matches are found (``candidates``). The GIN index
    then walks the short bucket lists and skips through the word's long one, and only the matches
    of a few windows are read from the table (decision 0016, part 3)."""

    vendor = "postgresql"
    inline_column = "search_vector"
    LETTERS = {"title": "A", "keywords": "B", "names": "C", "body": "D"}
    MAX_POSITION = 16383

    @classmethod
    def vector(cls, fields: dict[str, list[str]], tags: list[str] = ()) -> str:
        """A tsvector literal with explicit positions and weights, then the tags without positions:
        ``'乡村':1A '振兴':2A '~r7' '~ttopic'``."""
        positions: dict[str, list[str]] = {}
        position = 0
        for name in FIELDS:
            letter = cls.LETTERS[name]
            for token in fields.get(name, []):
                if len(token) > 60:
                    continue
                position = min(position + 1, cls.MAX_POSITION)
                entries = positions.setdefault(token, [])
                if len(entries) < 256:
                    entries.append(f"{position}{letter}")
        words = [f"'{token}':{','.join(p)}" for token, p in positions.items()]
        return " ".join([*words, *(f"'{tag}'" for tag in tags)])

    @staticmethod
    def tags(document) -> list[str]:
        """The lexemes a document's vector carries besides its words (``TAG_PREFIX``): its recency
        buckets and its filterable values."""
        fine = document.pk // recency_bucket()
        tags = [f"{TAG_PREFIX}r{fine}", f"{TAG_PREFIX}R{fine // COARSE_BUCKET}"]
        for column, letter in TAG_FILTERS.items():
            value = getattr(document, column)
            if value is not None and TAG_VALUE.fullmatch(str(value)):
                tags.append(f"{TAG_PREFIX}{letter}{value}")
        return tags

    def write(self, rows, fresh=False):
        if not rows:
            return
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 500):
                batch = rows[start : start + 500]
                values = ", ".join(["(%s, %s::tsvector)"] * len(batch))
                params = [
                    value
                    for document, fields in batch
                    for value in (document.pk, self.vector(fields, self.tags(document)))
                ]
                cursor.execute(
                    f'UPDATE "{TABLE}" AS d SET search_vector = v.vector FROM (VALUES {values}) AS v(id, vector) '
                    "WHERE d.id = v.id",
                    params,
                )

    def inline_value(self, document, fields):
        return self.vector(fields, self.tags(document))

    def delete(self, ids):
        """The vector lives on the document row: deleting the row deletes it."""

    def clear(self):
        """As ``delete``."""

    def before_rebuild(self):
        """A GIN index is built much faster in one go than row by row (outside a transaction only:
        a rebuild inside one, as in tests, keeps the index)."""
        self.index_dropped = not connection.in_atomic_block
        if self.index_dropped:
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX IF EXISTS search_document_vector_gin")

    def after_rebuild(self):
        """The GIN index in one pass, with room to sort its entries in memory (the default
        ``maintenance_work_mem`` of 64 MB makes a million-row build merge many runs)."""
        if getattr(self, "index_dropped", False):
            with connection.cursor() as cursor:
                cursor.execute(f"SET maintenance_work_mem = '{GIN_BUILD_MEMORY}'")
                cursor.execute(POSTGRES_INSTALL[1])
                cursor.execute("RESET maintenance_work_mem")
                cursor.execute(f'ANALYZE "{TABLE}"')
        _common_words.clear()

    def preamble(self):
        """The document count ``n`` for IDF, and the id range ``lo``–``hi`` that a capped word's
        document frequency is extrapolated over (``word_query``)."""
        return (
            "total AS MATERIALIZED (SELECT CASE WHEN c.reltuples < 10000 "
            f'THEN (SELECT COUNT(*) FROM "{TABLE}") ELSE c.reltuples END AS n, '
            f'(SELECT MIN(id) FROM "{TABLE}") AS lo, (SELECT MAX(id) FROM "{TABLE}") AS hi '
            f"FROM pg_class c WHERE c.oid = '\"{TABLE}\"'::regclass), "
        )

    operators = (" & ", " | ", "'{}'")
    match_template = "{table}.search_vector @@ %s::tsquery"

    # -- the candidates: the newest visible matches, window by window for a common word ------------
    def prepare(self, cursor):
        """JIT compilation costs more than it saves on these short statements."""
        cursor.execute("SET jit = off")
        self._newest_id = None

    def newest_id(self) -> int:
        if getattr(self, "_newest_id", None) is None:
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{TABLE}"')
                self._newest_id = cursor.fetchone()[0]
        return self._newest_id

    def estimated_matches(self, tokens) -> float:
        """How many documents match all ``tokens``, as the planner's statistics of the index column
        see it (its most common lexemes and their frequencies; a word not among them is rare): an
        upper bound, the commonest token's estimate at most."""
        least = window_min_matches()
        if least <= 0:
            return math.inf
        common = common_words()
        return min((common.get(token, 0.0) for token in tokens), default=0.0)

    def windows(self) -> list[tuple[str | None, int | None]]:
        """The steps of a windowed lookup, newest first: ``(bucket tsquery, None)`` per window of
        recency buckets (the first also covers the two buckets after the newest id, for documents
        written since it was read), then ``(None, below)`` for every older id."""
        size = recency_bucket()
        high = self.newest_id() // size + 2
        steps = []
        for width in WINDOW_WIDTHS:
            low = max(0, high - width + 1)
            steps.append((bucket_query(low, high), None))
            if low == 0:
                return steps
            high = low - 1
        steps.append((None, (high + 1) * size))
        return steps

    def candidates(self, select: str, match: str, where: str, where_params: list, filters, estimate: float):
        """(SQL of ``select`` over the newest ``candidate_limit()`` documents that match the tsquery
        text ``match`` and ``where``, with a column ``rid``; its params).

        Below ``window_min_matches()`` estimated matches: one query — the GIN bitmap finds every
        match, a top-N sort keeps the newest (``id + 0`` keeps the planner off a backward primary-key
        walk, whose cost has no bound when the visible matches are rare). Above: the same query per
        window of ids, newest first, each run only while the windows before it found fewer than
        the limit (a one-time filter on their counts); the newest of their union are the same
        documents as one query's."""
        limit = candidate_limit()
        table = f'"{TABLE}"'
        tags = "".join(
            f" & '{TAG_PREFIX}{letter}{filters[column]}'"
            for column, letter in TAG_FILTERS.items()
            if filters and column in filters and TAG_VALUE.fullmatch(str(filters[column]))
        )
        query = f"({match}){tags}"

        def step(text: str, condition: str = "") -> tuple[str, list]:
            return (
                f"SELECT {select} FROM {table} WHERE {condition}{table}.search_vector @@ %s::tsquery "
                f"AND ({where}) ORDER BY {table}.id + 0 DESC LIMIT {limit}",
                [text, *where_params],
            )

        if estimate < window_min_matches():
            return step(query)
        ctes, params = [], []
        for number, (buckets, below) in enumerate(self.windows()):
            gate = " + ".join(f"(SELECT COUNT(*) FROM w{k})" for k in range(number))
            condition = f"{gate} < {limit} AND " if number else ""
            if buckets is None:
                sql, step_params = step(query, f"{condition}{table}.id < {below} AND ")
            else:
                sql, step_params = step(f"{query} & ({buckets})", condition)
            ctes.append(f"w{number} AS MATERIALIZED ({sql})")
            params += step_params
        union = " UNION ALL ".join(f"SELECT * FROM w{k}" for k in range(len(ctes)))
        return (
            f"WITH {', '.join(ctes)} SELECT * FROM ({union}) AS windows ORDER BY rid DESC LIMIT {limit}",
            params,
        )

    def all_words_query(self, groups, where, where_params, filters):
        estimate = min(sum(self.estimated_matches(tokens) for tokens, _ in group) for group in groups)
        return self.candidates(
            f'"{TABLE}"."id" AS rid', self.expression(groups), where, where_params, filters, estimate
        )

    def word_query(self, index, group, tokens, weight, where, where_params, filters, narrowed=False):
        """BM25's IDF from the number of visible matches and ``ts_rank`` (field weights, length
        normalised) as the term-frequency part, so both databases rank alike.

        The innermost query only picks the newest ``candidate_limit()`` visible matches
        (``candidates``) — no window function and no ranking below its ``LIMIT``; only the
        candidates are ranked. The document frequency is the exact count when the word has fewer
        matches than the cap; a capped word's is extrapolated from the id range its candidates
        span (``limit × (hi − lo + 1) / (hi − oldest candidate + 1)``), instead of counting every
        match in the heap (decision 0016, part 2). ``narrowed``: ``where`` already picks at most
        the limit's documents (every word required), so no windows."""
        query = " & ".join(f"'{t}'" for t in tokens)
        limit = candidate_limit()
        carried = ", ".join(DOC_COLUMNS)
        inner, inner_params = self.candidates(
            f'"{TABLE}"."id" AS rid, {index} AS sub, {group} AS grp, "{TABLE}".search_vector AS vector, '
            + ", ".join(f'"{TABLE}"."{c}" AS {c}' for c in DOC_COLUMNS),
            query,
            where,
            where_params,
            filters,
            0.0 if narrowed else self.estimated_matches(tokens),
        )
        sql = (
            f"SELECT rid, sub, grp, tf * LN(1 + (total.n - df + 0.5) / (df + 0.5)) AS score, {carried} "
            f"FROM (SELECT rid, sub, grp, {carried}, "
            f"{weight} * ts_rank('{{0.1, 0.2, 0.4, 1.0}}', vector, %s::tsquery, 1) AS tf, "
            f"CASE WHEN COUNT(*) OVER () < {limit} THEN COUNT(*) OVER () ELSE LEAST("
            f"(SELECT n FROM total), {limit} * ((SELECT hi - lo FROM total) + 1.0) / "
            f"GREATEST(1, (SELECT hi FROM total) - MIN(rid) OVER () + 1)) END AS df "
            f"FROM ({inner}) AS candidates) AS w CROSS JOIN total"
        )
        return sql, [query, *inner_params]


# Tags: lexemes the index adds to each vector after the words. Segmentation yields word characters
# only (``segmentation.TOKEN``), so no word of a document or a query is ever one.
TAG_PREFIX = "~"
TAG_FILTERS = {"doc_type": "t", "owner_school_id": "s", "year": "y"}  # filter column → tag letter
TAG_VALUE = re.compile(r"[0-9A-Za-z_]+")
DEFAULT_RECENCY_BUCKET = 1024  # ids per recency bucket (SEARCH_RECENCY_BUCKET; a change needs a rebuild)
COARSE_BUCKET = 32  # recency buckets per coarse bucket (``~R``)
WINDOW_WIDTHS = (3, 3, 12, 48, 192)  # buckets per window, newest first (the first: one and the two ahead)
COMMON_WORDS_TTL = 600.0  # seconds a process keeps the statistics' common words

_common_words: dict[str, tuple[float, dict[str, float]]] = {}  # database → (read at, word → matches)


def recency_bucket() -> int:
    from django.conf import settings

    return int(getattr(settings, "SEARCH_RECENCY_BUCKET", DEFAULT_RECENCY_BUCKET))


def window_min_matches() -> float:
    """Estimated matches from which a word is looked up window by window (``SEARCH_WINDOW_MIN_MATCHES``;
    by default twice the candidate limit: below it, reading every match costs little)."""
    from django.conf import settings

    value = getattr(settings, "SEARCH_WINDOW_MIN_MATCHES", None)
    return 2 * candidate_limit() if value is None else float(value)


def bucket_query(low: int, high: int) -> str:
    """Recency buckets ``low``–``high`` as a tsquery disjunction, whole coarse buckets as one lexeme."""
    terms, number = [], low
    while number <= high:
        if number % COARSE_BUCKET == 0 and number + COARSE_BUCKET - 1 <= high:
            terms.append(f"'{TAG_PREFIX}R{number // COARSE_BUCKET}'")
            number += COARSE_BUCKET
        else:
            terms.append(f"'{TAG_PREFIX}r{number}'")
            number += 1
    return " | ".join(terms)


def common_words() -> dict[str, float]:
    """Lexeme → estimated matching documents, for the index column's most common lexemes
    (``pg_stats``, refreshed by ``ANALYZE``), read once per process every ``COMMON_WORDS_TTL``."""
    key = connection.settings_dict["NAME"]
    cached = _common_words.get(key)
    if cached and time.monotonic() - cached[0] < COMMON_WORDS_TTL:
        return cached[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
            "FROM pg_stats s JOIN pg_class c ON c.oid = %s::regclass "
            "WHERE s.schemaname = current_schema() AND s.tablename = %s AND s.attname = 'search_vector'",
            [f'"{TABLE}"', TABLE],
        )
        row = cursor.fetchone()
    words = {}
    if row and row[0]:
        words = {word: freq * max(row[2], 0.0) for word, freq in zip(row[0], row[1], strict=False)}
    _common_words[key] = (time.monotonic(), words)
    return words


def backend() -> SearchBackend:
    return PostgresBackend() if connection.vendor == "postgresql" else SqliteBackend()


# -- installation (called from the migrations) ---------------------------------------------------

SQLITE_INSTALL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "title, keywords, names, body, tokenize = 'unicode61 remove_diacritics 0')",
]
SQLITE_UNINSTALL = ["DROP TABLE IF EXISTS search_fts"]
POSTGRES_INSTALL = [
    f'ALTER TABLE "{TABLE}" ADD COLUMN IF NOT EXISTS search_vector tsvector',
    f'CREATE INDEX IF NOT EXISTS search_document_vector_gin ON "{TABLE}" USING GIN (search_vector)',
]
POSTGRES_UNINSTALL = [
    "DROP INDEX IF EXISTS search_document_vector_gin",
    f'ALTER TABLE "{TABLE}" DROP COLUMN IF EXISTS search_vector',
]


def install(schema_editor) -> None:
    statements = POSTGRES_INSTALL if schema_editor.connection.vendor == "postgresql" else SQLITE_INSTALL
    for sql in statements:
        schema_editor.execute(sql)


def uninstall(schema_editor) -> None:
    statements = POSTGRES_UNINSTALL if schema_editor.connection.vendor == "postgresql" else SQLITE_UNINSTALL
    for sql in statements:
        schema_editor.execute(sql)
