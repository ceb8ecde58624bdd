"""A 协作 item says which alliances and support partnerships it is shared with (issue 10 part 9),
on the detail page of every shared thing that has one."""

import pytest
from tests.factories import member
from tests.factories.classes import TopicFactory

from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db


def test_partners_topic_names_its_alliance_and_partnership(client_for, network):
    topic = TopicFactory(owner_school=network.city, scope=SharingScope.PARTNERS, title="协作讲题")
    topic.shared_alliances.set([network.alliance])
    topic.shared_partnerships.set([network.partnership])
    html = client_for(member(network.far, is_teacher=True)).get(f"/topics/{topic.pk}/").content.decode()
    expected = (
        '<span class="scope">协作</span><span class="shared-with">：测试片区、'
        f"{network.city.short_name}→{network.partner.short_name}（对口支援）</span>"
    )
    assert expected in html


def test_other_scopes_show_only_their_label(client_for, network):
    topic = TopicFactory(owner_school=network.city, scope=SharingScope.NETWORK)
    html = client_for(member(network.far, is_teacher=True)).get(f"/topics/{topic.pk}/").content.decode()
    assert '<span class="scope">全网</span>' in html and "shared-with" not in html
