"""The items of the graded relevance set, written by hand to read like a Party school's banks.

Everything is loaded through the banks' own services (``load``), so the index sees exactly
what a real write produces. One teacher per line: key, school, name, expertise, department,
biography, invited; topics, projects and outputs likewise. Two items are written in
traditional characters, one item is visible only inside its own school (a leak probe).
"""

from datetime import date
from types import SimpleNamespace

from tests.factories import member

from yiwang.faculty import services as faculty
from yiwang.network.enums import SharingScope
from yiwang.research import services as research
from yiwang.research.enums import MemberRole, OutputKind, ProjectCategory, ProjectLevel, ProjectStatus
from yiwang.topics import services as topics
from yiwang.topics.enums import DisciplineCategory as C
from yiwang.topics.enums import PublicationStatus, TeachingForm

TEACHERS = [
    ("t_zwg", "city", "张卫国", "乡村振兴、农村改革", "经济学教研部", "长期从事农业农村现代化研究。", False),
    ("t_zwgu", "far", "张伟光", "城市规划、城市更新", "公共管理教研部", "主持多项城市规划课题。", False),
    (
        "t_oymh",
        "far",
        "欧阳明辉",
        "粤港澳大湾区、区域协调发展",
        "经济学教研部",
        "研究区域经济与开放型经济。",
        False,
    ),
    ("t_oyl", "city-a", "欧阳兰", "廉政建设、纪律教育", "党史党建教研部", "从事党风廉政建设教学。", False),
    ("t_smxn", "city", "司马晓宁", "党史党建、红色文化", "党史党建教研部", "讲授党史专题二十余年。", False),
    (
        "t_zgwq",
        "partner",
        "诸葛文清",
        "法治政府、行政执法",
        "政治与法学教研部",
        "研究依法行政与执法规范化。",
        False,
    ),
    ("t_lxf", "city-b", "林晓峰", "数字政府、营商环境", "公共管理教研部", "关注政务服务改革。", False),
    ("t_hjx", "city", "何嘉欣", "生态文明、绿色发展", "社会学教研部", "研究生态产品价值实现机制。", False),
    ("t_cyt", "far", "陈雨桐", "人工智能、数字经济", "科技创新教研部", "研究人工智能治理与数字产业。", False),
    ("t_zml", "city", "郑美玲", "基层治理、社区治理", "社会学教研部", "长期在街道社区开展调研。", False),
    ("t_hzq", "city-a", "黄志强", "新质生产力、科技创新", "经济学教研部", "研究创新驱动发展战略。", False),
    ("t_lgy", "city", "梁国勇", "廉洁文化、警示教育", "", "区纪委监委干部，受邀讲授警示教育课。", True),
    (
        "t_swb",
        "city",
        "宋文博",
        "党的二十大精神、中国式现代化",
        "马克思主义理论教研部",
        "从事党的创新理论宣讲。",
        False,
    ),
    ("t_fjh", "partner", "冯建华", "县域经济、百千万工程", "经济学教研部", "研究县域经济与城乡融合。", False),
    ("t_xyf", "far", "许一帆", "海洋经济、港口物流", "经济学教研部", "研究港口与航运产业。", False),
    ("t_tll", "city", "谭丽丽", "革命传统教育、现场教学", "党史党建教研部", "负责革命旧址现场教学。", False),
    ("t_ghl", "city-b", "郭海龙", "应急管理、安全生产", "公共管理教研部", "研究应急管理体系建设。", False),
    ("t_sgyq", "city", "上官云清", "统一战线、民族宗教", "统战理论教研部", "研究新时代统一战线工作。", False),
]

