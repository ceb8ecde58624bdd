"""Every bank's filter form drops only a bad filter — with a Chinese message on that field —
and keeps the others (``core.forms.FilterForm``)."""

import pytest
from django.http import QueryDict
from tests.factories import member
from tests.factories.faculty import TeacherFactory

from yiwang.courses.forms import CourseFilterForm
from yiwang.faculty.forms import TeacherFilterForm
from yiwang.network.forms import school_choices
from yiwang.research.forms import OutputFilterForm, ProjectFilterForm
from yiwang.topics.forms import TopicFilterForm

pytestmark = pytest.mark.django_db


def query(text: str) -> QueryDict:
    return QueryDict(text)


def test_school_choices(network):
    assert school_choices([network.city, network.far]) == [
        ("", "全部学校"),
        ("city", "测试市"),
        ("far", "远方"),
    ]


@pytest.mark.parametrize(
    ("make", "text", "kept", "bad", "message"),
    [
        (
            lambda data, schools: TeacherFilterForm(data, schools=schools, show_status=False),
            "q=王&school=city&title=院士&invited=0",
            {"q": "王", "school": "city", "invited": False},
            "title",
            "“院士”不是有效的职称，已忽略此筛选条件",
        ),
        (
            lambda data, schools: TopicFilterForm(data, schools=schools, modules=[], show_retired=False),
            "school=nowhere&category=economy&year=2024",
            {"category": "economy", "year": 2024},
            "school",
            "“nowhere”不是有效的学校，已忽略此筛选条件",
        ),
        (
            lambda data, schools: CourseFilterForm(data, schools=schools),
            "school=city&kind=field&year=abc",
            {"school": "city", "kind": "field"},
            "year",
            "“abc”不是有效的年度，已忽略此筛选条件",
        ),
        (
            lambda data, schools: ProjectFilterForm(data, schools=schools),
            "level=national&status=nonsense",
            {"level": "national"},
            "status",
            "“nonsense”不是有效的状态，已忽略此筛选条件",
        ),
        (
            lambda data, schools: OutputFilterForm(data, schools=schools),
            "endorsed=1&kind=poem",
            {"endorsed": True},
            "kind",
            "“poem”不是有效的成果类型，已忽略此筛选条件",
        ),
    ],
)
def test_a_bad_filter_is_dropped_alone_with_a_message(network, make, text, kept, bad, message):
    form = make(query(text), [network.city, network.far])
    assert form.filters() == kept
    assert form.errors[bad] == [message]
    assert form.ignored == [form.fields[bad].label]


def test_list_page_keeps_the_good_filters_and_shows_why(client_for, network):
    TeacherFactory(owner_school=network.city, name="张宏伟", title="professor")
    TeacherFactory(owner_school=network.branch_a, name="李娜")
    page = client_for(member(network.city)).get("/faculty/?school=city-a&title=院士").content.decode()
    assert "共 1 位教师" in page  # the school filter still applies
    assert "“院士”不是有效的职称，已忽略此筛选条件" in page
