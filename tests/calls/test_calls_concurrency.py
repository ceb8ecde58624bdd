"""Two offices grant the last of a pool at the same moment: exactly one wins, the pool is never
overspent (conditional UPDATE + check constraint). PostgreSQL only (real concurrent transactions)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from tests.calls.conftest import in_review

from yiwang.calls import services
from yiwang.calls.models import Application, ResearchCall
from yiwang.core.errors import ConflictError

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _race(targets):
    barrier = threading.Barrier(len(targets))
    results = [None] * len(targets)

    def run(i, fn):
        try:
            barrier.wait()
            fn()
            results[i] = "granted"
        except ConflictError as exc:
            results[i] = exc.message
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_offices_granting_the_last_of_the_pool_never_overspend(call, people):
    ResearchCall.objects.filter(pk=call.pk).update(funding_pool=Decimal("5"), max_applications_per_member=5)
    a = in_review(call, people, title="甲", total="3", lines=[{"category": "travel", "amount": "3"}])
    b = in_review(call, people, title="乙", total="3", lines=[{"category": "travel", "amount": "3"}])
    a = Application.objects.select_related("call__owner_school").get(pk=a.pk)
    b = Application.objects.select_related("call__owner_school").get(pk=b.pk)
    results = _race(
        [
            lambda: services.grant_application(by=people.office, application=a, amount="3"),
            lambda: services.grant_application(by=people.office2, application=b, amount="3"),
        ]
    )
    assert sorted(results, key=str) == sorted(
        ["granted", "经费总额不足：剩余 2.00 万元，不能立项 3.00 万元。"], key=str
    )
    assert ResearchCall.objects.get(pk=call.pk).granted_total == Decimal("3.00")
    assert Application.objects.filter(call=call, status="granted").count() == 1


def test_two_spendings_on_the_last_of_a_line_never_overspend(call, people):
    from datetime import date

    from yiwang.calls.models import BudgetLine

    app = in_review(call, people, total="3", lines=[{"category": "travel", "amount": "3"}])
    app = services.grant_application(by=people.office, application=app, amount="3")
    app = Application.objects.select_related("call__owner_school", "principal", "project").get(pk=app.pk)
    line = app.budget_lines.get()
    results = _race(
        [
            lambda: services.record_expense(
                by=people.applicant, application=app, line=line, spent_on=date.today(), amount="2"
            ),
            lambda: services.record_expense(
                by=people.home, application=app, line=line, spent_on=date.today(), amount="2"
            ),
        ]
    )
    assert results.count("granted") == 1
    assert BudgetLine.objects.get(pk=line.pk).spent == Decimal("2.00")
