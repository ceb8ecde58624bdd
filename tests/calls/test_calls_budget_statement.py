"""The call page's budget statement (批次经费执行) sums each granted project's budget lines in its
own grouped query; it must equal the one-statement reading (the projects annotated with their
sums), with and without a row limit, for the office and for viewers who see fewer projects."""

from decimal import Decimal

import pytest
from django.db.models import Sum, Value
from django.db.models.functions import Coalesce
from tests.calls.conftest import granted_many, in_review

from yiwang.calls import selectors
from yiwang.calls.models import BudgetLine

pytestmark = pytest.mark.django_db


def _reference(viewer, call, limit=None):
    apps = selectors.projects_visible_to(viewer, call=call).annotate(
        budget=Coalesce(Sum("budget_lines__amount"), Value(Decimal("0"))),
        spent=Coalesce(Sum("budget_lines__spent"), Value(Decimal("0"))),
    )
    rows = apps[:limit] if limit else apps
    return [(a.pk, a.granted_amount, a.budget, a.spent, a.budget - a.spent) for a in rows]


def _statement(viewer, call, limit=None):
    return [
        (r["application"].pk, r["granted"], r["budget"], r["spent"], r["left"])
        for r in selectors.call_budget_statement(viewer, call, limit=limit)
    ]


def test_budget_statement_equals_the_annotated_reading(call, people):
    granted = granted_many(call, people, "经费课题", 4)
    in_review(call, people, title="未立项课题")
    BudgetLine.objects.filter(application=granted[0], category="travel").update(spent=Decimal("1.5"))
    BudgetLine.objects.filter(application=granted[1]).delete()  # a project without budget lines
    BudgetLine.objects.filter(application=granted[2], category="materials").update(spent=Decimal("0.25"))
    viewers = [people.office, people.home, people.applicant, people.partner_user, people.other_user]
    for viewer in viewers:
        for limit in (None, 1, 2, 10):
            assert _statement(viewer, call, limit) == _reference(viewer, call, limit), (
                viewer.username,
                limit,
            )
    office = _statement(people.office, call)
    assert [row[0] for row in office] == [a.pk for a in reversed(granted)]
    assert office[-1][2:] == (Decimal("3.00"), Decimal("1.50"), Decimal("1.50"))
    assert office[-2][2:] == (Decimal("0"), Decimal("0"), Decimal("0"))
    assert [row[0] for row in _statement(people.partner_user, call)] == [a.pk for a in reversed(granted[:3])]
    assert _statement(people.other_user, call) == []
