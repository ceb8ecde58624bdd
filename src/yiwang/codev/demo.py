"""合备一门课 demo: the five Guangzhou modules with 12 projects at every stage, teams from several
district schools and one with a 川滇黔 school, finished review rounds with their sheets, and two
adoptions — one behind the owner's latest version. Idempotent: a project is made once, by title."""

from datetime import date, timedelta

from django.db import transaction

from yiwang.accounts.models import User
from yiwang.courses.demo import ensure_gz_modules
from yiwang.network.enums import SharingScope
from yiwang.network.models import School
from yiwang.reviews.demo import COURSE_RUBRIC
from yiwang.reviews.models import Rubric
from yiwang.topics.enums import PublicationStatus
from yiwang.topics.models import Topic
from yiwang.topics.services import update_topic

from . import services
from .enums import Role, Stage
from .models import Adoption, Project

TEXT_V1 = (
    "各位学员：欢迎来到{place}。\n"
    "这里记录了{title}的历史。\n"
    "请大家跟随讲解，边看边思考。\n"
    "最后，我们将围绕“如何传承”开展研讨。"
)
TEXT_V2 = (
    "各位学员：欢迎来到{place}。\n"
    "这里记录了{title}的光辉历史与时代价值。\n"
    "请大家跟随讲解，边看边思考，重点关注第二展区。\n"
    "最后，我们将围绕“如何传承、如何践行”开展研讨。"
)
# (title, module index, place, lead, participating schools, stage to reach, team: (username, role))
PROJECTS = [
    (
        "广州起义纪念馆：英雄城市的红色记忆",
        1,
        "广州起义纪念馆",
        "gz",
        ["gz-yuexiu", "gz-haizhu"],
        "published",
        [
            ("gz-t1", Role.LEAD),
            ("gz-yuexiu-t1", Role.LECTURER),
            ("gz-haizhu-t1", Role.WRITER),
            ("gz-t2", Role.LIAISON),
        ],
    ),
    (
        "黄埔军校旧址：革命精神代代传",
        1,
        "黄埔军校旧址纪念馆",
        "gz",
        ["gz-huangpu"],
        "published",
        [("gz-t3", Role.LEAD), ("gz-huangpu-t1", Role.LECTURER), ("gz-huangpu-t2", Role.WRITER)],
    ),
    (
        "广交会：千年商都的开放之窗",
        2,
        "中国进出口商品交易会展馆",
        "gz",
        ["gz-haizhu", "gz-tianhe"],
        "published",
        [("gz-t4", Role.LEAD), ("gz-haizhu-t2", Role.WRITER), ("gz-tianhe-t1", Role.LECTURER)],
    ),
    (
        "牢记嘱托：总书记视察广州足迹",
        0,
        "永庆坊",
        "gz",
        ["gz-liwan"],
        "review",
        [("gz-t5", Role.LEAD), ("gz-liwan-t1", Role.WRITER)],
    ),
    (
        "南沙：湾区门户的开放创新",
        4,
        "南沙明珠湾",
        "gz",
        ["gz-nansha"],
        "review",
        [("gz-t1", Role.LEAD), ("gz-nansha-t1", Role.WRITER), ("gz-nansha-t2", Role.LECTURER)],
    ),
    (
        "永庆坊：微改造里的人民城市",
        3,
        "永庆坊",
        "gz-liwan",
        ["gz"],
        "trial",
        [("gz-liwan-t2", Role.LEAD), ("gz-t2", Role.LECTURER)],
    ),
    (
        "广州塔下：数字经济新图景",
        4,
        "海心沙",
        "gz",
        ["gz-tianhe", "gz-huangpu"],
        "trial",
        [("gz-t3", Role.LEAD), ("gz-tianhe-t2", Role.WRITER)],
    ),
    (
        "红色交通线：川滇黔与广州的共同记忆",
        1,
        "鸡鸣三省",
        "gz",
        ["lz-xuyong", "gz-panyu"],
        "writing",
        [("gz-t4", Role.LEAD), ("lz-xuyong-t1", Role.WRITER), ("gz-panyu-t1", Role.LECTURER)],
    ),
    (
        "花城绿道：生态文明的广州答卷",
        3,
        "海珠湿地",
        "gz-haizhu",
        ["gz-baiyun"],
        "writing",
        [("gz-haizhu-t3", Role.LEAD), ("gz-baiyun-t1", Role.WRITER)],
    ),
    (
        "北京路：千年商脉的文化传承",
        2,
        "北京路文化核心区",
        "gz-yuexiu",
        ["gz-liwan"],
        "writing",
        [("gz-yuexiu-t2", Role.LEAD), ("gz-liwan-t3", Role.WRITER)],
    ),
    (
        "从化乡村振兴：莲麻村的蝶变",
        3,
        "从化区莲麻村",
        "gz",
        ["gz-conghua", "gz-zengcheng"],
        "topic",
        [("gz-t5", Role.LEAD), ("gz-conghua-t1", Role.WRITER)],
    ),
    (
        "广州港：枢纽门户的蓝色航道",
        2,
        "南沙港区",
        "gz",
        ["gz-nansha", "gz-huangpu"],
        "topic",
        [("gz-t2", Role.LEAD), ("gz-nansha-t3", Role.WRITER)],
    ),
]
REVIEWERS = ["hy-t1", "mz-t1", "qy-t1"]  # other schools of the regional group: never on a team (回避)


def _user(username):
    return User.objects.filter(username=username).first()


def _scores(rubric, base):
    return {
        ind.pk: max(0, min(10, base - (i % 3)))
        for i, ind in enumerate(rubric.indicators.order_by("position"))
    }


def _build(row, modules, rubric, office, today) -> Project | None:
    title, module_index, place, lead_code, partner_codes, target, team = row
    lead = School.objects.get(code=lead_code)
    lead_office = office if lead_code == "gz" else _user(f"{lead_code}-staff")
    partners = list(School.objects.filter(code__in=partner_codes))
    start = today - timedelta(days=120)
    plan = {
        s: start + timedelta(days=30 * (i + 1))
        for i, s in enumerate(["topic", "writing", "trial", "review", "published"])
    }
    project = services.create_project(
        by=lead_office,
        school=lead,
        title=title,
        module=modules[module_index],
        schools=partners,
        place_name=place,
        summary=f"以{place}为现场教学点，由{lead.short_name}牵头、多校共建的现场教学课程。",
        plan=plan,
        lead_role=False,
    )
    members = []
    for username, role in team:
        user = _user(username)
        if user is not None:
            members.append(services.add_member(by=lead_office, project=project, user=user, role=role))
    if not members:
        return project
    lead_member = members[0]
    writer = next((m for m in members if m.role == Role.WRITER), lead_member)
    services.create_task(
        by=lead_office,
        project=project,
        title="完成选题论证报告",
        assignee=lead_member,
        due_date=start + timedelta(days=25),
    )
    order = ["topic", "writing", "trial", "review", "published"]
    if order.index(target) >= 1:
        services.move_stage(by=lead_office, project=project, to=Stage.WRITING)
        fmt = {"place": place, "title": title.split("：")[0]}
        services.add_version(
            by=writer.user,
            project=project,
            kind="commentary",
            title="现场解说词",
            note="初稿",
            text=TEXT_V1.format(**fmt),
        )
        services.add_version(
            by=lead_member.user,
            project=project,
            kind="lesson_plan",
            title="教案",
            note="初稿",
            text=f"教学目的：{title}\n教学流程：导入、现场讲解、互动研讨、总结提升。",
        )
        services.add_comment(
            by=lead_member.user,
            project=project,
            body=f"@{writer.user.full_name} 解说词请再压缩一些，控制在十分钟内。",
        )
        services.add_version(
            by=writer.user,
            project=project,
            kind="commentary",
            title="现场解说词",
            note="根据集体备课意见修订",
            text=TEXT_V2.format(**fmt),
        )
        overdue = services.create_task(
            by=lead_office,
            project=project,
            title="补充现场图片资料",
            assignee=writer,
            due_date=today - timedelta(days=3),
        )
        if target == "writing":
            return project
        services.set_task_status(by=writer.user, task=overdue, to="done")
    if order.index(target) >= 2:
        services.move_stage(by=lead_office, project=project, to=Stage.TRIAL)
        services.create_task(
            by=lead_office,
            project=project,
            title="组织试讲并收集评课",
            assignee=lead_member,
            due_date=today + timedelta(days=10),
        )
    if order.index(target) >= 3:
        review_round = services.open_review(
            by=lead_office, project=project, rubric=rubric, blind=title.startswith("南沙")
        )
        for i, username in enumerate(REVIEWERS):
            reviewer = _user(username)
            if reviewer is None:
                continue
            sheet = services.assign_reviewer(by=lead_office, review_round=review_round, reviewer=reviewer)
            if target == "published" or i == 0:
                services.submit_review(
                    by=reviewer,
                    sheet=sheet,
                    scores=_scores(rubric, 9 - i),
                    comment="主题鲜明，解说词生动，建议压缩导入环节。",
                )
        if target == "published":
            services.close_review(
                by=lead_office,
                review_round=review_round,
                decision="pass",
                reasons="三位评审一致认为达到精品课标准。",
            )
            services.publish_project(by=lead_office, project=project, featured=title.startswith("广州起义"))
    return project


def _adopt(adopt, school_code: str, notes: str, place: str, **original):
    """An adoption by the administrator of school ``school_code``: ``adopt`` is
    ``services.adopt_course`` (``course_id=``) or ``services.adopt_topic`` (``topic_id=``)."""
    return adopt(
        by=_user(f"{school_code}-admin"),
        school=School.objects.get(code=school_code),
        local_notes=notes,
        local_place=place,
        **original,
    )


def _adopt_topic(office, log) -> None:
    """引用讲题: 河源 adopts a published lecture topic of 广州市委党校, whose office then edits it —
    河源 hears of it (the ``topics.hooks`` callback, after commit) and is one change behind."""
    hy_admin, hy = _user("hy-admin"), School.objects.filter(code="hy").first()
    topic = (
        Topic.objects.filter(
            owner_school__code="gz",
            status=PublicationStatus.PUBLISHED,
            scope__in=[SharingScope.NETWORK, SharingScope.PUBLIC],
        )
        .order_by("id")
        .first()
    )
    if (
        hy_admin is None
        or hy is None
        or topic is None
        or Adoption.objects.filter(topic__isnull=False).exists()
    ):
        log.count(False)
        return
    _adopt(
        services.adopt_topic,
        "hy",
        "在河源中青班专题教学中使用，补充东江纵队史料。",
        "河源市东江纵队纪念馆",
        topic_id=topic.pk,
    )
    update_topic(by=office, topic=topic, summary=(topic.summary + "（已补充最新理论成果）")[:500])
    log.count(True)


@transaction.atomic
def load(*, scale: int = 0, log) -> None:
    modules = ensure_gz_modules(log)
    rubric = Rubric.objects.filter(owner_school__code="gz", name=COURSE_RUBRIC).first()
    office = _user("gz-staff")
    if len(modules) < 5 or rubric is None or office is None:
        return
    today = date.today()
    existing = set(Project.objects.values_list("title", flat=True))
    built = {}
    for row in PROJECTS:
        if row[0] in existing:
            log.count(False)
            continue
        built[row[0]] = _build(row, modules, rubric, office, today)
        log.count(True)
    _adopt_topic(office, log)
    first = Project.objects.filter(title=PROJECTS[0][0]).select_related("course").first()
    second = Project.objects.filter(title=PROJECTS[1][0]).select_related("course").first()
    if (
        first is None
        or second is None
        or Adoption.objects.filter(course__in=[first.course, second.course]).exists()
    ):
        log.count(False)
        return
    # 河源 adopts the first course at v1; the owner then publishes v2 → 河源 is one version behind.
    _adopt(
        services.adopt_course,
        "hy",
        "安排在中青班第二周，由本校教师补充河源红色资源。",
        "",
        course_id=first.course_id,
    )
    services.add_course_version(
        by=office,
        course=first.course,
        kind="commentary",
        title="现场解说词",
        note="增加广州公社旧址的讲解",
        text=TEXT_V2.format(place=first.course.place_name, title="广州起义")
        + "\n补充：广州公社旧址位于今起义路。",
    )
    services.publish_update(by=office, course=first.course, note="增加广州公社旧址的讲解")
    # 清远 adopts the second course at its latest version.
    _adopt(
        services.adopt_course,
        "qy",
        "结合清远本地党史资源开展研讨。",
        "清远市党史馆",
        course_id=second.course_id,
    )
    log.count(True)
