"""The demo of field sites and alliance spaces on top of the demo network: every booking state,
the 川滇黔 space with two meetings (one resolution overdue) and news, five support agreements;
a second run changes nothing."""

import pytest

from yiwang.alliances import demo as alliances_demo
from yiwang.alliances.models import Agreement, Meeting, NewsPost, Resolution
from yiwang.network import demo as network_demo
from yiwang.network.demo import DemoLog
from yiwang.sites import demo as sites_demo
from yiwang.sites.enums import BookingStatus
from yiwang.sites.models import Booking, FieldSite

pytestmark = pytest.mark.django_db


def test_demo_shows_every_part_and_is_idempotent():
    log = DemoLog()
    network_demo.load(scale=0, log=log)
    sites_demo.load(scale=0, log=log)
    alliances_demo.load(scale=0, log=log)
    assert FieldSite.objects.count() == 13
    assert {"鸡鸣三省红色教育基地", "绝壁天渠"} <= set(FieldSite.objects.values_list("name", flat=True))
    assert set(Booking.objects.values_list("status", flat=True)) == set(BookingStatus.values)
    assert Meeting.objects.filter(space__alliance__name="川滇黔毗邻区县党校联盟").count() == 2
    assert Resolution.objects.filter(status="open", due_on__lt="2026-12-01").count() >= 1
    assert NewsPost.objects.filter(is_public=True).count() == 2
    assert Agreement.objects.filter(partnership__supporter__code="gz").count() == 5
    before = log.created
    sites_demo.load(scale=0, log=log)
    alliances_demo.load(scale=0, log=log)
    assert log.created == before
