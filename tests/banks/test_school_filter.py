"""A list's school filter (issue 12, part 6/7): a drop-down while the network is small, a
search-as-you-type picker beyond ``SCHOOL_OPTIONS_AT_MOST`` schools — a list page never carries
thousands of ``<option>``s. The chosen school travels by its code either way (``?school=far``),
so links and drill-downs keep working, and an unknown code is dropped like any bad filter."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.factories import SchoolFactory, member
from tests.factories.classes import TeacherFactory

from yiwang.network import forms as network_forms
from yiwang.network.enums import SchoolLevel
from yiwang.network.models import School

pytestmark = pytest.mark.django_db

LISTS = ["/faculty/", "/topics/", "/courses/", "/research/"]


def school_options(html: str) -> int:
    select = re.search(r'<select[^>]*name="school".*?</select>', html, re.S)
    return 0 if select is None else select.group(0).count("<option")


@pytest.fixture
def big_network(network, monkeypatch):
    monkeypatch.setattr(network_forms, "SCHOOL_OPTIONS_AT_MOST", 8)
    SchoolFactory.create_batch(6, level=SchoolLevel.COUNTY)  # 12 active schools > 8
    return network


def test_a_small_network_keeps_the_drop_down(client_for, network):
    client = client_for(member(network.city))
    schools = School.objects.filter(is_active=True).count()
    for url in LISTS:
        html = client.get(url).content.decode()
        assert school_options(html) == schools + 1, url  # “全部学校” and every school
        assert "/pick/school/" not in html, url


def test_a_large_network_gets_the_picker_and_the_filter_still_works(client_for, big_network):
    network = big_network
    TeacherFactory(owner_school=network.far, name="远方老师", name_pinyin="yuanfang")
    TeacherFactory(owner_school=network.city, name="本市老师", name_pinyin="benshi")
    client = client_for(member(network.city))
    for url in LISTS:
        html = client.get(url).content.decode()
        assert school_options(html) == 0, url
        assert '<input type="hidden" name="school" value=""' in html, url
        assert "/pick/school/?by=code" in html, url
    page = client.get("/faculty/", {"school": "far"}).content.decode()
    assert "远方老师" in page and "本市老师" not in page
    # the picker shows the chosen school's name, and its value is the code
    assert '<input type="hidden" name="school" value="far"' in page
    assert 'value="远方"' in page


def test_an_unknown_school_code_is_ignored_with_a_message(client_for, big_network):
    network = big_network
    TeacherFactory(owner_school=network.far, name="远方老师", name_pinyin="yuanfang")
    page = client_for(member(network.city)).get("/faculty/", {"school": "nowhere"}).content.decode()
    assert "“nowhere”不是有效的学校，已忽略此筛选条件" in page
    assert "远方老师" in page


def test_an_inactive_school_is_not_accepted(client_for, big_network):
    School.objects.filter(pk=big_network.stranger.pk).update(is_active=False)
    page = client_for(member(big_network.city)).get("/faculty/", {"school": "stranger"}).content.decode()
    assert "“stranger”不是有效的学校，已忽略此筛选条件" in page


def test_the_school_picker_offers_codes_for_a_filter_and_ids_for_a_form(client_for, network):
    client = client_for(member(network.city))
    by_code = client.get("/pick/school/", {"school__q": "远方", "by": "code"}).content.decode()
    assert 'data-value="far"' in by_code and "中共远方市委党校" in by_code
    by_id = client.get("/pick/school/", {"q": "远方"}).content.decode()
    assert f'data-value="{network.far.pk}"' in by_id


def test_the_list_page_queries_do_not_grow_with_the_schools(client_for, big_network):
    client = client_for(member(big_network.city))
    client.get("/faculty/")
    with CaptureQueriesContext(connection) as few:
        client.get("/faculty/")
    SchoolFactory.create_batch(30, level=SchoolLevel.COUNTY)
    with CaptureQueriesContext(connection) as many:
        client.get("/faculty/")
    assert len(many) == len(few)
