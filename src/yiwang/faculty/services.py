"""Writes on the faculty bank (师资库). Each: permission → checks → lock → save → audit → index."""

import functools
import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT

from yiwang.activity.services import record_audit, record_audits, snapshot
from yiwang.banks.services import (
    Saved,
    SchoolRights,
    SharingCheck,
    check_batch_fields,
    insert_rows,
    inserted_state,
    is_console,
    numbered,
    save_sharing,
)
from yiwang.banks.writes import set_active
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.core.indexing import item_changed, items_changed
from yiwang.network import rules as network_rules
from yiwang.network.enums import SharingScope
from yiwang.network.services import apply_sharing, validate_sharing
from yiwang.network.visibility import visible_to

from . import rules as faculty_rules
from .enums import AcademicTitle, Gender
from .models import Teacher

PROFILE_FIELDS = [
    "name",
    "gender",
    "title",
    "position",
    "department",
    "expertise",
    "bio",
    "phone",
    "email",
    "is_invited",
    "employer",
    "post",
]
# What the audit record keeps of a teacher: the profile plus account link, status and sharing.
TEACHER_FIELDS = [*PROFILE_FIELDS, "user", "is_active", "scope", "owner_school"]
STAFF_ONLY_FIELDS = {"scope", "alliances", "partnerships", "user", "is_invited", "employer", "post"}
GENDERS = frozenset(Gender.values)
TITLES = frozenset(AcademicTitle.values)
PHONE_PATTERN = re.compile(r"^[0-9+\-\s()]{7,20}$")

# Surnames whose reading differs from the everyday reading of the character.
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "覃": "qin",
    "盖": "ge",
    "缪": "miao",
    "翟": "zhai",
    "尉": "yu",
    "乐": "yue",
    "种": "chong",
    "秘": "bi",
    "黑": "he",
    "员": "yun",
    "繁": "po",
    "长": "chang",
    "重": "chong",
    "柏": "bai",
    "薄": "bo",
}


def _as_letters(chars: str) -> list[str]:
    return list(chars.lower())


@functools.lru_cache(maxsize=65_536)
def _char_syllables(char: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(char, style=Style.NORMAL, errors=_as_letters))


def _syllables(name: str) -> list[str]:
    """``lazy_pinyin(name)``: pypinyin reads a name character by character unless some run of
    two or more of its characters is a word in its phrase dictionary — then it reads the
    whole name (segmentation), else each character once per import (``_char_syllables``)."""
    size = len(name)
    if any(name[i:j] in PHRASES_DICT for i in range(size - 1) for j in range(i + 2, size + 1)):
        return lazy_pinyin(name, style=Style.NORMAL, errors=_as_letters)
    return [syllable for char in name for syllable in _char_syllables(char)]


@functools.lru_cache(maxsize=262_144)  # an import checks, then saves 100 k names
def name_pinyin(name: str) -> tuple[str, str]:
    """Full pinyin without tones and the initials: 张宏伟 → ("zhanghongwei", "zhw")."""
    name = re.sub(r"\s+", "", name or "")
    if not name:
        return "", ""
    syllables = _syllables(name)
    first = SURNAME_READINGS.get(name[0])
    if first:
        syllables[0] = first
    syllables = [s.lower() for s in syllables if s.strip()]
    return "".join(syllables)[:120], "".join(s[0] for s in syllables)[:20]


def clean_teacher_fields(fields: dict) -> dict:
    """Trimmed, checked fields; DomainError with a Chinese message on the first bad one."""
    data = dict(fields)
    for key in ("name", "position", "department", "expertise", "bio", "phone", "email", "employer", "post"):
        if key in data:
            data[key] = (data[key] or "").strip()
    if "name" in data:
        if not data["name"]:
            raise DomainError("请填写教师姓名。", field="name")
        if len(data["name"]) > 40:
            raise DomainError("姓名最多 40 个字。", field="name")
    if data.get("gender") and data["gender"] not in GENDERS:
        raise DomainError("性别只能是男或女。", field="gender")
    if "title" in data and data["title"] not in TITLES:
        raise DomainError("职称只能是教授、副教授、讲师、助教或其他。", field="title")
    if data.get("phone") and not PHONE_PATTERN.match(data["phone"]):
        raise DomainError("电话号码格式不正确，应为 7–20 位数字（可含 - 和空格）。", field="phone")
    if data.get("email"):
        try:
            validate_email(data["email"])
        except ValidationError:
            raise DomainError("电子邮箱格式不正确。", field="email") from None
    for key, limit, label in (
        ("position", 60, "职务"),
        ("department", 60, "教研部"),
        ("expertise", 300, "研究专长"),
        ("employer", 100, "工作单位"),
        ("post", 100, "单位职务"),
    ):
        if len(data.get(key) or "") > limit:
            raise DomainError(f"{label}最多 {limit} 个字。", field=key)
    if data.get("is_invited") and not data.get("employer"):
        raise DomainError("外请师资须填写工作单位。", field="employer")
    return data