# key, school, title, teachers, category, keywords, summary (, form)
TOPICS = [
    (
        "p_rural",
        "city",
        "乡村振兴战略的理论与实践",
        ["t_zwg"],
        C.ECONOMY,
        "乡村振兴、农业农村现代化",
        "阐释乡村振兴战略总要求，分析产业振兴、人才振兴、文化振兴、生态振兴、组织振兴的实践路径。",
    ),
    (
        "p_bxqz",
        "partner",
        "百县千镇万村高质量发展工程的广东探索",
        ["t_fjh"],
        C.ECONOMY,
        "县域经济、城乡融合",
        "解读百县千镇万村高质量发展工程的部署，分析县镇村协同发展与城乡区域协调。",
    ),
    (
        "p_bqw",
        "partner",
        "县域经济发展与百千万工程",
        ["t_fjh"],
        C.ECONOMY,
        "百千万工程、县域经济",
        "结合粤东粤西粤北的县域实践，讲授百千万工程的抓手与成效。",
    ),
    (
        "p_20",
        "city",
        "学习贯彻党的二十大精神",
        ["t_swb"],
        C.THEORY,
        "二十大、中国式现代化",
        "全面学习党的二十大报告，深刻理解中国式现代化的中国特色和本质要求。",
    ),
    (
        "p_20full",
        "city",
        "中国共产党第二十次全国代表大会报告中的民生篇",
        ["t_swb"],
        C.THEORY,
        "民生福祉",
        "解读第二十次全国代表大会报告关于增进民生福祉、提高人民生活品质的部署。",
    ),
    (
        "p_2shan",
        "city",
        "绿水青山就是金山银山理念的浙江实践",
        ["t_hjx"],
        C.ECOLOGY,
        "生态产品价值实现",
        "从安吉余村的实践看生态产品价值实现机制。",
    ),
    (
        "p_eco",
        "city",
        "生态文明建设与绿色低碳发展",
        ["t_hjx"],
        C.ECOLOGY,
        "生态文明、双碳",
        "讲授碳达峰碳中和目标下的绿色转型与美丽中国建设。",
    ),
    (
        "p_digital",
        "city-b",
        "数字政府建设与营商环境优化",
        ["t_lxf"],
        C.ECONOMY,
        "数字政府、营商环境",
        "以一网通办、一网统管为抓手，持续优化市场化法治化国际化营商环境。",
    ),
    (
        "p_ai",
        "far",
        "人工智能赋能社会治理",
        ["t_cyt"],
        C.GOVERNANCE,
        "AI、人工智能、社会治理",
        "探讨AI赋能城市治理的应用场景与伦理风险。",
    ),
    (
        "p_5g",
        "far",
        "5G与数字经济新基建",
        ["t_cyt"],
        C.ECONOMY,
        "5G、新型基础设施",
        "分析5G网络、数据中心等新型基础设施对数字经济的带动作用。",
    ),
    (
        "p_grass",
        "city",
        "新时代基层治理现代化的探索",
        ["t_zml"],
        C.GOVERNANCE,
        "基层治理、社区治理",
        "介绍网格化管理、接诉即办和社区议事协商的经验做法。",
    ),
    (
        "p_npf",
        "city-a",
        "以新质生产力推动高质量发展",
        ["t_hzq"],
        C.ECONOMY,
        "新质生产力",
        "阐释新质生产力的科学内涵与形成路径，探讨科技创新与产业升级。",
    ),
    (
        "p_clean",
        "city",
        "廉洁文化建设与警示教育",
        ["t_lgy", "t_oyl"],
        C.PARTY,
        "警示教育",
        "以典型案例开展警示教育，推动不敢腐、不能腐、不想腐一体推进。",
    ),
    (
        "p_qinglian",
        "city-a",
        "清廉机关建设的实践路径",
        ["t_oyl"],
        C.PARTY,
        "机关党建",
        "推进清廉机关建设，压实管党治党政治责任。",
    ),
    (
        "p_dujiang",
        "city",
        "渡江战役纪念馆现场教学",
        ["t_tll"],
        C.CULTURE,
        "革命传统教育",
        "在纪念馆追寻百万雄师过大江的革命精神。",
        TeachingForm.FIELD,
    ),
    (
        "p_gudu",
        "city",
        "古渡口的红色记忆",
        ["t_tll"],
        C.CULTURE,
        "红色资源",
        "讲述老码头摆渡支前、军民鱼水情深的故事。",
        TeachingForm.FIELD,
    ),
    (
        "p_history",
        "city",
        "党史学习教育中的红色故事",
        ["t_smxn"],
        C.PARTY,
        "党史学习教育",
        "讲好党史中的红色故事，赓续红色血脉。",
    ),
    (
        "p_red",
        "city",
        "红色文化资源的保护与利用",
        ["t_smxn"],
        C.CULTURE,
        "红色文化",
        "以革命旧址为例，讲述红色文化资源保护利用的做法。",
    ),
    (
        "p_law",
        "partner",
        "法治政府建设的重点任务",
        ["t_zgwq"],
        C.POLITICS,
        "依法行政",
        "围绕严格规范公正文明执法，梳理法治政府建设的重点任务。",
    ),
    (
        "p_sea",
        "far",
        "海洋经济高质量发展",
        ["t_xyf"],
        C.ECONOMY,
        "港口、航运",
        "分析港口航运和临港产业的发展机遇。",
    ),
    (
        "p_gba",
        "far",
        "粤港澳大湾区规则衔接与机制对接",
        ["t_oymh"],
        C.ECONOMY,
        "规则衔接",
        "解读大湾区建设中的规则衔接和机制对接。",
    ),
    (
        "p_emergency",
        "city-b",
        "应急管理体系和能力现代化",
        ["t_ghl"],
        C.GOVERNANCE,
        "应急管理",
        "总结防汛抗旱、安全生产和应急指挥的经验。",
    ),
    (
        "p_united",
        "city",
        "新时代统一战线工作",
        ["t_sgyq"],
        C.POLITICS,
        "统一战线",
        "做好民族宗教、侨务和新的社会阶层人士统战工作。",
    ),
    (
        "p_modern",
        "city",
        "中国式现代化的本质要求",
        ["t_swb"],
        C.THEORY,
        "中国式现代化",
        "从五个方面的中国特色理解中国式现代化。",
    ),
    (
        "p_branch",
        "city",
        "基层党组织标准化规范化建设",
        ["t_zml"],
        C.PARTY,
        "党支部",
        "推进基层党组织建设，发挥战斗堡垒作用。",
    ),
    (
        "p_fgf",
        "city-b",
        "放管服改革与政务服务效能",
        ["t_lxf"],
        C.GOVERNANCE,
        "政务服务",
        "深化简政放权、放管结合、优化服务改革，提升政务服务效能。",
    ),
    (
        "p_belt",
        "far",
        "共建一带一路的机遇与实践",
        ["t_xyf"],
        C.ECONOMY,
        "对外开放",
        "分析共建一带一路倡议下港口城市的开放合作。",
    ),
    (
        "p_village",
        "city",
        "乡村治理中的村民自治",
        ["t_zml"],
        C.GOVERNANCE,
        "乡村治理",
        "健全自治、法治、德治相结合的乡村治理体系。",
    ),
    (
        "p_renewal",
        "far",
        "城市更新与老旧小区改造",
        ["t_zwgu"],
        C.GOVERNANCE,
        "城市更新",
        "总结老旧小区改造中的居民参与和资金筹措。",
    ),
    (
        "p_survey",
        "city-a",
        "领导干部的调查研究能力",
        ["t_hzq"],
        C.LEADERSHIP,
        "调查研究",
        "大兴调查研究之风，掌握蹲点调研、解剖麻雀的方法。",
    ),
    (
        "p_macau",
        "far",
        "澳門特區的社會治理經驗",
        ["t_oymh"],
        C.GOVERNANCE,
        "社會治理、公共服務",
        "介紹澳門社團參與社區治理與公共服務的做法。",
    ),
    (
        "p_tradrural",
        "city",
        "鄉村產業振興的路徑選擇",
        ["t_zwg"],
        C.ECONOMY,
        "產業振興",
        "從特色農業與農村電商看鄉村產業發展。",
    ),
]

