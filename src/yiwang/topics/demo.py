"""Demo topics (讲题库): at least 150 lecture topics on the themes of the articles, all teaching
forms and audiences, spread over the five sharing scopes. Guangzhou's five teaching modules
come from the course bank's demo (``courses.demo.ensure_gz_modules``).
Idempotent (found by owner school + title) and deterministic."""

import random

from django.db import transaction

from yiwang.courses.demo import ensure_gz_modules
from yiwang.faculty.demo import scope_and_sharing, sharing_options
from yiwang.faculty.models import Teacher
from yiwang.network.models import School

from .enums import Audience, DisciplineCategory, PublicationStatus, TeachingForm
from .models import Topic
from .services import create_topic

# theme: (category, module index or None, keywords, titles)
THEMES = {
    "百千万工程": (
        DisciplineCategory.ECONOMY,
        3,
        "百千万工程、县域经济、城乡融合",
        [
            "深入实施“百县千镇万村高质量发展工程”的实践路径",
            "县域经济高质量发展的广东探索",
            "强镇兴村：镇域经济的定位与发展",
            "百千万工程中的典型村建设经验",
            "城乡区域协调发展与百千万工程",
            "百千万工程背景下的基层干部能力提升",
            "从“盆景”到“风景”：典型镇村示范带建设",
        ],
    ),
    "乡村振兴": (
        DisciplineCategory.ECONOMY,
        None,
        "乡村振兴、农业农村现代化、共同富裕",
        [
            "全面推进乡村振兴的理论逻辑与实践要求",
            "乡村产业振兴：特色农业与三产融合",
            "驻镇帮镇扶村工作机制与成效",
            "乡村治理体系建设中的自治法治德治",
            "和美乡村建设的路径选择",
            "乡村人才振兴与新型职业农民培育",
            "农村集体经济发展的现场教学",
        ],
    ),
    "高质量发展": (
        DisciplineCategory.ECONOMY,
        2,
        "高质量发展、新发展理念、现代化产业体系",
        [
            "完整准确全面贯彻新发展理念推动高质量发展",
            "建设现代化产业体系的广东实践",
            "制造业当家与实体经济发展",
            "优化营商环境的改革探索",
            "千年商都的国际商贸中心建设",
            "综合交通枢纽与城市能级提升",
            "扩大内需战略与消费中心城市建设",
        ],
    ),
    "基层治理": (
        DisciplineCategory.GOVERNANCE,
        3,
        "基层治理、党建引领、网格化",
        [
            "党建引领基层治理的机制创新",
            "超大城市社区治理的广州经验",
            "新时代“枫桥经验”的坚持和发展",
            "网格化服务管理与精细化治理",
            "城中村治理与城市更新",
            "基层减负与治理效能提升",
            "群众工作方法与信访矛盾化解",
            "应急管理体系和能力现代化",
        ],
    ),
    "党史": (
        DisciplineCategory.PARTY,
        1,
        "党史、红色资源、革命精神",
        [
            "广州起义与英雄城市的红色基因",
            "农民运动讲习所旧址现场教学",
            "黄埔军校旧址现场教学：大革命时期的国共合作",
            "中共三大会址纪念馆现场教学",
            "杨匏安旧居与早期马克思主义传播",
            "从党的百年奋斗历史经验中汲取前进力量",
            "红色资源的保护利用与党性教育",
            "毛泽东在广州的革命活动",
        ],
    ),
    "党的建设": (
        DisciplineCategory.PARTY,
        0,
        "全面从严治党、作风建设、党性修养",
        [
            "以党的自我革命引领社会革命",
            "深入推进全面从严治党向纵深发展",
            "党员干部党性修养与作风建设",
            "新时代好干部标准与干部担当作为",
            "加强党的纪律建设的重点任务",
            "基层党组织组织力提升",
        ],
    ),
    "两个确立": (
        DisciplineCategory.THEORY,
        0,
        "两个确立、两个维护、政治能力",
        [
            "深刻领悟“两个确立”的决定性意义",
            "提高政治判断力、政治领悟力、政治执行力",
            "学习贯彻习近平新时代中国特色社会主义思想的方法论",
            "中国式现代化的理论内涵与实践要求",
            "马克思主义中国化时代化的新飞跃",
            "牢记嘱托：习近平总书记对广东工作的重要指示精神",
        ],
    ),
    "数字经济": (
        DisciplineCategory.ECONOMY,
        4,
        "数字经济、数据要素、数字政府",
        [
            "数字经济发展趋势与领导干部数字素养",
            "数据要素市场化配置改革",
            "数字政府建设与“一网通办”",
            "人工智能赋能产业转型升级",
            "平台经济规范健康发展",
            "数字化转型中的城市治理",
        ],
    ),
    "粤港澳大湾区": (
        DisciplineCategory.ECONOMY,
        4,
        "粤港澳大湾区、南沙、规则衔接",
        [
            "粤港澳大湾区建设的战略意义与推进路径",
            "南沙深化面向世界的粤港澳全面合作",
            "大湾区规则衔接与机制对接",
            "横琴、前海、南沙重大合作平台比较",
            "大湾区国际科技创新中心建设",
            "湾区青年创新创业与人文交流",
        ],
    ),
    "新质生产力": (
        DisciplineCategory.ECONOMY,
        4,
        "新质生产力、科技创新、战略性新兴产业",
        [
            "因地制宜发展新质生产力",
            "科技创新引领产业创新",
            "战略性新兴产业与未来产业布局",
            "新质生产力与高水平科技自立自强",
            "创新生态建设与企业主体地位",
        ],
    ),
    "法治": (
        DisciplineCategory.POLITICS,
        None,
        "法治政府、依法行政、法治思维",
        [
            "领导干部运用法治思维和法治方式",
            "法治政府建设的重点任务",
            "行政执法规范化与案例分析",
            "营商环境法治化建设",
        ],
    ),
    "文化": (
        DisciplineCategory.CULTURE,
        1,
        "文化强省、岭南文化、文化自信",
        [
            "岭南文化的传承与创新",
            "建设文化强省的路径与举措",
            "坚定文化自信与社会主义文化强国建设",
            "非物质文化遗产保护与活化利用",
        ],
    ),
    "生态文明": (
        DisciplineCategory.ECOLOGY,
        None,
        "生态文明、绿美广东、双碳",
        [
            "绿美广东生态建设的实践与思考",
            "碳达峰碳中和的路径选择",
            "河长制与流域综合治理",
            "绿水青山就是金山银山的实践转化",
        ],
    ),
    "领导能力": (
        DisciplineCategory.LEADERSHIP,
        None,
        "调查研究、领导力、危机应对",
        [
            "大兴调查研究之风的方法与实践",
            "领导干部媒介素养与舆情应对",
            "突发事件应对情景模拟",
            "领导干部的战略思维与系统思维",
            "狠抓落实的工作方法",
            "新任领导干部的角色转换",
        ],
    ),
    "川滇黔协作": (
        DisciplineCategory.GOVERNANCE,
        None,
        "川滇黔、区域协作、红色资源",
        [
            "鸡鸣三省：毗邻地区协同治理现场教学",
            "绝壁天渠精神与干部担当",
            "扎西会议与遵义会议精神的传承",
            "赤水河流域生态保护协同机制",
            "毗邻区县党校协作的机制与成效",
        ],
    ),
    "对口支援": (
        DisciplineCategory.GOVERNANCE,
        None,
        "对口支援、东西部协作、援疆援藏",
        [
            "东西部协作与对口支援的广州实践",
            "援疆援藏干部的使命与担当",
            "产业协作与消费帮扶",
            "对口支援地区干部人才培养",
        ],
    ),
}
FORM_CYCLE = list(TeachingForm.values)
SUMMARY = (
    "本讲围绕{theme}，结合{place}实际，讲清{kw}的政策脉络、理论逻辑与实践路径，"
    "通过典型案例分析帮助学员提升推动工作落实的能力。"
)
OUTLINE = "一、{a}的时代背景与理论依据\n二、{place}推进{a}的实践探索\n三、面临的问题与对策思考\n四、互动研讨"