class CleanedRow(dict):
    """A batch row whose profile fields ``clean_teacher_row`` cleaned (an import's check phase
    does, to list every problem before writing): ``create_teachers`` takes them as they are
    instead of cleaning each row a second time. Change one and clean it again."""


def clean_teacher_row(row: dict) -> CleanedRow:
    """``row`` (as ``create_teachers`` takes it) with its profile fields cleaned and checked
    like ``create_teacher`` (职称 blank → 其他); DomainError on the first bad one."""
    fields = {key: row[key] for key in PROFILE_FIELDS if key in row}
    fields.setdefault("title", AcademicTitle.OTHER)
    return CleanedRow({**row, **clean_teacher_fields({"name": row.get("name", ""), **fields})})


class ActiveTeachers:
    """The active teachers ``by`` may see among ``teachers`` (objects or ids), read in one
    query — a batch service checks every row's teachers against one of these."""

    def __init__(self, by, teachers=()):
        ids = sorted({pk for pk in (getattr(t, "pk", t) for t in teachers) if isinstance(pk, int)})
        qs = Teacher.objects.filter(is_active=True)
        if not is_console(by):
            qs = visible_to(qs, by)
        self.found: dict[int, Teacher] = {}
        for start in range(0, len(ids), 5000):
            self.found.update((t.pk, t) for t in qs.filter(pk__in=ids[start : start + 5000]))

    def check(self, teachers, *, label: str = "授课教师", field: str = "teachers") -> list[Teacher]:
        """The teachers in the given order, each once; else DomainError naming the first missing."""
        ids = list(dict.fromkeys(getattr(t, "pk", t) for t in teachers or []))
        missing = [i for i in ids if i not in self.found]
        if missing:
            raise DomainError(f"找不到编号为 {missing[0]} 的{label}，或该教师已停用。", field=field)
        return [self.found[i] for i in ids]


def check_teachers(by, teachers, *, label: str = "授课教师", field: str = "teachers") -> list[Teacher]:
    """The active teachers (objects or ids) ``by`` may see, in the given order; else DomainError."""
    teachers = list(teachers or [])
    return ActiveTeachers(by, teachers).check(teachers, label=label, field=field)


def _check_user_link(user, school, teacher: Teacher | None = None) -> None:
    if user is None:
        return
    if not network_rules.is_member(user, school):
        raise DomainError(f"只能关联{school.name}的成员账号。", field="user")
    other = Teacher.objects.filter(user=user).exclude(pk=getattr(teacher, "pk", None)).first()
    if other is not None:
        raise ConflictError(f"该账号已关联教师“{other.name}”。", field="user")


def create_teacher(
    *,
    by,
    school,
    name: str,
    scope: str = SharingScope.SYSTEM,
    alliances=(),
    partnerships=(),
    user=None,
    **fields,
) -> Teacher:
    if by is not None and not network_rules.can_edit_bank_item(by, school):
        raise PermissionDeniedError(f"只有{school.name}的管理员、教务、培训或科研人员可以添加教师。")
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise DomainError("未知的字段：" + "、".join(sorted(unknown)))
    data = clean_teacher_fields({"name": name, "title": fields.pop("title", AcademicTitle.OTHER), **fields})
    validate_sharing(owner_school=school, scope=scope, alliances=alliances, partnerships=partnerships)
    _check_user_link(user, school)
    pinyin, initials = name_pinyin(data["name"])
    with transaction.atomic():
        teacher = Teacher.objects.create(
            owner_school=school, scope=scope, user=user, name_pinyin=pinyin, name_initials=initials, **data
        )
        apply_sharing(teacher, alliances=alliances, partnerships=partnerships)
        record_audit(
            actor=by,
            action="teacher.created",
            obj=teacher,
            school=school,
            after=snapshot(teacher, TEACHER_FIELDS),
        )
        item_changed(teacher)
    return teacher


