"""The site list's ``q`` filter goes through the one search's index (``banks.text_filter``): every
word is required, traditional characters find simplified ones, punctuation alone finds nothing,
and the viewer's sharing rule still applies."""

from datetime import time

import pytest
from tests.factories.search import index

from yiwang.network.enums import SharingScope
from yiwang.sites import selectors, services

pytestmark = pytest.mark.django_db


def _names(viewer, q):
    return sorted(s.name for s in selectors.sites_visible_to(viewer, q=q))


@pytest.fixture
def indexed(site, network):
    cliff = services.create_site(
        by=None,
        school=network.far,
        name="绝壁天渠生态文明教育基地",
        address="远方市某镇",
        capacity=80,
        opens_at=time(8),
        closes_at=time(18),
        summary="讲述村民在绝壁上开凿水渠的奋斗历程。",
        themes="ecology",
        scope=SharingScope.NETWORK,
    )
    private = services.create_site(
        by=None,
        school=network.stranger,
        name="无关市红色教育基地",
        address="无关市",
        capacity=20,
        opens_at=time(8),
        closes_at=time(18),
        scope=SharingScope.SCHOOL,
    )
    index(site, cliff, private)
    return site, cliff


def test_site_list_q_matches_through_the_index(indexed, booker, client_for):
    assert _names(booker, "红色 教育") == ["测试红色教育基地"]  # the stranger's own site stays hidden
    assert _names(booker, "绝壁 奋斗") == ["绝壁天渠生态文明教育基地"]  # name and summary, both words
    assert _names(booker, "绝壁 红色") == []  # every word required
    assert _names(booker, "絕壁天渠") == ["绝壁天渠生态文明教育基地"]  # traditional = simplified
    assert _names(booker, "，。！") == []  # punctuation only: nothing
    page = client_for(booker).get("/sites/", {"q": "奋斗 水渠"}).content.decode()
    assert "绝壁天渠生态文明教育基地" in page and "测试红色教育基地" not in page
