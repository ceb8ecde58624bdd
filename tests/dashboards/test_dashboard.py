import pytest
from tests.factories import member

from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db


def test_dashboard_counts_only_visible_items(network, client_for):
    Teacher.objects.create(owner_school=network.city, scope=SharingScope.SCHOOL, name="本校可见")
    Teacher.objects.create(owner_school=network.city, scope=SharingScope.NETWORK, name="全网可见")
    outsider = client_for(member(network.stranger, is_teacher=True))
    response = outsider.get("/dashboards/")
    totals = {t["key"]: t["count"] for t in response.context["totals"]}
    assert totals["teachers"] == 1
    assert response.context["per_school"] == [
        {"school": "测试市", "teachers": 1, "topics": 0, "courses": 0, "total": 1}
    ]


def test_dashboard_counts_own_school_items(network, client_for):
    Teacher.objects.create(owner_school=network.city, scope=SharingScope.SCHOOL, name="本校可见")
    insider = client_for(member(network.city, is_teacher=True))
    totals = {t["key"]: t["count"] for t in insider.get("/dashboards/").context["totals"]}
    assert totals["teachers"] == 1


def test_dashboard_ignores_other_schools_drafts_and_hidden_endorsements(network, client_for):
    from tests.factories.research import OutputFactory, endorsement
    from tests.factories.topics import TopicFactory

    from yiwang.topics.enums import PublicationStatus

    TopicFactory(owner_school=network.city, scope=SharingScope.NETWORK, status=PublicationStatus.DRAFT)
    TopicFactory(owner_school=network.city, scope=SharingScope.NETWORK, status=PublicationStatus.PUBLISHED)
    hidden = OutputFactory(owner_school=network.city, scope=SharingScope.SCHOOL)
    endorsement(hidden, verified=True)
    shared = OutputFactory(owner_school=network.city, scope=SharingScope.NETWORK)
    endorsement(shared, verified=True)
    endorsement(shared, verified=False)

    outsider = client_for(member(network.stranger, is_teacher=True)).get("/dashboards/").context
    totals = {t["key"]: t["count"] for t in outsider["totals"]}
    assert totals["topics"] == 1
    assert totals["outputs"] == 1
    assert outsider["endorsements"] == 1
    assert [(r["school"].code, r["total"]) for r in outsider["ranking"]] == [("city", 1)]


def test_dashboard_insider_counts_own_verified_endorsements(network, client_for):
    from tests.factories.research import OutputFactory, endorsement

    hidden = OutputFactory(owner_school=network.city, scope=SharingScope.SCHOOL)
    endorsement(hidden, verified=True)
    insider = client_for(member(network.city, is_research_staff=True)).get("/dashboards/").context
    assert insider["endorsements"] == 1
