"""Navigation shown on every page: the platform's parts, in the order leaders know them."""

from django.urls import NoReverseMatch, reverse

NAVIGATION = [
    (
        "共享资源",
        [
            ("师资库", "faculty:list"),
            ("讲题库", "topics:list"),
            ("课程库", "courses:list"),
            ("教学模块", "courses:module_list"),
            ("科研信息库", "research:list"),
        ],
    ),
    ("同听一堂课", [("课程表与开放课堂", "classes:calendar")]),
    (
        "合备一门课",
        [
            ("共建项目", "codev:index"),
            ("评审量表", "reviews:rubric_list"),
            ("精品课共建", "courses:list"),
        ],
    ),
    (
        "共研一个题",
        [
            ("课题指南与申报", "calls:index"),
            ("科研课题", "research:list"),
            ("科研成果", "research:output_list"),
            ("批示排行", "research:ranking"),
        ],
    ),
    (
        "交流协作",
        [
            ("协作请求", "exchanges:inbox"),
            ("现场教学基地", "sites:list"),
            ("联盟与协作", "alliances:index"),
            ("支援协作协议", "alliances:agreement_list"),
            ("学校网络", "network:overview"),
        ],
    ),
    (
        "统计分析",
        [
            ("数据概览", "dashboards:index"),
            ("指标看板", "dashboards:boards"),
            ("年度报告", "dashboards:reports"),
        ],
    ),
]


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def navigation(request):
    sections = []
    path = request.path
    for label, links in NAVIGATION:
        items = [(text, url) for text, url in ((t, _url(n)) for t, n in links) if url]
        if not items:
            continue
        active = any(path.startswith(url) for _, url in items if url != "/")
        sections.append({"label": label, "items": items, "url": items[0][1], "active": active})
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {"nav_sections": sections, "unread_notifications": unread}
