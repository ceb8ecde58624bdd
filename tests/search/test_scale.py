"""What keeps the search fast at a million documents (issue 11 part 8, decision 0016 part 2):
a capped word's document frequency is extrapolated from its candidates instead of counting every
match, and a rebuild in worker processes writes exactly what one process writes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.factories import member
from tests.factories.search import make_teacher, make_topic

from yiwang.network.enums import SharingScope
from yiwang.search.models import SearchDocument
from yiwang.search.selectors import search_visible_to
from yiwang.search.services import on_item_changed, rebuild_index
from yiwang.topics.models import Topic


def scores(viewer, query) -> dict[int, float]:
    return {h.id: h.score for h in search_visible_to(viewer, query).hits}


@pytest.mark.django_db
def test_a_capped_word_scores_as_if_every_match_were_counted(network, settings):
    # 数据要素 in every other topic, the newest topic without it: the newest 3 matches span
    # 6 of the 20 documents, so 3 × 20 / 6 = 10 matches are estimated — the true count. Taking
    # the 3 candidates as the document frequency would score the word about 2.6 times higher.
    for i in range(20):
        title = f"数据要素市场化改革第{i}讲" if i % 2 == 0 else f"营商环境优化提升第{i}讲"
        make_topic(network.city, title)
    rebuild_index()
    viewer = member(network.city)
    settings.SEARCH_CANDIDATE_LIMIT = 100
    exact = scores(viewer, "数据要素")
    settings.SEARCH_CANDIDATE_LIMIT = 3
    capped = search_visible_to(viewer, "数据要素")
    assert (capped.total, capped.capped, len(exact)) == (3, True, 10)
    for hit in capped.hits:
        assert hit.score == pytest.approx(exact[hit.id], rel=0.05)


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_in_worker_processes_writes_what_one_process_writes(network):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("the workers cannot open an in-memory test database; PostgreSQL runs this test")
    teacher = make_teacher(network.city, "欧阳明", expertise="城市治理")
    for i in range(25):
        make_topic(
            network.city if i % 3 else network.far,
            f"基层治理现代化第{i}讲",
            teachers=[teacher] if i % 2 else [],
            scope=SharingScope.PARTNERS if i % 5 == 0 else SharingScope.NETWORK,
            summary="网格化管理与接诉即办的经验。",
        )

    def snapshot():
        documents = list(
            SearchDocument.objects.order_by("pk").values_list("pk", "doc_type", "object_id", "scope", "names")
        )
        teachers = sorted(
            SearchDocument.teachers.through.objects.values_list("searchdocument_id", "teacher_id")
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT id, search_vector::text FROM search_searchdocument ORDER BY id")
            else:
                cursor.execute("SELECT rowid, title, keywords, names, body FROM search_fts ORDER BY rowid")
            entries = cursor.fetchall()
        return documents, teachers, entries

    one = rebuild_index(batch_size=4)
    first = snapshot()
    two = rebuild_index(batch_size=4, workers=2)
    assert (two, snapshot()) == (one, first)
    assert one["topic"] == 25 and len(first[0]) == 26


def page(viewer, query, **filters):
    found = search_visible_to(viewer, query, **filters)
    return (
        found.total,
        found.capped,
        [(h.id, round(h.score, 9)) for h in found.hits],
        [(f.name, [(v.value, v.count) for v in f.options]) for f in found.facets],
    )


@pytest.mark.django_db
def test_a_common_word_looked_up_window_by_window_finds_what_one_query_finds(network, settings):
    """PostgreSQL looks a common word up newest recency window first (decision 0016 part 3); the
    page, total, facets and scores must be those of the one plain query, for every viewer, filter
    and cap — here with one id per bucket and a gap in the ids, so the newest windows are sparse,
    a cap stops the cascade early, and the last step reads every older id."""
    if connection.vendor != "postgresql":
        pytest.skip("the windows are PostgreSQL's; SQLite's FTS5 reads its matches by rowid")
    settings.SEARCH_RECENCY_BUCKET = 1
    for i in range(24):
        make_topic(
            network.city if i % 3 else network.far,
            f"基层治理现代化第{i}讲" if i % 2 else f"城市治理与网格化管理第{i}讲",
            scope=SharingScope.SCHOOL if i % 4 == 0 else SharingScope.NETWORK,
            summary="接诉即办的经验。" if i % 5 == 0 else "",
        )
    rebuild_index()
    with connection.cursor() as cursor:  # the next documents far above the rebuilt ones
        cursor.execute("SELECT setval(pg_get_serial_sequence('search_searchdocument', 'id'), 900)")
    for i in range(3):
        on_item_changed(Topic, make_topic(network.far, f"乡村治理第{i}讲").pk)
    assert SearchDocument.objects.filter(pk__gt=900).count() == 3
    viewers = [member(network.city), member(network.far)]
    cases = [
        ("治理", {}),
        ("治理", {"type": "topic", "school": network.city.pk}),
        ("基层治理 网格化", {}),
        ("治理 -网格化", {}),
        ("接诉即办 治理", {}),
        ("治理", {"type": "course"}),
    ]
    for limit in (2, 5, 100):
        settings.SEARCH_CANDIDATE_LIMIT = limit
        for viewer in viewers:
            for query, filters in cases:
                settings.SEARCH_WINDOW_MIN_MATCHES = 10**9
                with CaptureQueriesContext(connection) as plain_queries:
                    plain = page(viewer, query, **filters)
                settings.SEARCH_WINDOW_MIN_MATCHES = 0
                with CaptureQueriesContext(connection) as window_queries:
                    windowed = page(viewer, query, **filters)
                assert windowed == plain, (limit, query, filters)
                assert not any("'~r" in q["sql"] for q in plain_queries.captured_queries)
                assert any("'~r" in q["sql"] for q in window_queries.captured_queries)
    settings.SEARCH_CANDIDATE_LIMIT = 100
    # the far school's two own-school topics (i = 0, 12) stay hidden from the city
    assert page(viewers[0], "治理")[0] == 3 + 24 - 2


@pytest.mark.django_db
def test_the_migration_gives_existing_vectors_the_tags_a_rebuild_writes(network, settings):
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL's vectors carry tags")
    import importlib

    add_tags = importlib.import_module("yiwang.search.migrations.0005_index_tags").add_tags
    settings.SEARCH_RECENCY_BUCKET = 2
    make_teacher(network.city, "欧阳明", expertise="城市治理")
    for i in range(9):
        make_topic(network.city if i % 2 else network.far, f"基层治理第{i}讲")
    rebuild_index()
    read = "SELECT id, search_vector::text FROM search_searchdocument ORDER BY id"
    with connection.cursor() as cursor:
        cursor.execute(read)
        rebuilt = cursor.fetchall()
        cursor.execute(
            "UPDATE search_searchdocument SET search_vector = ts_delete(search_vector, "
            "ARRAY(SELECT lexeme FROM unnest(search_vector) WHERE lexeme LIKE '~%'))"
        )
        cursor.execute(read)
        assert all("'~" not in text for _, text in cursor.fetchall())
        with connection.schema_editor() as editor:
            add_tags(None, editor)
        cursor.execute(read)
        assert cursor.fetchall() == rebuilt
    document = SearchDocument.objects.get(doc_type="topic", title="基层治理第3讲")
    bucket = document.pk // 2
    assert sorted(t for t in dict(rebuilt)[document.pk].split() if t.startswith("'~")) == sorted(
        [f"'~r{bucket}'", f"'~R{bucket // 32}'", "'~ttopic'", f"'~s{network.city.pk}'"]
        + ([f"'~y{document.year}'"] if document.year else [])
    )
