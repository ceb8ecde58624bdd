"""Realistic Chinese text for the search benchmark (deterministic, seeded).

Titles, summaries and keywords are assembled from the vocabulary Party-school
lecture topics, courses and research actually use; names are fictional.
"""

import random

THEMES = [
    "乡村振兴",
    "基层治理",
    "新质生产力",
    "高质量发展",
    "百千万工程",
    "粤港澳大湾区",
    "中国式现代化",
    "共同富裕",
    "生态文明",
    "数字经济",
    "数字政府",
    "营商环境",
    "科技创新",
    "全面从严治党",
    "党史学习教育",
    "主题教育",
    "党性修养",
    "理想信念",
    "意识形态",
    "统一战线",
    "法治政府",
    "依法治国",
    "城市治理",
    "社会治理",
    "县域经济",
    "城乡融合",
    "红色文化",
    "红色资源",
    "文化强国",
    "海洋强国",
    "制造强国",
    "人工智能",
    "新发展理念",
    "新发展格局",
    "枫桥经验",
    "网格化管理",
    "接诉即办",
    "对口支援",
    "东西部协作",
    "两个确立",
    "两个维护",
    "群众路线",
    "干部队伍建设",
    "基层党组织建设",
    "作风建设",
    "廉政建设",
    "应急管理",
    "安全生产",
    "人口老龄化",
    "教育强国",
    "健康中国",
    "碳达峰碳中和",
    "绿水青山",
    "民营经济",
    "乡村产业",
    "农村集体经济",
    "新型城镇化",
    "对外开放",
    "一带一路",
    "国际传播",
    "舆情应对",
    "领导干部调查研究",
    "决策咨询",
    "新型智库",
    "数据要素",
    "低空经济",
]
ANGLES = [
    "理论逻辑",
    "实践路径",
    "历史经验",
    "现实意义",
    "政策解读",
    "案例分析",
    "经验启示",
    "问题与对策",
    "创新探索",
    "制度设计",
    "体制机制",
    "重点任务",
    "评价体系",
    "比较研究",
    "典型经验",
    "工作方法",
    "能力提升",
    "风险防范",
]
PLACES = [
    "广州",
    "南沙",
    "黄埔",
    "天河",
    "番禺",
    "梅州",
    "河源",
    "肇庆",
    "清远",
    "龙岩",
    "毕节",
    "泸州",
    "叙永",
    "古蔺",
    "威信",
    "镇雄",
    "疏附",
    "波密",
    "从化",
    "增城",
    "越秀",
    "海珠",
    "荔湾",
    "白云",
    "花都",
]
TITLE_TEMPLATES = [
    "{theme}的{angle}",
    "以{theme}推动{theme2}的{angle}",
    "{place}{theme}的{angle}",
    "新时代{theme}的{angle}",
    "{theme}与{theme2}：{angle}",
    "深入推进{theme}——{place}的{angle}",
    "关于{theme}的若干思考",
    "{theme}背景下{theme2}的{angle}",
    "从{place}实践看{theme}",
    "{theme}专题讲座",
]
SENTENCES = [
    "本讲围绕{theme}，系统阐释其{angle}。",
    "结合{place}推进{theme}的生动实践，分析{theme2}中的典型案例。",
    "深入学习贯彻习近平新时代中国特色社会主义思想，把握{theme}的科学内涵。",
    "重点讲授{theme}与{theme2}的内在联系，提出可操作的工作方法。",
    "通过现场教学、案例教学和研讨式教学，帮助学员提升{theme}的能力。",
    "梳理党的二十大以来{theme}的重大部署，解读二十届三中全会关于{theme2}的改革举措。",
    "总结{place}在{theme}方面的经验启示，探讨{angle}。",
    "针对{theme}中的突出问题，提出{theme2}的对策建议。",
    "本课题聚焦{theme}，采用实地调研与比较研究相结合的方法。",
    "咨政报告就{place}{theme}提出若干建议，供决策参考。",
]
VENUES = [
    "《岭南学刊》",
    "《探求》",
    "《广州日报》理论版",
    "《学习时报》",
    "市委办公厅",
    "市政府研究室",
    "《南方日报》",
]
DEPARTMENTS = [
    "党史党建教研部",
    "经济学教研部",
    "政治与法学教研部",
    "社会学教研部",
    "文史教研部",
    "哲学教研部",
    "公共管理教研部",
    "科研处",
    "决策咨询部",
]


class Corpus:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def _fill(self, template: str) -> str:
        r = self.rng
        theme, theme2 = r.sample(THEMES, 2)
        return template.format(theme=theme, theme2=theme2, angle=r.choice(ANGLES), place=r.choice(PLACES))

    def title(self) -> str:
        return self._fill(self.rng.choice(TITLE_TEMPLATES))

    def text(self, sentences: tuple[int, int] = (2, 4)) -> str:
        n = self.rng.randint(*sentences)
        return "".join(self._fill(self.rng.choice(SENTENCES)) for _ in range(n))

    def keywords(self) -> str:
        return "、".join(self.rng.sample(THEMES, self.rng.randint(2, 4)))

    def expertise(self) -> str:
        return "、".join(self.rng.sample(THEMES, self.rng.randint(2, 3)))

    def department(self) -> str:
        return self.rng.choice(DEPARTMENTS)

    def venue(self) -> str:
        return self.rng.choice(VENUES)