def _teachers_by_school() -> dict[int, list[Teacher]]:
    result: dict[int, list[Teacher]] = {}
    for teacher in (
        Teacher.objects.filter(is_active=True, is_invited=False)
        .select_related("owner_school")
        .order_by("owner_school__code", "name_pinyin", "id")
    ):
        result.setdefault(teacher.owner_school_id, []).append(teacher)
    return result


def _plan(rng: random.Random, schools: dict[int, School]) -> list[tuple]:
    """(theme, title, school id) for every demo topic: each title once, popular ones also at a second school."""
    school_ids = sorted(schools)
    gz_ids = [pk for pk in school_ids if schools[pk].code == "gz" or schools[pk].code.startswith("gz-")]
    lz_ids = [
        pk
        for pk in school_ids
        if schools[pk].code
        in {"lz", "lz-xuyong", "lz-gulin", "lz-hejiang", "xingwen", "bj-qixingguan", "weixin", "zhenxiong"}
    ]
    plan = []
    for theme, (_, _, _, titles) in THEMES.items():
        pool = (
            lz_ids if theme == "川滇黔协作" else (gz_ids if theme in ("党史", "粤港澳大湾区") else school_ids)
        )
        for title in titles:
            plan.append((theme, title, rng.choice(pool or school_ids)))
    extra = list(plan)
    rng.shuffle(extra)
    for theme, title, school_id in extra[:60]:
        other = rng.choice([pk for pk in school_ids if pk != school_id])
        plan.append((theme, f"{title}——{schools[other].short_name}的实践", other))
    return plan