def update_teacher(*, by, teacher: Teacher, alliances=None, partnerships=None, **changes) -> Teacher:
    """Change a teacher. The teacher themself may change the profile fields; staff everything."""
    if not faculty_rules.can_edit_teacher(by, teacher):
        raise PermissionDeniedError("只有本人或所属学校的管理员、教务、培训、科研人员可以修改教师信息。")
    is_staff = network_rules.can_edit_bank_item(by, teacher.owner_school_id)
    unknown = set(changes) - set(PROFILE_FIELDS) - {"scope", "user"}
    if unknown:
        raise DomainError("未知的字段：" + "、".join(sorted(unknown)))
    asked = (
        set(changes)
        | ({"alliances"} if alliances is not None else set())
        | ({"partnerships"} if partnerships is not None else set())
    )
    if not is_staff and asked & STAFF_ONLY_FIELDS:
        raise PermissionDeniedError(
            "共享范围、外请信息和关联账号只能由所属学校的管理员或教务、培训、科研人员修改。"
        )
    with transaction.atomic():
        teacher = Teacher.objects.select_for_update().get(pk=teacher.pk)
        before = snapshot(teacher, TEACHER_FIELDS)
        current = {key: getattr(teacher, key) for key in PROFILE_FIELDS}
        data = clean_teacher_fields({**current, **{k: v for k, v in changes.items() if k in PROFILE_FIELDS}})
        scope = changes.get("scope", teacher.scope)
        if "scope" in changes or alliances is not None or partnerships is not None:
            alliances = list(teacher.shared_alliances.all()) if alliances is None else list(alliances)
            partnerships = (
                list(teacher.shared_partnerships.all()) if partnerships is None else list(partnerships)
            )
            if scope != SharingScope.PARTNERS and "scope" in changes:
                alliances, partnerships = [], []
            validate_sharing(
                owner_school=teacher.owner_school, scope=scope, alliances=alliances, partnerships=partnerships
            )
            apply_sharing(teacher, alliances=alliances, partnerships=partnerships)
        if "user" in changes:
            _check_user_link(changes["user"], teacher.owner_school, teacher)
            teacher.user = changes["user"]
        for key, value in data.items():
            setattr(teacher, key, value)
        teacher.scope = scope
        teacher.name_pinyin, teacher.name_initials = name_pinyin(teacher.name)
        teacher.save()
        record_audit(
            actor=by,
            action="teacher.updated",
            obj=teacher,
            school=teacher.owner_school,
            before=before,
            after=snapshot(teacher, TEACHER_FIELDS),
        )
        item_changed(teacher)
    return teacher


def set_teacher_active(*, by, teacher: Teacher, active: bool) -> Teacher:
    """Retire (停用) or restore a teacher. Only the owner school's staff."""
    if not network_rules.can_edit_bank_item(by, teacher.owner_school_id):
        raise PermissionDeniedError("只有所属学校的管理员、教务、培训或科研人员可以停用或恢复教师。")
    return set_active(by=by, item=teacher, active=active, noun="教师", action="teacher")


def retire_teacher(*, by, teacher: Teacher) -> Teacher:
    return set_teacher_active(by=by, teacher=teacher, active=False)


def restore_teacher(*, by, teacher: Teacher) -> Teacher:
    return set_teacher_active(by=by, teacher=teacher, active=True)


# -- batch writes (Excel import, demo): the same cleaning, rules and audit, in bulk -----------

BATCH_FIELDS = set(PROFILE_FIELDS) | {"school", "scope", "alliances", "partnerships", "is_active"}
BATCH_RIGHT = "只有{school}的管理员、教务、培训或科研人员可以添加或修改教师。"


