"""``Application.call_school`` — the issuing school stored on each application — is set by every
write path and backfilled by migration 0002 for rows that existed before it; the office's lists
read it instead of joining the calls, and show exactly what they showed before."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from tests.calls.conftest import draft, in_review, pdf, submitted, teacher_user

from yiwang.calls import selectors, services
from yiwang.calls.models import Application

BEFORE = [("calls", "0001_initial")]
AFTER = [("calls", "0002_application_call_school")]


@pytest.mark.django_db
def test_create_application_stores_the_issuing_school(call, people, network):
    app = draft(call, people)
    app.refresh_from_db()
    assert app.call_school_id == call.owner_school_id == network.city.pk
    assert app.home_school_id == network.branch_a.pk


@pytest.mark.django_db
def test_office_and_home_queues_are_the_visible_applications_waiting(call, people, network):
    from yiwang.calls.models import ResearchCall

    ResearchCall.objects.filter(pk=call.pk).update(max_applications_per_member=20)
    waiting_home = submitted(call, people, title="待单位审核")
    checking = draft(call, people, title="待形式审查", members=[])
    services.attach_file(by=people.applicant, application=checking, label="申报书", file=pdf())
    services.submit_application(by=people.applicant, application=checking)
    services.home_review(by=people.home, application=checking, approve=True)
    in_review(call, people, title="评审中", members=[])
    draft(call, people, title="草稿", members=[])
    assert [a.title for a in selectors.home_queue(people.home)] == [waiting_home.title]
    assert [a.title for a in selectors.office_queue(people.office)] == [checking.title]
    # Nobody else's office sees them; the rule's own list agrees.
    for user in (people.branch_b_staff, people.stranger_staff):
        assert list(selectors.home_queue(user)) == [] and list(selectors.office_queue(user)) == []
    assert set(selectors.office_queue(people.office)) <= set(selectors.applications_visible_to(people.office))
    assert set(selectors.home_queue(people.home)) <= set(selectors.applications_visible_to(people.home))


@pytest.mark.django_db(transaction=True)
def test_migration_backfills_the_issuing_school_of_existing_rows(network):
    from datetime import timedelta

    from django.utils import timezone

    from yiwang.dashboards import tallies

    user, teacher = teacher_user(network.branch_a, "回填教师")
    tallies.uninstall()  # the boards' triggers read today's columns; re-created after the migrate
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    ResearchCall = old.get_model("calls", "ResearchCall")
    OldApplication = old.get_model("calls", "Application")
    now = timezone.now()
    ids = {}
    for school in (network.city, network.branch_a):
        c = ResearchCall.objects.create(
            owner_school_id=school.pk,
            title=f"回填批次{school.pk}",
            kind="think_tank",
            year=2025,
            funding_pool=10,
            per_project_cap=5,
            opens_at=now - timedelta(days=2),
            closes_at=now - timedelta(days=1),
        )
        a = OldApplication.objects.create(
            call=c,
            applicant_id=user.pk,
            principal_id=teacher.pk,
            home_school_id=network.branch_a.pk,
            title="回填申报",
            status="in_review",
        )
        ids[a.pk] = school.pk

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    tallies.install()  # as ``migrate``'s post_migrate does

    assert dict(Application.objects.filter(pk__in=ids).values_list("pk", "call_school_id")) == ids
    assert Application.objects.get(pk=min(ids)).title == "回填申报"  # the rows themselves are kept
