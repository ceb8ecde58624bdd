"""Writes on the topic bank (讲题库). Each: permission → checks → lock → save → audit → index."""

from decimal import Decimal, InvalidOperation

from django.db import transaction

from yiwang.activity.services import record_audit, snapshot
from yiwang.banks.batches import insert_checked
from yiwang.banks.services import (
    SchoolRights,
    check_batch_fields,
    insert_rows,
    is_console,
    numbered,
    update_each,
)
from yiwang.banks.writes import save_status, update_one
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.core.indexing import item_changed
from yiwang.faculty.models import Teacher
from yiwang.faculty.selectors import own_teacher_id
from yiwang.faculty.services import ActiveTeachers
from yiwang.network import rules as network_rules
from yiwang.network.enums import SharingScope
from yiwang.network.services import apply_sharing, validate_sharing

from . import rules as topic_rules
from .enums import Audience, DisciplineCategory, PublicationStatus, TeachingForm
from .hooks import topic_changed
from .models import Topic, TopicAudience

CONTENT_FIELDS = [
    "title",
    "summary",
    "outline",
    "category",
    "form",
    "audiences",  # TopicAudience rows, not a column
    "hours",
    "module",
    "keywords",
    "status",
]
TOPIC_FIELDS = [*CONTENT_FIELDS, "scope", "owner_school"]
MAX_HOURS = Decimal("100")


def clean_topic_fields(data: dict) -> dict:
    data = dict(data)
    for key in ("title", "summary", "outline", "keywords"):
        if key in data:
            data[key] = (data[key] or "").strip()
    if "title" in data:
        if not data["title"]:
            raise DomainError("请填写讲题名称。", field="title")
        if len(data["title"]) > 200:
            raise DomainError("讲题名称最多 200 个字。", field="title")
    if "category" in data and data["category"] not in DisciplineCategory.values:
        raise DomainError("请从列表中选择学科类别。", field="category")
    if "form" in data and data["form"] not in TeachingForm.values:
        raise DomainError("教学形式只能是" + "、".join(TeachingForm.labels) + "之一。", field="form")
    if "status" in data and data["status"] not in PublicationStatus.values:
        raise DomainError("状态只能是草稿、发布或停用。", field="status")
    if "audiences" in data:
        codes = data["audiences"]
        codes = [c for c in (codes.split(",") if isinstance(codes, str) else codes) if c]
        bad = [c for c in codes if c not in Audience.values]
        if bad:
            raise DomainError(
                f"适用对象“{bad[0]}”不在可选范围内（可选：{'、'.join(Audience.labels)}）。", field="audiences"
            )
        data["audiences"] = [code for code in Audience.values if code in set(codes)]
    if "hours" in data:
        try:
            hours = Decimal(str(data["hours"]))
        except (InvalidOperation, ValueError):
            raise DomainError("课时应为数字，例如 3 或 1.5。", field="hours") from None
        if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
            raise DomainError("课时应大于 0 且不超过 100 小时。", field="hours")
        data["hours"] = hours.quantize(Decimal("0.1"))
    if len(data.get("keywords") or "") > 200:
        raise DomainError("关键词最多 200 个字。", field="keywords")
    return data


def _check_teachers(active: ActiveTeachers, teachers) -> list[Teacher]:
    """The topic's teachers (objects or ids, each once): active and visible to the writer."""
    teachers = list({getattr(t, "pk", t): t for t in teachers or []}.values())
    if not teachers:
        raise DomainError("请至少选择一位授课教师。", field="teachers")
    missing = [t for t in teachers if getattr(t, "pk", t) not in active.found]
    if missing:
        who = f"“{missing[0].name}”" if isinstance(missing[0], Teacher) else f"（编号 {missing[0]}）"
        raise DomainError(f"找不到授课教师{who}，或该教师已停用。", field="teachers")
    return [active.found[getattr(t, "pk", t)] for t in teachers]


def _staff_rights(by) -> SchoolRights:
    return SchoolRights(
        by,
        network_rules.can_edit_bank_item,
        "只有{school}的管理员、教务、培训、科研人员或本校教师可以添加讲题。",
    )


def _require_create_right(by, school, teachers, staff: SchoolRights | None = None) -> None:
    """The school's staff (or the server's command line); else a teacher of the school adding
    a topic they teach."""
    staff = staff or _staff_rights(by)
    if staff.allows(school):
        return
    mine = own_teacher_id(by)
    if mine is None or not network_rules.is_member(by, school):
        staff.require(school)
    if mine not in {getattr(t, "pk", t) for t in teachers}:
        raise PermissionDeniedError("教师只能添加自己担任授课教师的讲题。", code="forbidden")


