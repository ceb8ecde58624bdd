"""Support agreements: targets per year, progress counted from the records (never typed), the
records behind every number, and who sees them."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone
from tests.factories import member

from yiwang.alliances import selectors, services
from yiwang.alliances.enums import TargetMetric
from yiwang.core.errors import DomainError, PermissionDeniedError
from yiwang.exchanges.enums import RequestKind, RequestStatus
from yiwang.exchanges.models import Request
from yiwang.network.enums import SharingScope
from yiwang.sites import services as site_services
from yiwang.sites.enums import BookingStatus
from yiwang.sites.models import Booking

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


@pytest.fixture
def supporter(network):
    return member(network.city, is_school_admin=True)


@pytest.fixture
def supported(network):
    return member(network.partner, is_training_staff=True)


@pytest.fixture
def agreement(network, supporter):
    return services.create_agreement(
        by=supporter,
        title="对口支援协议",
        partnership=network.partnership,
        starts_on=date(YEAR, 1, 1),
        ends_on=date(YEAR + 2, 12, 31),
    )


@pytest.fixture
def site(network):
    """A site of the supporter (the city school) that the supported school books."""
    return site_services.create_site(
        by=None,
        school=network.city,
        name="基地甲",
        address="某地",
        capacity=50,
        opens_at=time(8),
        closes_at=time(18),
        scope=SharingScope.NETWORK,
    )


def _booking(site, school, day, status):
    starts = datetime.combine(day, time(9), tzinfo=timezone.get_current_timezone())
    request = Request.objects.create(
        kind=RequestKind.SITE_BOOKING,
        from_school=school,
        to_school=site.owner_school,
        subject_key=f"t:{day}",
        title="预约",
        status=RequestStatus.ACCEPTED,
    )
    return Booking.objects.create(
        site=site,
        request=request,
        requesting_school=school,
        owner_school=site.owner_school,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        group_size=10,
        purpose="班次",
        status=status,
    )


def test_target_refusals(agreement, supporter, supported):
    with pytest.raises(PermissionDeniedError):
        services.set_target(
            by=supported, agreement=agreement, year=YEAR, metric=TargetMetric.SITE_BOOKINGS, target=5
        )
    with pytest.raises(DomainError) as exc:
        services.set_target(
            by=supporter, agreement=agreement, year=YEAR + 5, metric=TargetMetric.SITE_BOOKINGS, target=5
        )
    assert exc.value.message == f"年度应在协议期限内（{YEAR}–{YEAR + 2}）。"
    with pytest.raises(DomainError) as exc:
        services.set_target(by=supporter, agreement=agreement, year=YEAR, metric="magic", target=5)
    assert exc.value.message.startswith("指标只能是")
    with pytest.raises(DomainError) as exc:
        services.set_target(
            by=supporter, agreement=agreement, year=YEAR, metric=TargetMetric.SITE_BOOKINGS, target=0
        )
    assert exc.value.message == "目标数应为 1 到 100000 之间的整数。"
    assert agreement.targets.count() == 0


def test_agreement_refusals(network, supporter, supported):
    with pytest.raises(PermissionDeniedError):
        services.create_agreement(
            by=supported,
            title="甲",
            partnership=network.partnership,
            starts_on=date(YEAR, 1, 1),
            ends_on=date(YEAR, 12, 31),
        )
    with pytest.raises(DomainError) as exc:
        services.create_agreement(
            by=supporter,
            title="甲",
            partnership=network.partnership,
            starts_on=date(YEAR, 1, 1),
            ends_on=date(YEAR - 1, 12, 31),
        )
    assert exc.value.message == "协议结束日期不能早于开始日期。"


def test_progress_counts_itself_from_site_bookings(
    agreement, site, network, supporter, supported, client_for
):
    services.set_target(
        by=supporter, agreement=agreement, year=YEAR, metric=TargetMetric.SITE_BOOKINGS, target=3
    )
    _booking(site, network.partner, date(YEAR, 3, 2), BookingStatus.COMPLETED)
    _booking(site, network.partner, date(YEAR, 3, 3), BookingStatus.APPROVED)
    _booking(site, network.partner, date(YEAR, 3, 4), BookingStatus.DECLINED)  # does not count
    _booking(site, network.far, date(YEAR, 3, 5), BookingStatus.COMPLETED)  # not a party
    _booking(site, network.partner, date(YEAR + 1, 3, 2), BookingStatus.COMPLETED)  # another year
    [progress] = selectors.agreement_progress(supported, agreement)
    assert (progress.count, progress.target.target, progress.percent) == (2, 3, 67)
    assert [r.label for r in progress.records] == ["测试市→受援：基地甲，10 人", "测试市→受援：基地甲，10 人"]
    page = client_for(supported).get(f"/alliances/agreements/{agreement.pk}/")
    assert "基地接待（批）" in page.content.decode() and page.status_code == 200


def test_agreement_only_for_the_parties(agreement, client_for, network):
    outsider = member(network.stranger, is_school_admin=True)
    far = member(network.far, is_school_admin=True)
    for user in (outsider, far):
        assert client_for(user).get(f"/alliances/agreements/{agreement.pk}/").status_code == 404
        assert client_for(user).get(f"/alliances/agreements/{agreement.pk}/progress.xlsx").status_code == 404
        assert selectors.agreement_progress_counts(user, YEAR) == []


def test_agreement_list_counts_every_target_in_a_fixed_number_of_queries(
    agreement, site, network, supporter, supported, client_for
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.set_target(
        by=supporter, agreement=agreement, year=YEAR, metric=TargetMetric.SITE_BOOKINGS, target=3
    )
    _booking(site, network.partner, date(YEAR, 3, 2), BookingStatus.COMPLETED)
    _booking(site, network.far, date(YEAR, 3, 5), BookingStatus.COMPLETED)  # not a party
    client = client_for(supported)
    client.get("/alliances/agreements/")
    with CaptureQueriesContext(connection) as one:
        assert "基地接待（批） 1/3" in client.get("/alliances/agreements/").content.decode()
    # a second agreement with a target of every metric: the same number of queries
    second = services.create_agreement(
        by=supporter,
        title="第二份协议",
        partnership=network.partnership,
        starts_on=date(YEAR, 1, 1),
        ends_on=date(YEAR, 12, 31),
    )
    for metric in TargetMetric.values:
        services.set_target(by=supporter, agreement=second, year=YEAR, metric=metric, target=2)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/alliances/agreements/").content.decode()
    assert len(many.captured_queries) <= len(one.captured_queries) + len(TargetMetric.values) - 1
    assert page.count("基地接待（批） 1/") == 2  # each agreement counts the same booking
    counts = {p.target.metric: p.count for p in selectors.agreement_progress(supported, second)}
    listed = {
        p.target.metric: p.count for p in selectors.agreement_progress(supported, second, YEAR, records=0)
    }
    assert counts == listed and counts[TargetMetric.SITE_BOOKINGS] == 1