def _batch_row(
    rights: SchoolRights, sharing: SharingCheck, default_school, row: dict
) -> tuple[dict, object, list, list]:
    """One row cleaned and checked like ``create_teacher``: (fields, school, alliances, partnerships)."""
    school = row.get("school") or default_school
    rights.require(school)
    if not isinstance(row, CleanedRow):
        row = clean_teacher_row(row)
    data = {key: row[key] for key in PROFILE_FIELDS if key in row}
    scope = row.get("scope") or SharingScope.SYSTEM
    alliances, partnerships = list(row.get("alliances") or ()), list(row.get("partnerships") or ())
    sharing.check(school, scope, alliances, partnerships)
    data["scope"] = scope
    data["is_active"] = row.get("is_active", True)
    data["name_pinyin"], data["name_initials"] = name_pinyin(data["name"])
    return data, school, alliances, partnerships


def create_teachers(*, by, rows, school=None, batch_size: int = 2000) -> list[int]:
    """Create many teachers at once; ``by`` a person or the server's command line
    (``banks.services.is_console``: any school).

    Each row is a dict of profile fields plus optional ``school`` (else ``school``),
    ``scope``, ``alliances``, ``partnerships``, ``is_active``. Every row is cleaned and
    checked like ``create_teacher`` (a refusal names the row: “第 3 条：…”) before its batch
    is written; the teachers are inserted in batches (``banks.services.insert_rows``) with one
    ``teacher.created`` audit record each, in one transaction, and announced to the search
    index in one batch after commit. Returns the new ids, in row order."""
    check_batch_fields(rows, BATCH_FIELDS)
    rights = SchoolRights(by, network_rules.can_edit_bank_item, BATCH_RIGHT)
    sharing = SharingCheck()
    pks: list[int] = []
    with transaction.atomic():
        for start in range(0, len(rows), batch_size):
            checked = []
            for number, row in enumerate(rows[start : start + batch_size], start=start + 1):
                with numbered(number):
                    checked.append(_batch_row(rights, sharing, school, row))
            for data, owner, _, _ in checked:
                data["owner_school_id"] = owner.pk
            new = insert_rows(Teacher, [data for data, *_ in checked])
            save_sharing(
                [(Saved(Teacher, pk), a, p) for pk, (_, _, a, p) in zip(new, checked, strict=True) if a or p],
                model=Teacher,
            )
            record_audits(
                actor=by,
                action="teacher.created",
                entries=(
                    (
                        Saved(Teacher, pk, data["name"]),
                        owner,
                        None,
                        inserted_state(Teacher, TEACHER_FIELDS, data),
                    )
                    for pk, (data, owner, _, _) in zip(new, checked, strict=True)
                ),
            )
            pks.extend(new)
        items_changed(Teacher, pks)
    return pks


def update_teachers(*, by, changes) -> list[int]:
    """Update many teachers from ``[(teacher, row)]`` (row as for ``create_teachers``; the
    owner school does not change). Same checks as ``create_teachers``; one
    ``teacher.updated`` audit record (before/after) per teacher; one index batch."""
    check_batch_fields([row for _, row in changes], BATCH_FIELDS)
    rights = SchoolRights(by, network_rules.can_edit_bank_item, BATCH_RIGHT)
    sharing = SharingCheck()
    entries = []
    with transaction.atomic():
        locked = (
            Teacher.objects.select_for_update(of=("self",))
            .select_related("owner_school")
            .in_bulk([t.pk for t, _ in changes])
        )
        for number, (teacher, row) in enumerate(changes, start=1):
            teacher = locked[teacher.pk]
            with numbered(number):
                data, _, alliances, partnerships = _batch_row(
                    rights, sharing, teacher.owner_school, {**row, "school": None}
                )
            before = snapshot(teacher, TEACHER_FIELDS)
            for key, value in data.items():
                setattr(teacher, key, value)
            teacher.save()
            apply_sharing(teacher, alliances=alliances, partnerships=partnerships)
            entries.append((teacher, teacher.owner_school, before, snapshot(teacher, TEACHER_FIELDS)))
        record_audits(actor=by, action="teacher.updated", entries=entries)
        items_changed(Teacher, [t.pk for t, *_ in entries])
    return [t.pk for t, *_ in entries]
