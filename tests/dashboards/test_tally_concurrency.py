"""The tallies stay exact beside concurrent writers on PostgreSQL (decision 0013): two writers adding
the first 批示 of one report count it once, and compaction running beside writers loses and
doubles nothing."""

import contextlib
import threading
from datetime import date

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from tests.factories.classes import TopicFactory
from tests.factories.research import OutputFactory

from yiwang.dashboards import tallies
from yiwang.dashboards.models import Tally
from yiwang.network.enums import SharingScope
from yiwang.research.enums import LeaderLevel
from yiwang.research.models import Endorsement

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

WRITERS = 6


def _run_together(work, n: int) -> list:
    """``work(i)`` in ``n`` threads (each with its own connection) started at one barrier."""
    start, errors = threading.Barrier(n), []

    def run(i):
        try:
            start.wait()
            work(i)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _total(family: str) -> int:
    return Tally.objects.filter(family=family).aggregate(n=Sum("n"))["n"] or 0


def _sums() -> list:
    return sorted(
        Tally.objects.values_list("family", "school_id", "owner_id", "scope", "month")
        .annotate(n=Sum("n"), v=Sum("v"))
        .filter(n__gt=0)
    )


def test_writers_adding_the_first_endorsements_of_one_report_count_it_once(network):
    report = OutputFactory(
        owner_school=network.city, scope=SharingScope.NETWORK, published_on=date(2026, 3, 1)
    )
    assert _total("endorsed_advisory") == 0
    hold = threading.Barrier(WRITERS)

    def endorse(i):
        with transaction.atomic():
            Endorsement.objects.create(
                output=report,
                leader_level=LeaderLevel.MUNICIPAL,
                endorsed_on=date(2026, 4, i + 1),
                verified_at=timezone.now(),
            )
            # hold every transaction open until all have written (or, as the tally's lock makes
            # the others wait for the first commit, for 2 s)
            with contextlib.suppress(threading.BrokenBarrierError):
                hold.wait(timeout=2)

    assert _run_together(endorse, WRITERS) == []
    assert Endorsement.objects.filter(output=report).count() == WRITERS
    assert _total("endorsed_advisory") == 1
    assert _total("endorsements") == WRITERS
    assert _sums() == _rebuilt()


def _rebuilt() -> list:
    for family in tallies.FAMILIES.values():
        tallies.rebuild(family)
    return _sums()


def test_compaction_beside_writers_keeps_every_sum(network):
    TopicFactory.create_batch(3, owner_school=network.city, scope=SharingScope.NETWORK)
    rounds, folded, done = 15, [], []

    def work(i):
        if i == 0:  # the compactor, until every writer is done
            while True:
                last = len(done) == 3
                folded.append(tallies.compact())
                if last:
                    return
        for n in range(rounds):
            with transaction.atomic():
                TopicFactory(owner_school=network.far if n % 2 else network.city, scope=SharingScope.SYSTEM)
        done.append(i)

    assert _run_together(work, 4) == []
    assert len(folded) >= 2
    incremental = _sums()
    tallies.compact()
    assert _sums() == incremental == _rebuilt()
    topics = sum(n for family, *_rest, n, _v in incremental if family == "topics")
    assert topics == 3 + 3 * rounds