def topic_state(topic: Topic) -> dict:
    """What the audit record keeps of a topic: its fields, 适用对象 and teachers."""
    return {
        **snapshot(topic, TOPIC_FIELDS),
        "audiences": topic.audience_codes,
        "teachers": sorted(topic.teachers.values_list("pk", flat=True)),
    }


def set_audiences(topic: Topic, codes) -> None:
    """Replace a topic's 适用对象 rows (codes already checked by ``clean_topic_fields``)."""
    TopicAudience.objects.filter(topic=topic).exclude(audience__in=codes).delete()
    held = set(TopicAudience.objects.filter(topic=topic).values_list("audience", flat=True))
    TopicAudience.objects.bulk_create(
        [TopicAudience(topic=topic, audience=code) for code in codes if code not in held]
    )
    if hasattr(topic, "_prefetched_objects_cache"):
        topic._prefetched_objects_cache.pop("audience_links", None)


def create_topic(
    *,
    by,
    school,
    title: str,
    teachers,
    category: str,
    form: str,
    scope: str = SharingScope.SYSTEM,
    alliances=(),
    partnerships=(),
    **fields,
) -> Topic:
    unknown = set(fields) - set(CONTENT_FIELDS)
    if unknown:
        raise DomainError("未知的字段：" + "、".join(sorted(unknown)))
    teachers = list(teachers)
    _require_create_right(by, school, teachers)
    teachers = _check_teachers(ActiveTeachers(by, teachers), teachers)
    data = clean_topic_fields(
        {
            "title": title,
            "category": category,
            "form": form,
            "status": fields.pop("status", PublicationStatus.DRAFT),
            **fields,
        }
    )
    validate_sharing(owner_school=school, scope=scope, alliances=alliances, partnerships=partnerships)
    with transaction.atomic():
        audiences = data.pop("audiences", [])
        topic = Topic.objects.create(owner_school=school, scope=scope, **data)
        topic.teachers.set(teachers)
        set_audiences(topic, audiences)
        apply_sharing(topic, alliances=alliances, partnerships=partnerships)
        record_audit(actor=by, action="topic.created", obj=topic, school=school, after=topic_state(topic))
        item_changed(topic)
    return topic


def update_topic(*, by, topic: Topic, **changes) -> Topic:
    """Change a topic's content (``CONTENT_FIELDS``, ``scope``), ``teachers``, ``alliances`` or
    ``partnerships`` (``_change_topic``)."""
    changed = update_one(
        by=by,
        action="topic.updated",
        change=lambda: _change_topic(by=by, topic=topic, **changes),
        state=topic_state,
    )
    topic_changed(changed)  # after commit, the apps built on topics hear of it (topics.hooks)
    return changed


def _change_topic(*, by, topic: Topic, teachers=None, alliances=None, partnerships=None, **changes):
    """Check and save one topic's changes (inside the caller's transaction); (topic, state before)."""
    topic = Topic.objects.select_for_update().select_related("owner_school").get(pk=topic.pk)
    if not (is_console(by) or topic_rules.can_edit_topic(by, topic)):
        raise PermissionDeniedError(
            "只有所属学校的管理员、教务、培训、科研人员或该讲题的授课教师可以修改讲题。"
        )
    unknown = set(changes) - set(CONTENT_FIELDS) - {"scope"}
    if unknown:
        raise DomainError("未知的字段：" + "、".join(sorted(unknown)))
    data = clean_topic_fields({k: v for k, v in changes.items() if k in CONTENT_FIELDS})
    if teachers is not None:
        teachers = _check_teachers(ActiveTeachers(by, teachers), teachers)
    before = topic_state(topic)
    scope = changes.get("scope", topic.scope)
    if "scope" in changes or alliances is not None or partnerships is not None:
        alliances = list(topic.shared_alliances.all()) if alliances is None else list(alliances)
        partnerships = list(topic.shared_partnerships.all()) if partnerships is None else list(partnerships)
        if scope != SharingScope.PARTNERS and "scope" in changes:
            alliances, partnerships = [], []
        validate_sharing(
            owner_school=topic.owner_school, scope=scope, alliances=alliances, partnerships=partnerships
        )
        apply_sharing(topic, alliances=alliances, partnerships=partnerships)
    audiences = data.pop("audiences", None)
    for key, value in data.items():
        setattr(topic, key, value)
    topic.scope = scope
    topic.save()
    if teachers is not None:
        topic.teachers.set(teachers)
    if audiences is not None:
        set_audiences(topic, audiences)
    return topic, before


