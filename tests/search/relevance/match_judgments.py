"""A labelled set of teaching needs for teacher matching (issue 11 part 9), over the relevance
corpus (``corpus.py``): each need with graded judgments of the teachers (3 = the expert for it,
2 = close, 1 = marginal). Most needs are phrased with words the right teacher's items do not
contain (基层治理 vs 社会治理现代化), so they measure matching by meaning; the rest are literal."""

MATCH_NEEDS = [
    ("社会治理现代化专题", {"t_zml": 3}),
    ("网格化管理与枫桥经验", {"t_zml": 3}),
    ("反腐倡廉教育", {"t_oyl": 3, "t_lgy": 3}),
    ("全面从严治党与作风建设", {"t_oyl": 3, "t_lgy": 2}),
    ("三农工作专题", {"t_zwg": 3, "t_fjh": 1}),
    ("乡村治理", {"t_zwg": 3, "t_zml": 1}),
    ("城乡融合发展", {"t_fjh": 3, "t_zwg": 2}),
    ("红色基因传承", {"t_smxn": 3, "t_tll": 3}),
    ("党史学习教育", {"t_smxn": 3, "t_tll": 2}),
    ("依法行政能力提升", {"t_zgwq": 3}),
    ("法治思维与法治建设", {"t_zgwq": 3}),
    ("数字化转型与智慧城市", {"t_lxf": 3, "t_cyt": 2}),
    ("优化营商环境与放管服改革", {"t_lxf": 3}),
    ("美丽中国建设与生态保护", {"t_hjx": 3}),
    ("碳达峰碳中和", {"t_hjx": 3}),
    ("创新驱动发展战略", {"t_hzq": 3}),
    ("海洋强省建设", {"t_xyf": 3}),
    ("城市更新与城市建设", {"t_zwgu": 3}),
    ("理论宣讲：中国式现代化", {"t_swb": 3}),
    ("区域经济与对外开放", {"t_oymh": 3}),
    ("应急管理与安全生产", {"t_ghl": 3}),
    ("新时代统一战线工作", {"t_sgyq": 3}),
]