# A topic only its own school may see: must never reach the viewer.
PRIVATE_TOPIC = (
    "p_private",
    "far",
    "乡村振兴内部研讨提纲",
    ["t_xyf"],
    C.ECONOMY,
    "乡村振兴",
    "乡村振兴内部材料。",
)

# key, school, title, principal, members, category, start, summary, keywords
PROJECTS = [
    (
        "r_bqw",
        "partner",
        "百千万工程实施路径研究",
        "t_fjh",
        ["t_zwg"],
        ProjectCategory.CONSULTING,
        date(2024, 3, 1),
        "研究百千万工程在县镇村的实施路径与评价。",
        "百千万工程",
    ),
    (
        "r_grass",
        "city",
        "基层治理数字化转型研究",
        "t_zml",
        [],
        ProjectCategory.OTHER,
        date(2023, 5, 1),
        "基层治理中的数字化工具应用与网格化管理研究。",
        "基层治理、数字化",
    ),
    (
        "r_tank",
        "city-a",
        "新型智库建设评价体系研究",
        "t_hzq",
        [],
        ProjectCategory.THINK_TANK,
        date(2022, 9, 1),
        "构建党校新型智库建设评价指标体系。",
        "新型智库",
    ),
    (
        "r_ai",
        "far",
        "人工智能赋能政务服务研究",
        "t_cyt",
        ["t_lxf"],
        ProjectCategory.CONSULTING,
        date(2024, 6, 1),
        "研究大模型等人工智能技术在政务服务中的应用。",
        "人工智能、政务服务",
    ),
]

