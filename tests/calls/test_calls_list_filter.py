"""The call list's ``q`` filter goes through the one search index (``banks.text_filter``); the
issuing office's unpublished calls, which the index does not hold, keep the substring match."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from tests.factories.search import index

from yiwang.banks import text_filter
from yiwang.calls import selectors, services
from yiwang.network.enums import SharingScope
from yiwang.search.selectors import list_filter_ids

pytestmark = pytest.mark.django_db


def _call(network, people, title, description="", publish=True):
    now = timezone.now()
    c = services.create_call(
        by=people.office,
        school=network.city,
        title=title,
        description=description,
        kind="party_base",
        year=2025,
        funding_pool=Decimal("10"),
        per_project_cap=Decimal("5"),
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=10),
        scope=SharingScope.SYSTEM,
    )
    return services.publish_call(by=people.office, call=c) if publish else c


@pytest.fixture
def calls(call, network, people):
    base = _call(network, people, "2025年度党建基地课题", description="围绕乡村振兴开展调查研究。")
    draft = _call(network, people, "未发布的基层治理课题", publish=False)
    index(call, base, draft)
    return call, base, draft


def found(viewer, q):
    return set(selectors.calls_visible_to(viewer, q=q).values_list("pk", flat=True))


def test_call_filter_uses_the_search_index(calls, people):
    call, base, draft = calls
    assert found(people.applicant, "智庫") == {call.pk}  # traditional = simplified: only the index knows
    assert found(people.applicant, "乡村振兴") == {base.pk}  # the description is part of the entry
    assert found(people.applicant, "課題") == {call.pk, base.pk}


def test_call_filter_requires_every_word_and_punctuation_alone_matches_nothing(calls, people):
    call, base, _ = calls
    assert found(people.applicant, "新型 课题") == {call.pk}
    assert found(people.applicant, "智库 火星") == set()
    assert found(people.office, "，。！") == set()


def test_unpublished_call_matches_by_substring_for_its_office_only(calls, people):
    call, base, draft = calls
    assert found(people.office, "基层治理") == {draft.pk}
    assert found(people.office, "课题") == {call.pk, base.pk, draft.pk}
    assert found(people.applicant, "基层治理") == set()


def test_call_filter_keeps_the_substring_match_without_a_matcher(calls, people):
    call, base, _ = calls
    try:
        text_filter.register(None)
        assert found(people.applicant, "智庫") == set()
        assert found(people.applicant, "智库") == {call.pk}
    finally:
        text_filter.register(list_filter_ids)


def test_call_list_page_filters_through_the_index(calls, people, client_for):
    call, base, _ = calls
    response = client_for(people.applicant).get("/calls/list/", {"q": "智庫"})
    assert response.status_code == 200
    assert [c.pk for c in response.context["calls"]] == [call.pk]
