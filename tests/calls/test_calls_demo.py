"""The demo shows every stage (and a second run changes nothing)."""

import pytest
from django.db.models import F

from yiwang.calls import demo
from yiwang.calls.models import Application, Milestone, ResearchCall
from yiwang.network.demo import DemoLog
from yiwang.research.models import Endorsement

pytestmark = pytest.mark.django_db


def test_demo_every_stage_and_idempotent():
    from yiwang.faculty import demo as faculty_demo
    from yiwang.network import demo as network_demo

    log = DemoLog()
    network_demo.load(scale=0, log=log)
    faculty_demo.load(scale=0, log=log)
    demo.load(scale=0, log=log)
    call = ResearchCall.objects.get(title=demo.CALL_TITLE)
    statuses = sorted(call.applications.values_list("status", flat=True))
    assert statuses == ["granted", "granted", "granted", "granted", "ineligible", "not_granted"]
    assert call.applications.values("home_school").distinct().count() == 6
    cross = Application.objects.get(title=demo.APPLICATIONS[0][1])
    assert cross.team.filter(teacher__owner_school__code__in=demo.ADJACENT).count() == 1
    assert sorted(
        set(Application.objects.filter(call=call, status="granted").values_list("project__status", flat=True))
    ) == [
        "approved",
        "concluded",
        "ongoing",
    ]
    assert set(Milestone.objects.filter(application__call=call).values_list("status", flat=True)) == {
        "pending",
        "submitted",
        "passed",
    }
    verified = set(
        Endorsement.objects.filter(verified_at__isnull=False).values_list("leader_level", flat=True)
    )
    assert verified == {"provincial", "municipal", "county"}
    assert ResearchCall.objects.filter(title=demo.OPEN_TITLE).count() == 1
    # Every application stores its call's issuing school (``Application.call_school``).
    assert Application.objects.exists()
    assert not Application.objects.exclude(call_school_id=F("call__owner_school_id")).exists()
    before = (ResearchCall.objects.count(), Application.objects.count(), Endorsement.objects.count())
    demo.load(scale=0, log=log)
    assert (ResearchCall.objects.count(), Application.objects.count(), Endorsement.objects.count()) == before
