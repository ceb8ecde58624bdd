"""评审量表 pages: list, create with indicators, detail."""

from django.urls import reverse
from tests.factories import member

from yiwang.reviews.models import Rubric
from yiwang.reviews.services import create_rubric


def _post(client, school, **extra):
    data = {
        "school": school.pk,
        "name": "现场教学精品课评审量表",
        "purpose": "course",
        "ind1_name": "政治性与思想性",
        "ind1_weight": "20",
        "ind1_min": "0",
        "ind1_max": "10",
        "ind2_name": "解说词质量",
        "ind2_weight": "80",
        "ind2_min": "0",
        "ind2_max": "20",
        **extra,
    }
    return client.post(reverse("reviews:rubric_create"), data)


def test_office_creates_a_rubric_with_indicators(network, client_for):
    office = member(network.city, is_teaching_staff=True)
    client = client_for(office)
    response = _post(client, network.city)
    rubric = Rubric.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:rubric_detail", args=[rubric.pk])
    assert [(i.name, str(i.weight), str(i.max_score)) for i in rubric.indicators.all()] == [
        ("政治性与思想性", "20.00", "10.0"),
        ("解说词质量", "80.00", "20.0"),
    ]
    detail = client.get(response["Location"]).content.decode()
    assert "0–20" in detail
    listing = client.get(reverse("reviews:rubric_list")).content.decode()
    assert "政治性与思想性、解说词质量" in listing


def test_bad_indicator_range_is_refused(network, client_for):
    office = member(network.city, is_teaching_staff=True)
    response = _post(client_for(office), network.city, ind2_min="10", ind2_max="5")
    assert response.status_code == 400
    assert "指标“解说词质量”的最高分须大于最低分。" in response.content.decode()
    assert Rubric.objects.count() == 0


def test_rubric_needs_an_indicator(network, client_for):
    office = member(network.city, is_teaching_staff=True)
    response = _post(client_for(office), network.city, ind1_name="", ind2_name="")
    assert "量表至少需要一个评审指标。" in response.content.decode()


def test_teacher_cannot_create_a_rubric(network, client_for):
    teacher = member(network.city, is_teacher=True)
    response = client_for(teacher).get(reverse("reviews:rubric_create"), follow=True)
    assert "只有学校的教务、科研部门或学校管理员可以制定评审量表。" in [
        str(m) for m in response.context["messages"]
    ]


def test_duplicate_name_is_refused(network, client_for):
    office = member(network.city, is_teaching_staff=True)
    create_rubric(by=office, school=network.city, name="现场教学精品课评审量表", indicators=[{"name": "甲"}])
    response = _post(client_for(office), network.city)
    assert "本校已有名为“现场教学精品课评审量表”的评审量表。" in response.content.decode()
    assert Rubric.objects.count() == 1


def test_rubric_list_query_count(network, client_for, django_assert_max_num_queries):
    office = member(network.city, is_teaching_staff=True)
    for i in range(10):
        create_rubric(
            by=office, school=network.city, name=f"量表{i}", indicators=[{"name": "甲"}, {"name": "乙"}]
        )
    client = client_for(office)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("reviews:rubric_list"))
    assert page.content.decode().count("甲、乙") == 10
