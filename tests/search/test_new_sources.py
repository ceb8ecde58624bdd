"""The newer apps in the one search: research calls, field sites, co-development projects and
alliance news. No item reaches a viewer who cannot see it in its own app — in results, totals or
facet counts. Runs on SQLite and PostgreSQL."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from tests.factories import member, platform_admin
from tests.factories.search import index, make_course, make_module

from yiwang.accounts.enums import PlatformRoleKind
from yiwang.alliances.models import NewsPost, Space
from yiwang.alliances.selectors import news_visible_to
from yiwang.calls.enums import CallKind
from yiwang.calls.models import ResearchCall
from yiwang.calls.selectors import calls_visible_to
from yiwang.codev.enums import Stage
from yiwang.codev.models import Project, ProjectSchool
from yiwang.codev.selectors import projects_visible_to
from yiwang.courses.enums import CourseStatus
from yiwang.network.enums import SharingScope
from yiwang.search.enums import DocumentType
from yiwang.search.models import SearchDocument
from yiwang.search.selectors import search_visible_to
from yiwang.search.services import rebuild_index
from yiwang.sites.models import FieldSite
from yiwang.sites.selectors import sites_visible_to

pytestmark = pytest.mark.django_db

WORD = "海绵城市"
NEW_TYPES = [DocumentType.CALL, DocumentType.SITE, DocumentType.CODEV, DocumentType.NEWS]


def make_call(school, title, *, scope=SharingScope.NETWORK, published=True, alliances=()):
    now = timezone.now()
    call = ResearchCall.objects.create(
        owner_school=school,
        scope=scope,
        title=title,
        kind=CallKind.ANNUAL_KEY,
        year=2026,
        description=f"围绕{WORD}建设开展研究。",
        funding_pool=Decimal("50"),
        per_project_cap=Decimal("5"),
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        published_at=now if published else None,
    )
    call.shared_alliances.set(alliances)
    return call


def make_site(school, name, *, scope=SharingScope.NETWORK, partnerships=()):
    site = FieldSite.objects.create(
        owner_school=school,
        scope=scope,
        name=name,
        address="测试市某区某路1号",
        themes="rural",
        summary=f"{WORD}示范片区现场教学。",
        capacity=40,
        opens_at=time(9),
        closes_at=time(17),
    )
    site.shared_partnerships.set(partnerships)
    return site


def make_codev(lead, title, course, *, stage=Stage.TOPIC, schools=()):
    project = Project.objects.create(
        title=title,
        module=course.module,
        course=course,
        lead_school=lead,
        summary=f"合作开发{WORD}专题课程。",
        stage=stage,
        published_at=timezone.now() if stage == Stage.PUBLISHED else None,
    )
    project.schools.set(schools)
    # the team-school rows the codev services keep (what its visibility index reads)
    ProjectSchool.objects.bulk_create(ProjectSchool(project=project, school=s) for s in {lead, *schools})
    return project


def make_news(space, school, title, *, public):
    return NewsPost.objects.create(
        space=space,
        school=school,
        title=title,
        body=f"联盟成员学校交流{WORD}建设经验。",
        is_public=public,
        published_at=timezone.now(),
    )


@pytest.fixture
def items(network):
    module = make_module(network.city, "城市治理")
    open_course = make_course(network.city, "城市更新课", module=module, scope=SharingScope.NETWORK)
    school_course = make_course(network.city, "本校城市课", module=module, scope=SharingScope.SCHOOL)
    draft_course = make_course(network.far, "草稿城市课", module=module, status=CourseStatus.DRAFT)
    space = Space.objects.create(alliance=network.alliance)
    made = {
        "全网申报": make_call(network.city, f"全网{WORD}课题申报"),
        "本校申报": make_call(network.city, f"本校{WORD}课题申报", scope=SharingScope.SCHOOL),
        "联盟申报": make_call(
            network.city, f"联盟{WORD}课题申报", scope=SharingScope.PARTNERS, alliances=[network.alliance]
        ),
        "未发布申报": make_call(network.city, f"未发布{WORD}课题申报", published=False),
        "公开基地": make_site(network.far, f"公开{WORD}基地", scope=SharingScope.PUBLIC),
        "本系统基地": make_site(network.branch_a, f"本系统{WORD}基地", scope=SharingScope.SYSTEM),
        "对口基地": make_site(
            network.city, f"对口{WORD}基地", scope=SharingScope.PARTNERS, partnerships=[network.partnership]
        ),
        "发布项目": make_codev(
            network.city, f"已发布{WORD}共建", open_course, stage=Stage.PUBLISHED, schools=[network.far]
        ),
        "本校发布项目": make_codev(network.city, f"本校发布{WORD}共建", school_course, stage=Stage.PUBLISHED),
        "在建项目": make_codev(network.far, f"在建{WORD}共建", draft_course, schools=[network.city]),
        "公开动态": make_news(space, network.far, f"公开{WORD}动态", public=True),
        "成员动态": make_news(space, network.city, f"成员{WORD}动态", public=False),
    }
    index(*made.values())
    return made


def viewers(network):
    return {
        "匿名": AnonymousUser(),
        **{school.code: member(school) for school in vars(network).values() if hasattr(school, "code")},
        "甲区教务": member(network.branch_a, is_teaching_staff=True),
        "系统管理员": platform_admin(PlatformRoleKind.SYSTEM),
    }


def app_visible(viewer) -> dict[str, set[int]]:
    """What each item's own app shows the viewer."""
    return {
        DocumentType.CALL: set(calls_visible_to(viewer).values_list("pk", flat=True)),
        DocumentType.SITE: set(sites_visible_to(viewer).values_list("pk", flat=True)),
        DocumentType.CODEV: set(projects_visible_to(viewer).values_list("pk", flat=True)),
        DocumentType.NEWS: set(news_visible_to(viewer).values_list("pk", flat=True)),
    }


