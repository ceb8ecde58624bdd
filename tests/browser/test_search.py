"""A teacher types in the search box and gets highlighted results with facets, in Chromium."""

import pytest
from tests.browser.conftest import screenshot, sign_in
from tests.factories import MembershipFactory, UserFactory, build_small_network
from tests.search.conftest import build_corpus

from yiwang.search.services import rebuild_index

pytestmark = pytest.mark.django_db(transaction=True)


def test_search_box_gives_highlighted_results(page):
    network = build_small_network()
    build_corpus(network)
    rebuild_index()
    MembershipFactory(
        user=UserFactory(username="city-t1", full_name="黄老师"), school=network.city, is_teacher=True
    )
    sign_in(page, "city-t1")
    page.goto(page.base_url + "/search/")
    page.fill("#search-q", "乡村振兴")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector(".hit")
    assert page.inner_text("#result-count").startswith("共 3 条结果")
    marks = page.locator(".hit mark").all_inner_texts()
    assert "乡村振兴" in marks
    assert page.locator("#facet-type").is_visible()
    screenshot(page, "search")
    page.click("#facet-type a:has-text('讲题')")
    page.wait_for_selector("#facet-type li.selected")
    assert page.inner_text("#result-count").startswith("共 1 条结果")
    assert page.locator(".hit h3 a").all_inner_texts() == ["推进乡村振兴的广州实践"]


def test_on_a_phone_results_come_before_the_collapsed_facets(phone_page):
    network = build_small_network()
    build_corpus(network)
    rebuild_index()
    MembershipFactory(
        user=UserFactory(username="city-t2", full_name="陈老师"), school=network.city, is_teacher=True
    )
    sign_in(phone_page, "city-t2")
    phone_page.goto(phone_page.base_url + "/search/?q=乡村振兴")
    phone_page.wait_for_selector(".hit")
    first_hit = phone_page.locator(".hit").first.bounding_box()
    facets = phone_page.locator("#facet-panel").bounding_box()
    assert first_hit["y"] < facets["y"]
    assert phone_page.locator("#facet-panel").evaluate("d => d.open") is False
    assert not phone_page.locator("#facet-type").is_visible()
    phone_page.locator("#facet-panel > summary").tap()
    assert phone_page.locator("#facet-type").is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone_page, "search-phone")
