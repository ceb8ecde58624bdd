"""Graded judgments: (kind, query, {item key: grade}); 3 = what the person looks for, 2 = clearly
relevant, 1 = related. An empty dict: nothing in the corpus is relevant, the search must find nothing.
Written from the reader's point of view before tuning anything (see ``docs/search.md``)."""

KINDS = [
    "traditional",
    "single_character",
    "name",
    "pinyin",
    "typo",
    "mixed",
    "synonym",
    "one_word_missing",
    "long_question",
    "exact_title",
    "body_only",
    "initials",
    "school",
    "exclusion",
    "year",
    "field",
    "no_relevant",
]

JUDGMENTS = [
    # traditional characters (queries and documents)
    ("traditional", "鄉村振興", {"p_rural": 3, "o_rural": 2, "t_zwg": 2, "p_tradrural": 2, "p_village": 1}),
    ("traditional", "營商環境", {"p_digital": 3, "o_biz": 3, "t_lxf": 2, "p_fgf": 1}),
    ("traditional", "數字政府", {"p_digital": 3, "t_lxf": 2}),
    ("traditional", "紅色文化", {"p_red": 3, "p_history": 2, "t_smxn": 2, "p_gudu": 1}),
    ("traditional", "綠水青山", {"p_2shan": 3, "o_2shan": 3}),
    ("traditional", "黨史學習教育", {"p_history": 3, "t_smxn": 1}),
    ("traditional", "澳门 社会治理", {"p_macau": 3}),
    ("traditional", "产业振兴", {"p_tradrural": 3, "p_rural": 2}),
    # a single character, a short word inside a longer one
    ("single_character", "廉", {"p_clean": 3, "p_qinglian": 3, "o_clean": 3, "t_lgy": 2, "t_oyl": 2}),
    ("single_character", "渡", {"p_dujiang": 3, "p_gudu": 3}),
    ("single_character", "侨", {"p_united": 3}),
    ("single_character", "海", {"p_sea": 3, "t_xyf": 2}),
    ("single_character", "渡江", {"p_dujiang": 3}),
    ("single_character", "清廉", {"p_qinglian": 3}),
    # names as typed
    ("name", "张卫国", {"t_zwg": 3, "p_rural": 2, "o_rural": 2, "r_bqw": 1, "p_tradrural": 2}),
    ("name", "欧阳明辉", {"t_oymh": 3, "p_gba": 2, "o_gba": 2, "p_macau": 2}),
    (
        "name",
        "欧阳",
        {
            "t_oymh": 3,
            "t_oyl": 3,
            "p_gba": 1,
            "o_gba": 1,
            "p_macau": 1,
            "p_clean": 1,
            "p_qinglian": 1,
            "o_clean": 1,
        },
    ),
    ("name", "司马晓宁", {"t_smxn": 3, "p_history": 2, "p_red": 2}),
    ("name", "司马", {"t_smxn": 3, "p_history": 1, "p_red": 1}),
    ("name", "诸葛", {"t_zgwq": 3, "p_law": 1}),
    ("name", "上官云清", {"t_sgyq": 3, "p_united": 2}),
    ("name", "何嘉欣", {"t_hjx": 3, "p_2shan": 2, "p_eco": 2, "o_2shan": 2}),
    ("name", "谭丽丽", {"t_tll": 3, "p_dujiang": 2, "p_gudu": 2}),
    ("name", "周立民", {"o_2shan": 3}),
    # pinyin with a slip or spaces
    ("pinyin", "zhang wei guo", {"t_zwg": 3}),
    ("pinyin", "zhangweigou", {"t_zwg": 3}),
    ("pinyin", "zhangweiguo", {"t_zwg": 3}),
    ("pinyin", "ouyang minghui", {"t_oymh": 3}),
    ("pinyin", "ouyangminhui", {"t_oymh": 3}),
    ("pinyin", "simaxiaonin", {"t_smxn": 3}),
    ("pinyin", "lin xiao feng", {"t_lxf": 3}),
    ("pinyin", "hejiaxing", {"t_hjx": 3}),
    ("pinyin", "guohailong", {"t_ghl": 3}),
    # near-miss typos in Chinese
    ("typo", "乡村振新", {"p_rural": 3, "o_rural": 2, "t_zwg": 2, "p_tradrural": 1}),
    ("typo", "营商环竟", {"p_digital": 3, "o_biz": 3, "t_lxf": 2}),
    ("typo", "基层治里", {"p_grass": 3, "r_grass": 2, "t_zml": 2}),
    ("typo", "新质生产立", {"p_npf": 3, "o_npf": 3, "t_hzq": 2}),
    ("typo", "生太文明", {"p_eco": 3, "t_hjx": 2}),
    ("typo", "应急管里", {"p_emergency": 3, "t_ghl": 2}),
    # mixed Chinese with Latin letters or digits
    ("mixed", "AI 赋能", {"p_ai": 3, "r_ai": 3, "t_cyt": 1}),
    ("mixed", "5G", {"p_5g": 3, "o_5g": 3}),
    ("mixed", "2024年 咨政报告", {"o_npf": 3, "o_bqw": 3, "o_biz": 1}),
    ("mixed", "AI治理", {"p_ai": 3}),
    ("mixed", "5G 数字经济", {"p_5g": 3, "o_5g": 3, "t_cyt": 1}),
    ("mixed", "ＡＩ赋能", {"p_ai": 3, "r_ai": 3, "t_cyt": 1}),
    # synonyms and abbreviations, both ways
    ("synonym", "百千万工程", {"p_bqw": 3, "p_bxqz": 3, "r_bqw": 3, "o_bqw": 3, "t_fjh": 2}),
    ("synonym", "百县千镇万村高质量发展工程", {"p_bxqz": 3, "p_bqw": 3, "r_bqw": 3, "o_bqw": 3, "t_fjh": 2}),
    ("synonym", "二十大", {"p_20": 3, "p_20full": 3, "t_swb": 2}),
    ("synonym", "第二十次全国代表大会", {"p_20full": 3, "p_20": 3, "t_swb": 1}),
    ("synonym", "两山", {"p_2shan": 3, "o_2shan": 3}),
    ("synonym", "绿水青山就是金山银山", {"p_2shan": 3, "o_2shan": 3}),
    ("synonym", "放管服", {"p_fgf": 3}),
    ("synonym", "简政放权", {"p_fgf": 3}),
    ("synonym", "一带一路", {"p_belt": 3}),
    # several words, a relevant item lacks one of them
    ("one_word_missing", "乡村 治理 自治 村规民约", {"p_village": 3, "p_grass": 1}),
    ("one_word_missing", "营商环境 数字政府 改革", {"p_digital": 3, "p_fgf": 2, "o_biz": 2, "t_lxf": 1}),
    ("one_word_missing", "新质生产力 科技创新 咨政", {"p_npf": 3, "o_npf": 3, "t_hzq": 1}),
    ("one_word_missing", "红色文化 资源 保护 旧址 开发", {"p_red": 3, "p_gudu": 1}),
    ("one_word_missing", "应急管理 防汛 消防", {"p_emergency": 3, "t_ghl": 1}),
    ("one_word_missing", "廉洁文化 警示教育 家风", {"p_clean": 3, "o_clean": 2, "t_lgy": 2}),
    # long natural-language questions
    (
        "long_question",
        "如何在基层治理中运用网格化管理和接诉即办提升社区服务水平",
        {"p_grass": 3, "r_grass": 2, "t_zml": 1},
    ),
    ("long_question", "乡村振兴中怎样发展壮大农村集体经济", {"o_rural": 3, "p_rural": 2}),
    (
        "long_question",
        "想了解粤港澳大湾区建设中规则衔接和机制对接方面的研究成果",
        {"o_gba": 3, "p_gba": 3, "t_oymh": 1},
    ),
    ("long_question", "领导干部应该如何开展调查研究", {"p_survey": 3}),
    ("long_question", "有没有讲生态文明和绿色低碳发展的专题课", {"p_eco": 3, "p_2shan": 1, "t_hjx": 1}),
    ("long_question", "请推荐能讲授党的二十大精神的老师", {"t_swb": 3, "p_20": 3, "p_20full": 2}),
    # exact titles
    ("exact_title", "法治政府建设的重点任务", {"p_law": 3}),
    ("exact_title", "新时代统一战线工作", {"p_united": 3}),
    ("exact_title", "数字政府建设与营商环境优化", {"p_digital": 3, "t_lxf": 1}),
    ("exact_title", "城市更新与老旧小区改造", {"p_renewal": 3, "t_zwgu": 1}),
    ("exact_title", "关于优化营商环境的咨政报告", {"o_biz": 3, "p_digital": 1}),
    # words only in the body
    ("body_only", "接诉即办", {"p_grass": 3}),
    ("body_only", "安吉余村", {"p_2shan": 3}),
    ("body_only", "一网通办", {"p_digital": 3}),
    ("body_only", "摆渡支前", {"p_gudu": 3}),
    ("body_only", "战斗堡垒", {"p_branch": 3}),
    ("body_only", "防汛抗旱", {"p_emergency": 3}),
    # initials
    ("initials", "zwg", {"t_zwg": 3, "t_zwgu": 3}),
    ("initials", "oymh", {"t_oymh": 3}),
    ("initials", "smxn", {"t_smxn": 3}),
    ("initials", "lxf", {"t_lxf": 3}),
    # school names with a subject
    ("school", "远方市委党校 海洋经济", {"p_sea": 3, "t_xyf": 2}),
    ("school", "受援县委党校 法治政府", {"p_law": 3, "t_zgwq": 2}),
    ("school", "测试市委党校 乡村振兴", {"p_rural": 3, "o_rural": 2, "t_zwg": 2, "p_tradrural": 2}),
    ("school", "甲区委党校 新质生产力", {"p_npf": 3, "o_npf": 3, "t_hzq": 2}),
    # exclusions
    ("exclusion", "乡村振兴 -集体经济", {"p_rural": 3, "t_zwg": 2, "p_tradrural": 2, "o_rural": 0}),
    ("exclusion", "红色 -党史", {"p_red": 3, "p_gudu": 2, "p_history": 0}),
    ("exclusion", "咨政报告 -营商环境", {"o_npf": 3, "o_bqw": 3, "o_biz": 0}),
    # years
    ("year", "2024 咨政报告", {"o_npf": 3, "o_bqw": 3}),
    ("year", "2023年 乡村振兴", {"o_rural": 3}),
    ("year", "2024年 人工智能", {"r_ai": 3}),
    ("year", "2023 基层治理", {"r_grass": 3}),
    # field prefixes
    ("field", "作者:何嘉欣", {"o_2shan": 3, "p_2shan": 2, "p_eco": 2, "t_hjx": 2}),
    ("field", "学校:远方 大湾区", {"p_gba": 3, "o_gba": 3, "t_oymh": 1}),
    ("field", "作者：张卫国 集体经济", {"o_rural": 3}),
    ("field", "学校：受援 百千万工程", {"p_bqw": 3, "p_bxqz": 3, "r_bqw": 3, "o_bqw": 3, "t_fjh": 2}),
    # nothing relevant: nothing may be found
    ("no_relevant", "火星探测", {}),
    ("no_relevant", "量子计算芯片", {}),
    ("no_relevant", "足球联赛", {}),
    ("no_relevant", "区块链金融监管", {}),
    ("no_relevant", "xqzt", {}),
]

# Items that must never be found for any query (visible to nobody in the viewer's school).
NEVER = ["p_private"]