def title_of(item) -> str:
    return item.name if isinstance(item, FieldSite) else item.title


def found(viewer, **filters):
    results = search_visible_to(viewer, WORD, **filters)
    by_type: dict[str, set[int]] = {t: set() for t in NEW_TYPES}
    for hit in results.hits:
        by_type.setdefault(hit.type, set()).add(hit.id)
    type_counts = {o.value: o.count for f in results.facets if f.name == "type" for o in f.options}
    return results, by_type, type_counts


def test_what_each_viewer_finds_is_exactly_what_the_rules_allow(network, items):
    titles = {kind: title_of(item) for kind, item in items.items()}
    everyone = {"全网申报", "公开基地", "发布项目", "公开动态"}
    expect = {
        "匿名": {"公开基地", "公开动态"},
        "city": everyone | {"本校申报", "联盟申报", "本系统基地", "对口基地", "本校发布项目"},
        # 协作 items are also seen across the owner's system (city's branches)
        "city-a": everyone | {"本系统基地", "联盟申报", "对口基地"},
        "city-b": everyone | {"联盟申报", "对口基地"},  # a sibling is not in city-a's system
        "far": everyone | {"联盟申报"},
        "partner": everyone | {"对口基地"},
        "stranger": everyone,
        "甲区教务": everyone | {"本系统基地", "联盟申报", "对口基地"},
    }
    for name, viewer in viewers(network).items():
        results, _, type_counts = found(viewer)
        seen = {h.title for h in results.hits if h.type in NEW_TYPES}
        if name == "系统管理员":
            wanted = set(titles) - {"未发布申报", "在建项目", "成员动态"}
        else:
            wanted = expect[name]
        assert seen == {titles[k] for k in wanted}, name
        assert results.total == len(seen), name
        assert sum(type_counts.get(t, 0) for t in NEW_TYPES) == len(seen), name


