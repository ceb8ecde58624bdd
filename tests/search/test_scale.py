"""What keeps the search fast at a million documents (issue 11 part 8, decision 0016 part 2):
a capped word's document frequency is extrapolated from its candidates instead of counting every
match, and a rebuild in worker processes writes exactly what one process writes."""

import pytest
from django.db import connection
from tests.factories import member
from tests.factories.search import make_teacher, make_topic

from yiwang.network.enums import SharingScope
from yiwang.search.models import SearchDocument
from yiwang.search.selectors import search_visible_to
from yiwang.search.services import rebuild_index


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
