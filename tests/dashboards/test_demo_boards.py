"""On the demo network every indicator equals the list behind it, for several kinds of viewer,
and the boards show two years of history (issue 16 part 5)."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.dashboards import indicators, selectors
from yiwang.dashboards.periods import Period

pytestmark = pytest.mark.django_db


def test_every_indicator_equals_its_drill_down_on_the_demo():
    call_command("demo", "--quiet")
    year = timezone.localdate().year
    viewers = User.objects.filter(
        username__in=["gz-admin", "gz-panyu-staff", "lz-xuyong-admin", "gz-panyu-t1"]
    )
    assert viewers.count() == 4
    for viewer in viewers:
        for scope in selectors.boards_for(viewer)[:3] or [selectors.NETWORK_SCOPE]:
            for period in (Period.year(year), Period.year(year - 1)):
                for ind in indicators.indicators():
                    if ind.ratio or ind.measure != "count":
                        continue
                    value = indicators.value_of(ind, viewer, school_ids=scope.school_ids, period=period)
                    total, rows = indicators.drill_rows(
                        ind, viewer, school_ids=scope.school_ids, period=period, limit=100_000
                    )
                    assert value == total == len(rows), (viewer.username, scope.label, period.key, ind.key)
                # the board counts indicators over one base together (``indicators.narrowed``): the
                # same numbers as each alone
                numbers = indicators.board_numbers(viewer, school_ids=scope.school_ids, period=period)
                for key, (now, before) in numbers.items():
                    ind = indicators.get(key)
                    alone = [
                        indicators.value_of(ind, viewer, school_ids=scope.school_ids, period=p)
                        for p in (period, period.previous())
                    ]
                    assert [now, before] == alone, (viewer.username, scope.label, period.key, key)

    gz_admin = User.objects.get(username="gz-admin")
    school = selectors.resolve_scope(gz_admin, "school", "gz")
    this_year = indicators.value_of(
        indicators.get("open_sessions"), gz_admin, school_ids=school.school_ids, period=Period.year(year)
    )
    last_year = indicators.value_of(
        indicators.get("open_sessions"), gz_admin, school_ids=school.school_ids, period=Period.year(year - 1)
    )
    assert this_year > 0 and last_year > 0  # two years of history
    trend = selectors.trend(gz_admin, school, Period.year(year), ["open_sessions"])
    assert len(trend["labels"]) == 24
    assert sum(1 for v in trend["series"][0]["data"] if v) >= 12