def test_no_result_total_or_facet_ever_exceeds_the_apps_own_visibility(network, items):
    for name, viewer in viewers(network).items():
        allowed = app_visible(viewer)
        for doc_type in NEW_TYPES:
            results, by_type, type_counts = found(viewer, type=doc_type)
            assert by_type[doc_type] <= allowed[doc_type], (name, doc_type)
            assert {h.type for h in results.hits} <= {doc_type}, (name, doc_type)
            assert results.total == len(by_type[doc_type]) == type_counts.get(doc_type, 0), (name, doc_type)


def test_items_seen_only_by_their_team_or_members_are_not_indexed(network, items):
    """A project before publication and members-only news: their apps show them to a few people,
    which no sharing scope can express, so search leaves them out — even for those people."""
    assert items["未发布申报"].pk in app_visible(member(network.city, is_research_staff=True))["call"]
    assert items["在建项目"].pk in app_visible(member(network.city, is_teaching_staff=True))["codev"]
    assert items["成员动态"].pk in app_visible(member(network.far))["news"]
    indexed = set(SearchDocument.objects.values_list("title", flat=True))
    for kind in ("未发布申报", "在建项目", "成员动态"):
        assert title_of(items[kind]) not in indexed
    admin = platform_admin(PlatformRoleKind.SYSTEM)
    results, _, _ = found(admin)
    assert items["在建项目"].title not in {h.title for h in results.hits}


def test_codev_documents_follow_their_course(network, items):
    """A published project carries its course's sharing: re-sharing the course re-indexes it."""
    project = items["发布项目"]
    course = project.course
    stranger = member(network.stranger)
    assert project.pk in found(stranger)[1]["codev"]
    course.scope = SharingScope.SCHOOL
    course.save(update_fields=["scope"])
    index(course)
    assert project.pk not in found(stranger)[1]["codev"]
    assert project.pk not in app_visible(stranger)["codev"]
    assert project.pk in found(member(network.city))[1]["codev"]
    doc = SearchDocument.objects.get(doc_type=DocumentType.CODEV, object_id=project.pk)
    assert (doc.scope, doc.owner_school_id) == (SharingScope.SCHOOL, network.city.pk)


def test_news_made_members_only_leaves_the_index(network, items):
    news = items["公开动态"]
    assert news.pk in found(AnonymousUser())[1]["news"]
    news.is_public = False
    news.save(update_fields=["is_public"])
    index(news)
    assert news.pk not in found(AnonymousUser())[1]["news"]
    assert news.pk not in found(member(network.stranger))[1]["news"]


def test_hits_link_to_their_apps_with_chinese_labels(network, items):
    results, _, _ = found(member(network.city))
    by_title = {h.title: h for h in results.hits}
    expect = {
        "全网申报": ("课题申报", f"/calls/{items['全网申报'].pk}/"),
        "对口基地": ("现场教学基地", f"/sites/{items['对口基地'].pk}/"),
        "发布项目": ("共建项目", f"/codev/projects/{items['发布项目'].pk}/"),
        "公开动态": ("联盟动态", f"/alliances/news/{items['公开动态'].pk}/"),
    }
    for kind, (label, url) in expect.items():
        hit = by_title[title_of(items[kind])]
        assert (hit.type_label, hit.url) == (label, url), kind


def test_rebuild_indexes_the_same_documents(network, items):
    new = SearchDocument.objects.filter(doc_type__in=NEW_TYPES)
    before = set(new.values_list("doc_type", "object_id", "scope", "owner_school_id"))
    counts = rebuild_index()
    after = set(new.values_list("doc_type", "object_id", "scope", "owner_school_id"))
    assert after == before
    assert {t: counts[t] for t in NEW_TYPES} == {"call": 3, "site": 3, "codev": 2, "news": 1}


def test_a_type_filter_names_the_new_types(network, items):
    from yiwang.core.errors import DomainError

    with pytest.raises(DomainError) as caught:
        search_visible_to(member(network.city), WORD, type="nonsense")
    assert "call（课题申报）" in caught.value.message and "news（联盟动态）" in caught.value.message