@transaction.atomic
def load(*, scale: int = 0, log) -> None:
    rng = random.Random(20261124)
    modules = ensure_gz_modules(log)
    teachers = _teachers_by_school()
    schools = {s.pk: s for s in School.objects.filter(pk__in=teachers)}
    if not schools:
        return
    sharing = sharing_options()
    audiences = list(Audience.values)
    for index, (theme, title, school_id) in enumerate(_plan(rng, schools)):
        category, module_index, keywords, _ = THEMES[theme]
        school = schools[school_id]
        lead = rng.choice(teachers[school_id])
        picked = [lead]
        if rng.random() < 0.2 and len(teachers[school_id]) > 1:
            picked.append(rng.choice([t for t in teachers[school_id] if t != lead]))
        scope, alliances, partnerships = scope_and_sharing(rng, school, sharing)
        module = (
            modules[module_index]
            if module_index is not None and modules and (school.code == "gz" or school.code.startswith("gz-"))
            else None
        )
        fields = {
            "form": FORM_CYCLE[index % len(FORM_CYCLE)],
            "category": category,
            "audiences": rng.sample(audiences, k=rng.randint(1, 3)),
            "hours": rng.choice(["1.5", "2", "3", "3", "3", "4", "6"]),
            "keywords": keywords,
            "module": module,
            "summary": SUMMARY.format(theme=theme, place=school.short_name, kw=keywords.split("、")[0]),
            "outline": OUTLINE.format(a=theme, place=school.short_name),
            "status": PublicationStatus.DRAFT if index % 11 == 0 else PublicationStatus.PUBLISHED,
        }
        if Topic.objects.filter(owner_school=school, title=title).exists():
            log.count(False)
            continue
        create_topic(
            by=None,
            school=school,
            title=title,
            teachers=picked,
            scope=scope,
            alliances=alliances,
            partnerships=partnerships,
            **fields,
        )
        log.count(True)
