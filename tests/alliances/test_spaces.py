"""Alliance spaces: meetings, minutes, resolutions (done / overdue), news (escaped, public or
members only), contacts, chairs, mechanisms; who may do what; leaks; the page's query count."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from tests.factories import member

from yiwang.accounts.services import create_api_token
from yiwang.alliances import selectors, services
from yiwang.alliances.enums import TEN_MECHANISMS, ResolutionStatus
from yiwang.alliances.models import Meeting, NewsPost, Resolution
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError

pytestmark = pytest.mark.django_db


def test_resolution_without_an_owner_is_refused(meeting, lead):
    with pytest.raises(DomainError) as exc:
        services.add_resolution(
            by=lead, meeting=meeting, text="建立共享目录", owner_school=None, due_on=date(2026, 6, 30)
        )
    assert exc.value.message == "请为决议指定责任学校。"
    assert Resolution.objects.count() == 0


def test_resolution_owner_must_be_a_member(meeting, lead, network):
    with pytest.raises(DomainError) as exc:
        services.add_resolution(
            by=lead, meeting=meeting, text="甲", owner_school=network.stranger, due_on=date(2026, 6, 30)
        )
    assert exc.value.message == "中共无关市委党校不是“测试片区”的成员学校。"
    with pytest.raises(DomainError) as exc:
        services.add_resolution(
            by=lead, meeting=meeting, text="甲", owner_school=network.far, due_on=date(2026, 1, 1)
        )
    assert exc.value.message == "完成期限不能早于会议日期。"
    assert Resolution.objects.count() == 0


def test_resolutions_tracked_to_done_and_overdue(meeting, lead, far_staff, network, outsider):
    today = timezone.localdate()
    late = services.add_resolution(
        by=lead,
        meeting=meeting,
        text="逾期事项",
        owner_school=network.far,
        due_on=max(meeting.held_on, today - timedelta(days=3)),
    )
    Resolution.objects.filter(pk=late.pk).update(due_on=today - timedelta(days=3))
    soon = services.add_resolution(
        by=lead,
        meeting=meeting,
        text="按期事项",
        owner_school=network.city,
        due_on=today + timedelta(days=30),
    )
    overdue = list(selectors.resolutions_visible_to(far_staff, overdue=True))
    assert [r.text for r in overdue] == ["逾期事项"]
    with pytest.raises(PermissionDeniedError):
        services.complete_resolution(by=far_staff, resolution=soon)
    done = services.complete_resolution(by=far_staff, resolution=late, note="已完成")
    assert (done.status, done.done_note) == (ResolutionStatus.DONE, "已完成")
    with pytest.raises(ConflictError):
        services.complete_resolution(by=far_staff, resolution=late)
    assert selectors.resolution_completion(far_staff) == {
        "total": 2,
        "done": 1,
        "open": 1,
        "overdue": 0,
        "rate": 0.5,
    }
    assert selectors.resolution_completion(outsider)["total"] == 0


def test_only_members_record_meetings_and_only_host_or_managers_write_minutes(
    space, network, far_staff, outsider, lead
):
    with pytest.raises(PermissionDeniedError):
        services.create_meeting(
            by=outsider, space=space, title="甲", held_on=date(2026, 5, 1), host_school=network.city
        )
    meeting = services.create_meeting(
        by=far_staff, space=space, title="工作交流会", held_on=date(2026, 5, 1), host_school=network.far
    )
    third = member(network.far, is_teaching_staff=True)
    assert services.record_minutes(by=third, meeting=meeting, minutes="纪要").minutes == "纪要"
    city_teacher = member(network.city, is_teacher=True)
    with pytest.raises(PermissionDeniedError):
        services.record_minutes(by=city_teacher, meeting=meeting, minutes="改")
    with pytest.raises(DomainError) as exc:
        services.record_minutes(by=lead, meeting=meeting, minutes="  ")
    assert exc.value.message == "请填写会议纪要。"
    assert Meeting.objects.get(pk=meeting.pk).minutes == "纪要"


def test_news_with_script_is_shown_as_text(client_for, client, space, network, far_staff):
    news = services.post_news(
        by=far_staff,
        space=space,
        school=network.far,
        title="<script>alert(1)</script>标题",
        body="<img src=x onerror=alert(2)>正文",
        is_public=True,
    )
    page = client.get(f"/alliances/news/{news.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;标题" in text
    assert "<img src=x" not in text and "&lt;img src=x onerror=alert(2)&gt;正文" in text


def test_public_news_without_sign_in_member_news_only_to_members(
    client_for, client, space, network, far_staff, outsider
):
    public = services.post_news(
        by=far_staff, space=space, school=network.far, title="公开动态", body="正文", is_public=True
    )
    internal = services.post_news(
        by=far_staff, space=space, school=network.far, title="内部通报", body="正文"
    )
    listing = client.get("/alliances/news/").content.decode()
    assert "公开动态" in listing and "内部通报" not in listing
    assert client.get(f"/alliances/news/{internal.pk}/").status_code == 404
    assert client_for(outsider).get(f"/alliances/news/{internal.pk}/").status_code == 404
    assert client_for(outsider).get(f"/alliances/news/{public.pk}/").status_code == 200
    assert [n.title for n in selectors.news_visible_to(outsider)] == ["公开动态"]
    assert {n.title for n in selectors.news_visible_to(far_staff)} == {"公开动态", "内部通报"}
    assert client.get("/api/v1/alliances/news").json()["count"] == 1


def test_news_refusals(space, network, far_staff, outsider):
    with pytest.raises(PermissionDeniedError):
        services.post_news(by=far_staff, space=space, school=network.city, title="甲", body="乙")
    with pytest.raises(DomainError) as exc:
        services.post_news(by=far_staff, space=space, school=network.far, title=" ", body="乙")
    assert exc.value.message == "请填写标题。"
    assert NewsPost.objects.count() == 0


def test_space_only_for_members(client_for, space, meeting, far_teacher, outsider, lead):
    assert client_for(far_teacher).get(f"/alliances/spaces/{space.pk}/").status_code == 200
    assert client_for(outsider).get(f"/alliances/spaces/{space.pk}/").status_code == 404
    assert client_for(outsider).get(f"/alliances/meetings/{meeting.pk}/").status_code == 404
    assert client_for(outsider).get(f"/alliances/spaces/{space.pk}/resolutions.xlsx").status_code == 404
    _, key = create_api_token(user=outsider, name="t")
    assert (
        client_for(outsider)
        .get(f"/api/v1/alliances/spaces/{space.pk}", HTTP_AUTHORIZATION=f"Bearer {key}")
        .status_code
        == 404
    )
    assert selectors.meetings_counts(outsider)["total"] == 0
    assert selectors.meetings_counts(far_teacher) == {"total": 1, "by_kind": {"joint": 1}}


def test_space_page_query_count_is_constant(
    client_for, space, meeting, network, lead, far_staff, django_assert_max_num_queries
):
    client = client_for(far_staff)
    services.add_resolution(
        by=lead, meeting=meeting, text="决议", owner_school=network.far, due_on=date(2026, 12, 1)
    )
    services.post_news(by=far_staff, space=space, school=network.far, title="动态", body="正文")
    with django_assert_max_num_queries(40) as few:
        assert client.get(f"/alliances/spaces/{space.pk}/").status_code == 200
    for i in range(12):
        m = services.create_meeting(
            by=lead,
            space=space,
            title=f"会议{i}",
            held_on=date(2026, 5, 1 + i),
            host_school=network.city,
            attendee_schools=[network.city, network.far],
        )
        services.add_resolution(
            by=lead, meeting=m, text=f"决议{i}", owner_school=network.far, due_on=date(2026, 12, 1)
        )
        services.post_news(by=far_staff, space=space, school=network.far, title=f"动态{i}", body="正文")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(f"/alliances/spaces/{space.pk}/")
    assert page.status_code == 200
    assert "会议11" in page.content.decode()


def test_contacts_chairs_and_mechanisms(space, network, lead, far_staff):
    contact = services.set_contact(
        by=far_staff, space=space, school=network.far, name="联络人甲", phone="123"
    )
    assert contact.name == "联络人甲"
    with pytest.raises(PermissionDeniedError):
        services.set_contact(by=far_staff, space=space, school=network.city, name="乙")
    with pytest.raises(PermissionDeniedError):
        services.set_mechanisms(by=far_staff, space=space, mechanisms=TEN_MECHANISMS)
    services.set_mechanisms(by=lead, space=space, mechanisms=TEN_MECHANISMS)
    assert [m.get_mechanism_display() for m in space.mechanisms.all()][:3] == [
        "发展共商",
        "协调联络",
        "信息共通",
    ]
    today = timezone.localdate()
    services.add_chair_term(
        by=lead, space=space, school=network.far, starts_on=today, ends_on=today + timedelta(days=365)
    )
    assert selectors.current_chair(space).school == network.far
    with pytest.raises(ConflictError):
        services.add_chair_term(
            by=lead,
            space=space,
            school=network.city,
            starts_on=today + timedelta(days=10),
            ends_on=today + timedelta(days=20),
        )
    # the chair school now manages the space too
    services.set_mechanisms(by=far_staff, space=space, mechanisms=TEN_MECHANISMS[:2])
    assert space.mechanisms.count() == 2


def test_api_meeting_and_resolution_refusals(client, space, meeting, far_staff, outsider, network):
    _, key = create_api_token(user=far_staff, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    created = client.post(
        f"/api/v1/alliances/spaces/{space.pk}/meetings",
        data={
            "title": "工作交流会",
            "held_on": "2026-05-06",
            "host_school": "far",
            "attendee_schools": ["far", "city"],
        },
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201
    assert created.json()["attendee_school_codes"] == ["city", "far"]
    meeting_id = created.json()["id"]
    refused = client.post(
        f"/api/v1/alliances/meetings/{meeting_id}/resolutions",
        data={"text": "编印简报", "due_on": "2026-12-31"},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "请为决议指定责任学校。"
    assert Resolution.objects.count() == 0
    _, other = create_api_token(user=outsider, name="t")
    assert (
        client.get(
            f"/api/v1/alliances/spaces/{space.pk}/resolutions", HTTP_AUTHORIZATION=f"Bearer {other}"
        ).status_code
        == 404
    )
    assert client.get("/api/v1/alliances/spaces", HTTP_AUTHORIZATION=f"Bearer {other}").json() == []