# key, school, title, authors, kind, published, abstract, author_text
OUTPUTS = [
    (
        "o_npf",
        "city-a",
        "关于加快发展新质生产力的咨政报告",
        ["t_hzq"],
        OutputKind.ADVISORY,
        date(2024, 5, 10),
        "就本地发展新质生产力提出五条建议。",
        "",
    ),
    (
        "o_biz",
        "city-b",
        "关于优化营商环境的咨政报告",
        ["t_lxf"],
        OutputKind.ADVISORY,
        date(2023, 8, 1),
        "针对企业开办和政务服务提出改进建议。",
        "",
    ),
    (
        "o_rural",
        "city",
        "乡村振兴视域下的农村集体经济发展",
        ["t_zwg"],
        OutputKind.PAPER,
        date(2023, 3, 1),
        "分析农村集体经济在乡村振兴中的作用与发展壮大路径。",
        "",
    ),
    (
        "o_gba",
        "far",
        "粤港澳大湾区规则衔接研究",
        ["t_oymh"],
        OutputKind.REPORT,
        date(2024, 11, 1),
        "研究大湾区规则衔接、机制对接的重点领域。",
        "",
    ),
    (
        "o_bqw",
        "partner",
        "关于推进百千万工程的对策建议",
        ["t_fjh"],
        OutputKind.ADVISORY,
        date(2024, 2, 1),
        "就推进百千万工程提出县域发展的对策。",
        "",
    ),
    (
        "o_clean",
        "city-a",
        "廉洁文化进机关的调查",
        ["t_oyl"],
        OutputKind.PAPER,
        date(2022, 10, 1),
        "对机关廉洁文化建设的问卷调查与分析。",
        "",
    ),
    (
        "o_5g",
        "far",
        "数字经济与5G产业发展报告",
        ["t_cyt"],
        OutputKind.REPORT,
        date(2024, 9, 1),
        "梳理5G产业链与数字经济的融合发展。",
        "",
    ),
    (
        "o_2shan",
        "city",
        "绿水青山转化为金山银山的路径研究",
        ["t_hjx"],
        OutputKind.PAPER,
        date(2023, 11, 1),
        "研究生态产品价值实现与两山转化。",
        "周立民",
    ),
]

SCHOOLS = {"city": "city", "city-a": "branch_a", "city-b": "branch_b", "far": "far", "partner": "partner"}


def load(network) -> SimpleNamespace:
    """Create every item through the services; returns key → (doc type, id)."""
    schools = {code: getattr(network, attr) for code, attr in SCHOOLS.items()}
    staff = {
        code: member(school, is_school_admin=True, is_research_staff=True) for code, school in schools.items()
    }
    keys: dict[str, tuple[str, int]] = {}
    teachers = {}
    for key, code, name, expertise, department, bio, invited in TEACHERS:
        extra = {"employer": "某区纪委监委"} if invited else {}
        teachers[key] = faculty.create_teacher(
            by=staff[code],
            school=schools[code],
            name=name,
            scope=SharingScope.NETWORK,
            expertise=expertise,
            department=department,
            bio=bio,
            is_invited=invited,
            **extra,
        )
        keys[key] = ("teacher", teachers[key].pk)
    for row in [*TOPICS, PRIVATE_TOPIC]:
        key, code, title, who, category, keywords, summary = row[:7]
        form = row[7] if len(row) > 7 else TeachingForm.LECTURE
        topic = topics.create_topic(
            by=staff[code],
            school=schools[code],
            title=title,
            teachers=[teachers[t] for t in who],
            category=category,
            form=form,
            scope=SharingScope.SCHOOL if row is PRIVATE_TOPIC else SharingScope.NETWORK,
            status=PublicationStatus.PUBLISHED,
            keywords=keywords,
            summary=summary,
        )
        keys[key] = ("topic", topic.pk)
    for key, code, title, lead, members, category, start, summary, keywords in PROJECTS:
        project = research.create_project(
            by=staff[code],
            school=schools[code],
            title=title,
            level=ProjectLevel.MUNICIPAL,
            category=category,
            principal_investigator=teachers[lead],
            start_date=start,
            end_date=date(start.year + 2, start.month, 1),
            members=[(teachers[m], MemberRole.MEMBER) for m in members],
            summary=summary,
            keywords=keywords,
            status=ProjectStatus.ONGOING,
            scope=SharingScope.NETWORK,
        )
        keys[key] = ("project", project.pk)
    for key, code, title, authors, kind, published, abstract, author_text in OUTPUTS:
        output = research.create_output(
            by=staff[code],
            school=schools[code],
            kind=kind,
            title=title,
            published_on=published,
            authors=[teachers[a] for a in authors],
            abstract=abstract,
            author_text=author_text,
            scope=SharingScope.NETWORK,
        )
        keys[key] = ("output", output.pk)
    return SimpleNamespace(keys=keys, schools=schools)