def retire_topic(*, by, topic: Topic) -> Topic:
    """停用: hidden from lists for everyone but the owner school's staff."""
    if not topic_rules.can_edit_topic(by, topic):
        raise PermissionDeniedError(
            "只有所属学校的管理员、教务、培训、科研人员或该讲题的授课教师可以停用讲题。"
        )
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        if topic.status == PublicationStatus.RETIRED:
            raise ConflictError("该讲题已停用。")
        return save_status(by=by, item=topic, to=PublicationStatus.RETIRED, action="topic.retired")


# -- batch writes (Excel import): the same cleaning, rules and audit, in bulk ------------------

BATCH_FIELDS = {*CONTENT_FIELDS, "school", "teachers", "scope", "alliances", "partnerships"}
HOURS_DEFAULT = Topic._meta.get_field("hours").get_default()


def _batch_row(by, staff: SchoolRights, active: ActiveTeachers, default_school, row: dict):
    """One new topic checked like ``create_topic``: (columns, teacher ids, audiences, sharing)."""
    school = row.get("school") or default_school
    teachers = list(row.get("teachers") or ())
    _require_create_right(by, school, teachers, staff)
    teacher_ids = [t.pk for t in _check_teachers(active, teachers)]
    data = clean_topic_fields(
        {
            "title": "",
            "category": "",
            "form": "",
            "hours": HOURS_DEFAULT,
            **{key: row[key] for key in CONTENT_FIELDS if key in row},
            "status": row.get("status") or PublicationStatus.DRAFT,
        }
    )
    scope = row.get("scope") or SharingScope.SYSTEM
    alliances, partnerships = list(row.get("alliances") or ()), list(row.get("partnerships") or ())
    validate_sharing(owner_school=school, scope=scope, alliances=alliances, partnerships=partnerships)
    audiences = data.pop("audiences", [])
    module = data.pop("module", None)
    data.update(owner_school_id=school.pk, module_id=getattr(module, "pk", module), scope=scope)
    return data, teacher_ids, audiences, alliances, partnerships


def create_topics(*, by, rows, school=None, batch_size: int = 2000) -> list[int]:
    """Create many topics at once (Excel import); ``by`` a person or the server's command line.

    A row is a dict of ``CONTENT_FIELDS`` plus ``teachers`` (objects or ids), optional
    ``school`` (else ``school``), ``scope``, ``alliances``, ``partnerships``. Every row is
    checked like ``create_topic`` — the writer's right (staff, or a teacher adding their own
    topic), active teachers they may see, the fields, the sharing — before anything is
    written (a refusal names the row: “第 3 条：…”). Then one transaction inserts the topics,
    teachers, 适用对象 and sharing in batches, one ``topic.created`` audit record per topic,
    and one search-index batch after commit. Returns the new ids, in row order."""
    check_batch_fields(rows, BATCH_FIELDS)
    staff = _staff_rights(by)
    active = ActiveTeachers(by, [t for row in rows for t in row.get("teachers") or ()])
    checked = []
    for number, row in enumerate(rows, start=1):
        with numbered(number):
            checked.append(_batch_row(by, staff, active, school, row))

    def links(pairs):
        insert_rows(
            Topic.teachers.through,
            [{"topic_id": pk, "teacher_id": t} for pk, (_, ids, *_) in pairs for t in ids],
        )
        insert_rows(
            TopicAudience,
            [{"topic_id": pk, "audience": code} for pk, (_, _, codes, *_) in pairs for code in codes],
        )

    return insert_checked(
        by=by,
        model=Topic,
        checked=checked,
        action="topic.created",
        fields=TOPIC_FIELDS,
        links=links,
        extra=lambda row: {"audiences": row[2], "teachers": sorted(row[1])},
        batch_size=batch_size,
    )


def update_topics(*, by, changes) -> list[int]:
    """Update many topics from ``[(topic, row)]`` (row as for ``create_topics``), each like
    ``update_topic``: one ``topic.updated`` audit record each, one search-index batch."""
    return update_each(
        by=by,
        changes=changes,
        model=Topic,
        action="topic.updated",
        fields=BATCH_FIELDS,
        change=lambda topic, row: _change_topic(by=by, topic=topic, **row),
        state=topic_state,
    )
