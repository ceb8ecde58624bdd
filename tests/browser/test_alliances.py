"""An alliance space in a real browser: the lead school (叙永) records a joint meeting of the
川滇黔 alliance with its minutes and a resolution for another member (威信) — a resolution without
an owner school is refused with a Chinese message and nothing is recorded. The resolution is late,
so the space shows it as overdue; the owner school's staff mark it done, and post a public news
item, seen on the space and on the public news page without signing in."""

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.browser.chuan_dian_qian import alliance_of, training_staff
from tests.browser.conftest import screenshot, sign_in
from tests.factories.faculty import TeacherFactory
from tests.factories.topics import TopicFactory

from yiwang.alliances.models import Meeting, NewsPost, Resolution
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alliance():
    group, (xuyong, weixin, chishui) = alliance_of("lz-xuyong", "weixin", "chishui")
    training_staff(xuyong, "lz-xuyong-staff", "罗文山")
    training_staff(weixin, "weixin-staff", "杨春华")
    # 信息共通: a teacher and a topic of 赤水 shared with the alliance (协作), one kept to 赤水.
    teacher = TeacherFactory(owner_school=chishui, name="周红岩", scope=SharingScope.PARTNERS)
    teacher.shared_alliances.set([group])
    topic = TopicFactory(owner_school=chishui, title="四渡赤水与战略转移", scope=SharingScope.PARTNERS)
    topic.shared_alliances.set([group])
    TopicFactory(owner_school=chishui, title="赤水市本校内部讲题", scope=SharingScope.SCHOOL)
    return group


def test_lead_school_records_a_meeting_and_the_owner_closes_its_overdue_resolution(
    browser, page, live_server, alliance
):
    today = timezone.localdate()
    held_on = today - timedelta(days=20)
    due_on = today - timedelta(days=5)

    sign_in(page, "lz-xuyong-staff")
    page.goto(page.base_url + f"/alliances/alliance/{alliance.pk}/")
    page.wait_for_selector("h2:has-text('联席会议（发展共商）')")
    space_url = page.url
    page.click("a:has-text('登记会议')")
    page.fill("#id_title", "川滇黔毗邻区县党校联盟2026年联席会议")
    page.fill("#id_held_on", held_on.isoformat())
    page.fill("#id_place", "叙永县委党校")
    page.select_option("#id_host_school", label="中共叙永县委党校")
    page.fill("#id_agenda", "一、通报年度协作情况\n二、商定下一年度师资互派计划")
    page.click("#meeting-form button[type=submit]")
    page.wait_for_selector("h1:has-text('川滇黔毗邻区县党校联盟2026年联席会议')")
    meeting = Meeting.objects.get()
    assert (meeting.host_school.code, meeting.held_on) == ("lz-xuyong", held_on)

    page.click("summary:has-text('填写纪要')")
    page.fill("#id_minutes", "会议商定：各成员学校年内互派教师不少于 2 人次，威信牵头编写联盟年度协作简报。")
    page.click("#minutes button[type=submit]")
    page.wait_for_selector("text=会议纪要已保存。")

    # A resolution without an owner school: a Chinese message, nothing recorded.
    page.fill("#id_text", "编写联盟年度协作简报")
    page.fill("#id_due_on", due_on.isoformat())
    page.click("#resolution-list button:has-text('登记决议')")
    page.wait_for_selector("text=请为决议指定责任学校。")
    assert Resolution.objects.count() == 0
    page.fill("#id_text", "编写联盟年度协作简报")
    page.select_option("#id_owner_school", label="中共威信县委党校")
    page.fill("#id_due_on", due_on.isoformat())
    page.click("#resolution-list button:has-text('登记决议')")
    page.wait_for_selector("#resolution-list td:has-text('已逾期')")
    resolution = Resolution.objects.get()
    assert (resolution.owner_school.code, resolution.due_on, resolution.status) == ("weixin", due_on, "open")
    screenshot(page, "alliance-meeting")

    # The owner school's staff see the overdue resolution on the space and mark it done.
    owner_context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    owner = owner_context.new_page()
    owner.set_default_timeout(15000)
    owner.base_url = live_server.url
    sign_in(owner, "weixin-staff")
    owner.goto(space_url)
    assert "逾期 1 项" in owner.locator("#resolutions h2").inner_text()
    owner.click("#meetings a:has-text('川滇黔毗邻区县党校联盟2026年联席会议')")
    owner.fill(f"#note-{resolution.pk}", "简报已印发各成员学校")
    owner.click("#resolution-list button:has-text('标记完成')")
    owner.wait_for_selector("#resolution-list td:has-text('已完成')")
    resolution.refresh_from_db()
    assert (resolution.status, resolution.done_note) == ("done", "简报已印发各成员学校")

    # Public news (markup in news is shown as text: tests/alliances/test_spaces.py).
    owner.goto(space_url)
    owner.click("a:has-text('发布动态')")
    owner.fill("#id_title", "威信县委党校赴叙永开展现场教学交流")
    owner.fill("#id_body", "两校围绕红色资源开发利用、现场教学点建设开展交流。")
    owner.select_option("#id_school", label="中共威信县委党校")
    owner.check("#id_is_public")
    owner.click("#news-form button[type=submit]")
    owner.wait_for_selector("h1:has-text('威信县委党校赴叙永开展现场教学交流')")
    news = NewsPost.objects.get()
    assert (news.school.code, news.is_public) == ("weixin", True)
    owner.goto(space_url)
    assert "逾期" not in owner.locator("#resolutions h2").inner_text()
    assert "威信县委党校赴叙永开展现场教学交流" in owner.locator("#news").inner_text()
    shared = owner.locator("#shared").inner_text()
    assert "周红岩" in shared and "四渡赤水与战略转移" in shared and "赤水市本校内部讲题" not in shared
    screenshot(owner, "alliance-space")
    owner_context.close()

    # Public news needs no sign-in.
    anonymous = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    visitor = anonymous.new_page()
    visitor.goto(live_server.url + "/alliances/news/")
    assert "威信县委党校赴叙永开展现场教学交流" in visitor.locator("main").inner_text()
    anonymous.close()
