"""The course list at scale (issue 12 part 4): its order has a matching index, so the page
query walks the newest rows and stops after one page instead of sorting every visible course."""

import pytest
from django.db import connection
from tests.factories import member
from tests.factories.courses import BankTeacherFactory, CourseFactory

from yiwang.courses.enums import CourseStatus
from yiwang.courses.models import Course
from yiwang.courses.selectors import COURSE_SORTS, courses_visible_to, with_people
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db


def index_fields(model) -> list[list[str]]:
    return [list(index.fields) for index in model._meta.indexes]


def page_plan(qs) -> str:
    sql, params = qs[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_default_course_order_has_its_index(network):
    viewer = member(network.branch_a, is_teaching_staff=True)
    qs = courses_visible_to(viewer)
    assert list(qs.query.order_by) == ["-updated_at", "-id"] == list(COURSE_SORTS["-updated"])
    assert ["-updated_at", "-id"] in index_fields(Course)
    assert Course._meta.ordering == ["-updated_at", "-id"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan text")
@pytest.mark.parametrize("filters", [{}, {"kind": "field"}, {"status": "all"}])
def test_course_list_page_walks_the_index_without_sorting(network, filters):
    teacher = BankTeacherFactory(owner_school=network.city)
    for n in range(40):
        CourseFactory(
            owner_school=network.city if n % 2 else network.branch_a,
            scope=SharingScope.SYSTEM,
            status=CourseStatus.PUBLISHED,
            teachers=[teacher],
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    viewer = member(network.branch_a, is_teaching_staff=True)
    plan = page_plan(with_people(courses_visible_to(viewer, **filters), viewer))
    assert "course_recent_idx" in plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan
