"""Demo courses: Guangzhou's five featured modules with field-teaching courses and versioned materials.

Idempotent (a course is found by school + title, a material by course + kind + title +
version) and deterministic. Places are real public sites; every person is fictional.
"""

import random

from django.core.files.base import ContentFile
from django.db import transaction

from yiwang.faculty.demo import scope_and_sharing, sharing_options
from yiwang.faculty.models import Teacher
from yiwang.network.models import School

from . import services
from .enums import CourseKind, CourseStatus, MaterialKind
from .models import Course, CourseMaterial, TeachingModule

M1, M2, M3, M4, M5 = range(5)
F, K = CourseKind.FIELD, CourseKind.CLASSROOM
# (module index or None, school code, title, kind, place, address, co-building school codes, status)
COURSES = [
    (
        M1,
        "gz",
        "牢记嘱托、感恩奋进：奋力推进中国式现代化的广州实践",
        K,
        "",
        "",
        ["gz-yuexiu"],
        CourseStatus.FEATURED,
    ),
    (
        M1,
        "gz-conghua",
        "“百千万工程”现场教学：从化乡村振兴示范带",
        F,
        "从化区乡村振兴示范带",
        "广州市从化区温泉镇",
        ["gz"],
        CourseStatus.FEATURED,
    ),
    (
        M1,
        "gz-zengcheng",
        "派潭镇现场教学：县镇村协同推进高质量发展",
        F,
        "增城区派潭镇",
        "广州市增城区派潭镇",
        [],
        CourseStatus.PUBLISHED,
    ),
    (M1, "gz", "新时代党校姓党的广州答卷", K, "", "", [], CourseStatus.PUBLISHED),
    (
        M2,
        "gz-yuexiu",
        "广州起义纪念馆现场教学：英雄城市的红色基因",
        F,
        "广州起义纪念馆",
        "广州市越秀区起义路200号",
        ["gz"],
        CourseStatus.FEATURED,
    ),
    (
        M2,
        "gz-huangpu",
        "黄埔军校旧址现场教学：革命精神的传承与弘扬",
        F,
        "黄埔军校旧址纪念馆",
        "广州市黄埔区长洲岛",
        ["gz"],
        CourseStatus.FEATURED,
    ),
    (
        M2,
        "gz-yuexiu",
        "中共三大会址纪念馆现场教学：统一战线的历史经验",
        F,
        "中共三大会址纪念馆",
        "广州市越秀区恤孤院路3号",
        [],
        CourseStatus.PUBLISHED,
    ),
    (
        M2,
        "gz-yuexiu",
        "农民运动讲习所旧址现场教学：群众路线的早期探索",
        F,
        "广州农民运动讲习所旧址纪念馆",
        "广州市越秀区中山四路42号",
        [],
        CourseStatus.PUBLISHED,
    ),
    (
        M2,
        "gz-baiyun",
        "三元里人民抗英斗争纪念馆现场教学：爱国主义的广州记忆",
        F,
        "三元里人民抗英斗争纪念馆",
        "广州市白云区广园中路",
        [],
        CourseStatus.REVIEW,
    ),
    (
        M3,
        "gz-yuexiu",
        "北京路文化核心区现场教学：千年商都的文脉传承",
        F,
        "北京路文化核心区",
        "广州市越秀区北京路",
        ["gz-haizhu"],
        CourseStatus.FEATURED,
    ),
    (
        M3,
        "gz-haizhu",
        "广交会展馆现场教学：更高水平对外开放的窗口",
        F,
        "中国进出口商品交易会展馆",
        "广州市海珠区阅江中路380号",
        [],
        CourseStatus.PUBLISHED,
    ),
    (
        M3,
        "gz-nansha",
        "南沙自贸区展厅现场教学：制度型开放的先行探索",
        F,
        "南沙自贸区展厅",
        "广州市南沙区",
        ["gz"],
        CourseStatus.FEATURED,
    ),
    (
        M3,
        "gz-nansha",
        "南沙港区现场教学：国际航运枢纽建设",
        F,
        "广州港南沙港区",
        "广州市南沙区龙穴岛",
        [],
        CourseStatus.PUBLISHED,
    ),
    (M3, "gz", "枢纽门户城市建设与广州高质量发展", K, "", "", [], CourseStatus.DRAFT),
    (
        M4,
        "gz-liwan",
        "永庆坊现场教学：老城市新活力与城市更新中的群众路线",
        F,
        "永庆坊",
        "广州市荔湾区恩宁路",
        ["gz"],
        CourseStatus.FEATURED,
    ),
    (
        M4,
        "gz-haizhu",
        "海珠湿地现场教学：超大城市的生态文明建设",
        F,
        "海珠国家湿地公园",
        "广州市海珠区新滘中路",
        [],
        CourseStatus.PUBLISHED,
    ),
    (
        M4,
        "gz-baiyun",
        "党建引领超大城市基层治理：城中村治理的白云探索",
        K,
        "",
        "",
        [],
        CourseStatus.PUBLISHED,
    ),
    (
        M4,
        "gz-panyu",
        "沙湾古镇现场教学：历史文化保护与乡村旅游",
        F,
        "沙湾古镇",
        "广州市番禺区沙湾街道",
        [],
        CourseStatus.PUBLISHED,
    ),
    (M4, "gz-tianhe", "接诉即办与民生实事：人民城市为人民", K, "", "", ["gz-haizhu"], CourseStatus.REVIEW),
    (
        M5,
        "gz-huangpu",
        "中新广州知识城现场教学：科技创新与产业升级",
        F,
        "中新广州知识城",
        "广州市黄埔区",
        ["gz"],
        CourseStatus.FEATURED,
    ),
    (
        M5,
        "gz-haizhu",
        "琶洲人工智能与数字经济试验区现场教学",
        F,
        "琶洲人工智能与数字经济试验区",
        "广州市海珠区琶洲",
        [],
        CourseStatus.PUBLISHED,
    ),
    (M5, "gz", "数字政府建设与政务服务改革", K, "", "", ["gz-tianhe"], CourseStatus.PUBLISHED),
    (M5, "gz-nansha", "粤港澳大湾区规则衔接与机制对接", K, "", "", ["gz"], CourseStatus.PUBLISHED),
    (M5, "gz-tianhe", "数字经济赋能高质量发展：领导干部的数字素养", K, "", "", [], CourseStatus.DRAFT),
    (
        None,
        "lz-xuyong",
        "鸡鸣三省红色文化现场教学",
        F,
        "鸡鸣三省红色文化园",
        "四川省泸州市叙永县水潦彝族乡",
        ["weixin", "zhenxiong"],
        CourseStatus.PUBLISHED,
    ),
    (None, "bj", "对口帮扶与东西部协作的毕节实践", K, "", "", ["gz"], CourseStatus.PUBLISHED),
    (
        None,
        "mz",
        "苏区精神与老区振兴发展",
        F,
        "中央苏区（闽粤赣）纪念馆",
        "广东省梅州市",
        [],
        CourseStatus.PUBLISHED,
    ),
]
SUMMARY = "本课程立足{place}，围绕“{title}”组织教学，通过专题讲解、现场体验与互动研讨，引导学员把学习成果转化为推动工作的实际举措。"
LESSON_PLAN = "教学目的：{title}\n教学对象：主体班、中青班学员\n教学流程：\n一、导入（10分钟）\n二、现场讲解（40分钟）\n三、互动研讨（30分钟）\n四、总结提升（10分钟）\n版本说明：{note}\n"
COMMENTARY = "各位学员：欢迎来到{place}。{title}。下面请大家跟随讲解，了解这里的历史与发展。\n"

GZ_MODULES = [
    ("牢记嘱托·使命担当", "学习贯彻习近平总书记对广东、广州系列重要讲话和重要指示精神。"),
    ("英雄城市·薪火永续", "依托广州红色资源，讲好党史、革命史和英雄城市故事。"),
    ("千年商都·枢纽门户", "聚焦国际商贸中心、综合交通枢纽和对外开放门户建设。"),
    ("人民至上·花城蝶变", "聚焦城市更新、民生保障和超大城市治理。"),
    ("智创湾区·数启未来", "聚焦粤港澳大湾区科技创新、数字经济和新质生产力。"),
]


def ensure_gz_modules(log) -> list[TeachingModule]:
    gz = School.objects.filter(code="gz").first()
    if gz is None:
        return []
    modules = []
    for position, (name, description) in enumerate(GZ_MODULES, start=1):
        module, created = TeachingModule.objects.get_or_create(
            owner_school=gz, name=name, defaults={"description": description, "position": position}
        )
        log.count(created)
        modules.append(module)
    return modules


def _text_file(name: str, text: str) -> ContentFile:
    return ContentFile(text.encode("utf-8"), name=name)


def _staff_user(school: School):
    from yiwang.accounts.models import User

    return (
        User.objects.filter(username=f"{school.code}-staff").first()
        or User.objects.filter(username=f"{school.code}-admin").first()
    )


