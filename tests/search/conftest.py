"""A small, realistic search corpus over the ``network`` fixture (like the demo: fictional people)."""

from datetime import date
from types import SimpleNamespace

import pytest
from tests.factories import member
from tests.factories.search import (
    make_course,
    make_module,
    make_output,
    make_project,
    make_teacher,
    make_topic,
)

from yiwang.courses.enums import CourseKind
from yiwang.network.enums import SharingScope
from yiwang.research.enums import OutputKind, ProjectCategory
from yiwang.search.services import rebuild_index
from yiwang.topics.enums import DisciplineCategory, PublicationStatus, TeachingForm


def build_corpus(n) -> SimpleNamespace:
    t = SimpleNamespace()
    t.zhang = make_teacher(
        n.city,
        "张宏伟",
        expertise="乡村振兴、基层治理",
        department="公共管理教研部",
        bio="长期从事农村发展与乡村治理研究。",
    )
    t.li = make_teacher(n.city, "李晓红", expertise="党史党建、红色文化", department="党史党建教研部")
    t.chen = make_teacher(n.branch_a, "陈志强", expertise="新质生产力、数字经济", department="经济学教研部")
    t.wang = make_teacher(n.far, "王丽娟", expertise="生态文明、绿水青山", department="社会学教研部")
    t.liu = make_teacher(n.partner, "刘建国", expertise="粤港澳大湾区、对外开放")
    t.huang = make_teacher(n.city, "黄思源", expertise="法治政府、依法治国", department="政治与法学教研部")
    t.zhou = make_teacher(n.branch_b, "周雅琳", expertise="社会治理、网格化管理")
    t.zeng = make_teacher(n.city, "曾凡华", expertise="决策咨询、新型智库", department="决策咨询部")
    t.wu = make_teacher(
        n.far, "吴俊峰", expertise="百千万工程、县域经济", is_invited=True, employer="某市发展改革局"
    )
    t.sun = make_teacher(n.city, "孙秀英", expertise="意识形态", scope=SharingScope.SCHOOL)

    module = make_module(n.city, "英雄城市·薪火永续")
    t.module = module
    t.p_rural = make_topic(
        n.city,
        "推进乡村振兴的广州实践",
        teachers=[t.zhang],
        keywords="乡村振兴、百千万工程",
        summary="围绕百千万工程，讲授乡村振兴与基层治理的路径，结合从化、增城的典型案例。",
        audiences="young,main",
    )
    t.p_gov = make_topic(
        n.city,
        "新时代基层治理现代化的探索",
        teachers=[t.zhang, t.zhou],
        keywords="基层治理、社会治理",
        summary="分析基层治理现代化的体制机制，介绍网格化管理和接诉即办的经验。",
        audiences="main",
    )
    t.p_npf = make_topic(
        n.branch_a,
        "以新质生产力推动高质量发展",
        teachers=[t.chen],
        category=DisciplineCategory.ECONOMY,
        keywords="新质生产力、高质量发展",
        summary="阐释新质生产力的科学内涵，探讨科技创新与产业升级的实践路径。",
    )
    t.p_red = make_topic(
        n.city,
        "红色文化资源的保护与利用",
        teachers=[t.li],
        form=TeachingForm.FIELD,
        category=DisciplineCategory.CULTURE,
        summary="以广州红色资源为例，讲述红色文化资源保护利用的做法。",
        module=module,
    )
    t.p_gba = make_topic(
        n.partner,
        "粤港澳大湾区建设的机遇与挑战",
        teachers=[t.liu],
        category=DisciplineCategory.ECONOMY,
        summary="解读粤港澳大湾区发展规划纲要，分析规则衔接与对外开放。",
    )
    t.p_eco = make_topic(
        n.far,
        "绿水青山就是金山银山的理论与实践",
        teachers=[t.wang],
        category=DisciplineCategory.ECOLOGY,
        summary="结合生态文明建设的地方实践，讲授绿色发展理念。",
    )
    t.p_law = make_topic(
        n.city,
        "法治政府建设的重点任务",
        teachers=[t.huang],
        category=DisciplineCategory.POLITICS,
        summary="围绕依法行政，梳理法治政府建设的重点任务与评价。",
    )
    t.p_grid = make_topic(
        n.branch_b, "网格化管理与接诉即办", teachers=[t.zhou], summary="介绍城市社区网格化管理的做法和成效。"
    )
    t.p_history = make_topic(
        n.city,
        "党史学习教育中的红色故事",
        teachers=[t.li],
        category=DisciplineCategory.PARTY,
        summary="讲好党史中的红色故事，增强理想信念。",
    )
    t.p_digital = make_topic(
        n.branch_a,
        "数字政府与营商环境优化",
        teachers=[t.chen],
        category=DisciplineCategory.ECONOMY,
        summary="以数字政府建设为抓手，持续优化营商环境。",
    )
    t.p_county = make_topic(
        n.far,
        "县域经济高质量发展的路径",
        teachers=[t.wu],
        category=DisciplineCategory.ECONOMY,
        summary="比较研究县域经济的发展模式，提出对策建议。",
    )
    t.p_two = make_topic(
        n.city,
        "深刻领悟两个确立的决定性意义",
        teachers=[t.li],
        category=DisciplineCategory.THEORY,
        summary="从历史逻辑、理论逻辑和实践逻辑阐释两个确立与两个维护。",
    )
    t.p_private = make_topic(
        n.city,
        "意识形态工作责任制的落实",
        teachers=[t.sun],
        scope=SharingScope.SCHOOL,
        summary="本校内部讲题：意识形态工作责任制。",
    )
    t.p_draft = make_topic(
        n.city,
        "人工智能与社会治理（草稿）",
        teachers=[t.zhang],
        status=PublicationStatus.DRAFT,
        summary="草稿内容。",
    )
    t.p_retired = make_topic(n.city, "旧讲题：城市更新", teachers=[t.zhang], status=PublicationStatus.RETIRED)

    t.c_field = make_course(
        n.city,
        "英雄城市·薪火永续：黄埔军校旧址现场教学",
        kind=CourseKind.FIELD,
        module=module,
        teachers=[t.li],
        place_name="黄埔军校旧址",
        summary="在黄埔军校旧址开展现场教学，追寻革命精神。",
    )
    t.c_port = make_course(
        n.city,
        "千年商都·枢纽门户：南沙新区现场教学",
        kind=CourseKind.FIELD,
        teachers=[t.liu],
        summary="走进南沙新区，感受粤港澳大湾区的开放门户建设。",
    )
    t.c_ai = make_course(
        n.branch_a,
        "智创湾区·数启未来：人工智能产业发展",
        teachers=[t.chen],
        summary="了解人工智能产业集群与数字经济发展。",
    )

    t.r_bqw = make_project(
        n.city,
        "广州市百千万工程实施路径研究",
        t.zhang,
        members=[t.zeng],
        summary="研究百千万工程在广州的实施路径与评价。",
        category=ProjectCategory.CONSULTING,
    )
    t.r_grid = make_project(
        n.branch_b,
        "基层治理数字化转型研究",
        t.zhou,
        summary="基层治理中的数字化工具应用研究。",
        start=date(2023, 5, 1),
    )
    t.r_tank = make_project(
        n.city,
        "新型智库建设评价体系研究",
        t.zeng,
        summary="构建党校新型智库建设评价指标体系。",
        category=ProjectCategory.THINK_TANK,
        start=date(2022, 9, 1),
    )
    t.o_npf = make_output(
        n.branch_a,
        "关于加快发展新质生产力的咨政报告",
        authors=[t.chen],
        abstract="就本地发展新质生产力提出五条建议。",
        kind=OutputKind.ADVISORY,
    )
    t.o_rural = make_output(
        n.city,
        "乡村振兴视域下的农村集体经济发展",
        authors=[t.zhang],
        kind=OutputKind.PAPER,
        abstract="分析农村集体经济在乡村振兴中的作用。",
        published=date(2023, 3, 1),
    )
    t.o_gba = make_output(
        n.partner,
        "粤港澳大湾区规则衔接研究",
        authors=[t.liu],
        kind=OutputKind.REPORT,
        abstract="研究大湾区规则衔接、机制对接。",
        author_text="欧阳明",
    )
    t.o_alliance = make_output(
        n.far,
        "毗邻区县党校协作机制研究",
        authors=[t.wang],
        scope=SharingScope.PARTNERS,
        kind=OutputKind.REPORT,
        abstract="总结片区协作中的协作机制。",
    )
    t.o_alliance.shared_alliances.set([n.alliance])
    return t


@pytest.fixture
def corpus(network):
    items = build_corpus(network)
    rebuild_index()
    return items


@pytest.fixture
def city_viewer(network):
    return member(network.city, is_teacher=True)


@pytest.fixture
def stranger_viewer(network):
    return member(network.stranger, is_teacher=True)