def _material(log, course, by, kind, title, version, **kwargs) -> None:
    if CourseMaterial.objects.filter(course=course, kind=kind, title=title, version=version).exists():
        log.count(False)
        return
    material = services.upload_material(by=None, course=course, kind=kind, title=title, **kwargs)
    CourseMaterial.objects.filter(pk=material.pk).update(uploaded_by=by)
    log.count(True)


def _materials(log, course: Course, by) -> None:
    place = course.place_name or course.owner_school.name
    for version, note in enumerate(["初稿", "根据集体备课意见修订"], start=1):
        _material(
            log,
            course,
            by,
            MaterialKind.LESSON_PLAN,
            "教案",
            version,
            file=_text_file(f"教案-第{version}版.txt", LESSON_PLAN.format(title=course.title, note=note)),
            note=note,
        )
    if course.kind == CourseKind.FIELD:
        _material(
            log,
            course,
            by,
            MaterialKind.COMMENTARY,
            "现场解说词",
            1,
            file=_text_file("现场解说词.txt", COMMENTARY.format(place=place, title=course.title)),
        )
        _material(
            log,
            course,
            by,
            MaterialKind.VIDEO,
            "现场教学实录",
            1,
            link=f"https://video.dangxiao.example.cn/courses/{course.pk}",
        )


def _create(rng, log, sharing, modules, schools, teachers, row) -> Course | None:
    module_index, code, title, kind, place, address, co_codes, status = row
    school = schools.get(code)
    if school is None:
        return None
    existing = Course.objects.filter(owner_school=school, title=title).first()
    if existing is not None:
        log.count(False)
        return existing
    scope, alliances, partnerships = scope_and_sharing(rng, school, sharing)
    if status in (CourseStatus.FEATURED,) and scope == "school":
        scope = "network"
    pool = teachers.get(school.pk, [])
    course = services.create_course(
        by=None,
        school=school,
        title=title,
        kind=kind,
        place_name=place,
        place_address=address,
        module=modules[module_index] if module_index is not None and modules else None,
        summary=SUMMARY.format(place=place or school.name, title=title),
        keywords=_keywords(title),
        teachers=rng.sample(pool, k=min(len(pool), rng.choice([1, 2, 2, 3]))),
        co_schools=[schools[c] for c in co_codes if c in schools and c != code],
        scope=scope,
        alliances=alliances,
        partnerships=partnerships,
    )
    for to in _path_to(status):
        services.change_course_status(by=None, course=course, to=to)
    log.count(True)
    return course


def _path_to(status: str) -> list[str]:
    path = [CourseStatus.REVIEW, CourseStatus.PUBLISHED, CourseStatus.FEATURED]
    return {
        CourseStatus.DRAFT: [],
        CourseStatus.REVIEW: path[:1],
        CourseStatus.PUBLISHED: path[:2],
        CourseStatus.FEATURED: path,
    }[status]


def _keywords(title: str) -> str:
    words = [
        "红色基因",
        "高质量发展",
        "百千万工程",
        "城市更新",
        "基层治理",
        "数字经济",
        "粤港澳大湾区",
        "对外开放",
        "乡村振兴",
        "生态文明",
        "群众路线",
    ]
    return "、".join(w for w in words if any(part in title for part in (w[:2], w[-2:])))[:200]


@transaction.atomic
def load(*, scale: int = 0, log) -> None:
    modules = ensure_gz_modules(log)
    schools = {s.code: s for s in School.objects.filter(is_active=True)}
    teachers: dict[int, list[Teacher]] = {}
    for teacher in Teacher.objects.filter(is_active=True, is_invited=False).order_by(
        "owner_school_id", "name_pinyin", "id"
    ):
        teachers.setdefault(teacher.owner_school_id, []).append(teacher)
    sharing = sharing_options()
    for row in COURSES:
        rng = random.Random(f"yiwang-course-{row[2]}")  # per item: a re-run draws the same numbers
        course = _create(rng, log, sharing, modules, schools, teachers, row)
        if course is not None:
            _materials(log, course, _staff_user(course.owner_school))
