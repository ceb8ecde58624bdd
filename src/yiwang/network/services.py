"""Writes on the school network. Each: permission → checks → lock → save → audit."""

from datetime import date

from django.db import IntegrityError, transaction

from yiwang.accounts.models import User
from yiwang.accounts.services import create_user
from yiwang.activity.services import record_audit, snapshot
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError

from . import rules
from .context import forget_viewer
from .enums import AllianceKind, SchoolLevel, SharingScope
from .models import Alliance, AllianceMembership, Membership, School, SupportPartnership

SCHOOL_FIELDS = ["code", "name", "short_name", "level", "province", "city", "parent", "is_active"]


def _require_network_admin(by) -> None:
    if by is not None and not rules.can_manage_network(by):
        raise PermissionDeniedError("只有系统管理员可以管理学校网络。")


def check_parent_chain(school: School | None, parent: School | None) -> None:
    """Refuse a parent that would make the chain loop (A ← B ← A)."""
    if parent is None:
        return
    if school is not None and school.pk is not None and parent.pk == school.pk:
        raise DomainError("学校不能以自身为上级学校。", field="parent")
    seen = set()
    node = parent
    while node is not None:
        if school is not None and school.pk is not None and node.pk == school.pk:
            raise DomainError(
                f"不能把“{parent.name}”设为“{school.name}”的上级：它已是“{school.name}”的下级，会形成循环。",
                field="parent",
            )
        if node.pk in seen:
            raise DomainError("上级学校链条已存在循环，请先修正。", field="parent")
        seen.add(node.pk)
        node = node.parent


def _validate_school_fields(fields: dict) -> None:
    for required, label in (("code", "代码"), ("name", "名称"), ("short_name", "简称"), ("province", "省份")):
        if not str(fields.get(required) or "").strip():
            raise DomainError(f"请填写学校{label}。", field=required)
    if fields.get("level") not in SchoolLevel.values:
        raise DomainError("学校级别只能是省级、市级或县区级。", field="level")


def create_school(
    *,
    by,
    code: str,
    name: str,
    short_name: str,
    level: str,
    province: str,
    city: str = "",
    parent: School | None = None,
    is_active: bool = True,
) -> School:
    _require_network_admin(by)
    fields = dict(
        code=code.strip(),
        name=name.strip(),
        short_name=short_name.strip(),
        level=level,
        province=province.strip(),
        city=city.strip(),
        parent=parent,
        is_active=is_active,
    )
    _validate_school_fields(fields)
    if School.objects.filter(code=fields["code"]).exists():
        raise ConflictError(f"学校代码“{fields['code']}”已被使用。", field="code")
    if School.objects.filter(name=fields["name"]).exists():
        raise ConflictError(f"学校名称“{fields['name']}”已存在。", field="name")
    try:
        with transaction.atomic():
            school = School.objects.create(**fields)
            record_audit(
                actor=by,
                action="school.created",
                obj=school,
                school=school,
                after=snapshot(school, SCHOOL_FIELDS),
            )
    except IntegrityError:
        raise ConflictError("学校代码或名称已存在。") from None
    return school


def update_school(*, by, school: School, **changes) -> School:
    _require_network_admin(by)
    with transaction.atomic():
        school = School.objects.select_for_update().get(pk=school.pk)
        before = snapshot(school, SCHOOL_FIELDS)
        fields = {**{f: getattr(school, f) for f in SCHOOL_FIELDS}, **changes}
        _validate_school_fields(fields)
        if "parent" in changes:
            check_parent_chain(school, changes["parent"])
        if School.objects.filter(code=fields["code"]).exclude(pk=school.pk).exists():
            raise ConflictError(f"学校代码“{fields['code']}”已被使用。", field="code")
        if School.objects.filter(name=fields["name"]).exclude(pk=school.pk).exists():
            raise ConflictError(f"学校名称“{fields['name']}”已存在。", field="name")
        for key, value in changes.items():
            setattr(school, key, value)
        school.save()
        record_audit(
            actor=by,
            action="school.updated",
            obj=school,
            school=school,
            before=before,
            after=snapshot(school, SCHOOL_FIELDS),
        )
    return school


def create_alliance(
    *,
    by,
    name: str,
    kind: str,
    lead_school: School,
    description: str = "",
    members: list[School] | None = None,
    joined_on: date | None = None,
) -> Alliance:
    _require_network_admin(by)
    name = name.strip()
    if not name:
        raise DomainError("请填写联盟名称。", field="name")
    if kind not in AllianceKind.values:
        raise DomainError("联盟类型只能是片区协作、毗邻区县联盟或其他。", field="kind")
    if Alliance.objects.filter(name=name).exists():
        raise ConflictError(f"联盟“{name}”已存在。", field="name")
    with transaction.atomic():
        alliance = Alliance.objects.create(
            name=name, kind=kind, lead_school=lead_school, description=description
        )
        all_members = {lead_school.pk: lead_school}
        for school in members or []:
            all_members[school.pk] = school
        AllianceMembership.objects.bulk_create(
            [
                AllianceMembership(alliance=alliance, school=s, joined_on=joined_on or date.today())
                for s in all_members.values()
            ]
        )
        record_audit(
            actor=by,
            action="alliance.created",
            obj=alliance,
            school=lead_school,
            after={"name": name, "kind": kind, "members": sorted(all_members)},
        )
    return alliance


def add_alliance_member(
    *, by, alliance: Alliance, school: School, joined_on: date | None = None
) -> AllianceMembership:
    _require_network_admin(by)
    if AllianceMembership.objects.filter(alliance=alliance, school=school).exists():
        raise ConflictError(f"{school.name}已是“{alliance.name}”的成员。")
    with transaction.atomic():
        member = AllianceMembership.objects.create(
            alliance=alliance, school=school, joined_on=joined_on or date.today()
        )
        record_audit(
            actor=by, action="alliance.member_added", obj=alliance, school=school, after={"school": school.pk}
        )
    return member


def create_support_partnership(
    *, by, supporter: School, supported: School, since: date, note: str = ""
) -> SupportPartnership:
    _require_network_admin(by)
    if supporter.pk == supported.pk:
        raise DomainError("支援方和受援方不能是同一所学校。")
    if SupportPartnership.objects.filter(supporter=supporter, supported=supported).exists():
        raise ConflictError(f"{supporter.short_name}对{supported.short_name}的对口支援关系已存在。")
    with transaction.atomic():
        partnership = SupportPartnership.objects.create(
            supporter=supporter, supported=supported, since=since, note=note
        )
        record_audit(
            actor=by,
            action="support_partnership.created",
            obj=partnership,
            school=supporter,
            after={"supporter": supporter.pk, "supported": supported.pk},
        )
    return partnership


CAPABILITY_FIELDS = [
    "is_school_admin",
    "is_teaching_staff",
    "is_training_staff",
    "is_research_staff",
    "is_teacher",
]


def _require_people_right(by, school: School) -> None:
    if by is not None and not rules.can_manage_people(by, school):
        raise PermissionDeniedError(f"只有{school.name}的学校管理员或安全管理员可以管理本校人员。")


def _check_capabilities(capabilities: dict) -> None:
    unknown = set(capabilities) - set(CAPABILITY_FIELDS)
    if unknown:
        raise DomainError("未知的权限项：" + "、".join(sorted(unknown)))


def set_membership(*, by, user, school: School, **capabilities: bool) -> Membership:
    """Add a person to a school (or bring back a deactivated membership) and set their capability flags."""
    _require_people_right(by, school)
    _check_capabilities(capabilities)
    if not school.is_active:
        raise DomainError(f"{school.name}已停用，不能添加人员。")
    if (
        capabilities.get("is_school_admin") is False
        and by is not None
        and by.pk == user.pk
        and not getattr(by, "is_security_admin", False)
    ):
        raise DomainError("不能取消自己的学校管理员权限，请由其他管理员操作。", field="is_school_admin")
    with transaction.atomic():
        membership, created = Membership.objects.select_for_update().get_or_create(user=user, school=school)
        before = None if created else snapshot(membership, [*CAPABILITY_FIELDS, "is_active"])
        for flag, value in capabilities.items():
            setattr(membership, flag, bool(value))
        membership.is_active = True
        membership.save()
        record_audit(
            actor=by,
            action="membership.created" if created else "membership.updated",
            obj=membership,
            school=school,
            before=before,
            after=snapshot(membership, [*CAPABILITY_FIELDS, "is_active"]),
        )
    forget_viewer(user)
    return membership


def add_person_to_school(
    *,
    by,
    school: School,
    username: str,
    full_name: str = "",
    password: str = "",
    email: str = "",
    phone: str = "",
    **capabilities: bool,
) -> Membership:
    """Attach an existing account to the school, or create the account first (then a password is needed)."""
    _require_people_right(by, school)
    _check_capabilities(capabilities)
    username = (username or "").strip()
    if not username:
        raise DomainError("请填写用户名。", field="username")
    with transaction.atomic():
        user = User.objects.filter(username=username).first()
        if user is None:
            if not (full_name or "").strip():
                raise DomainError("新建账号须填写姓名。", field="full_name")
            if not password:
                raise DomainError("新建账号须设置初始密码。", field="password")
            user = create_user(
                by=by,
                username=username,
                full_name=full_name.strip(),
                password=password,
                email=email,
                phone=phone,
            )
        elif Membership.objects.filter(user=user, school=school, is_active=True).exists():
            raise ConflictError(
                f"“{user.full_name or user.username}”已是{school.short_name}的成员。", field="username"
            )
        return set_membership(by=by, user=user, school=school, **capabilities)


def deactivate_membership(*, by, membership: Membership) -> Membership:
    """停用: the person keeps their account and history but no longer acts for the school."""
    school = membership.school
    _require_people_right(by, school)
    if by is not None and by.pk == membership.user_id and not getattr(by, "is_security_admin", False):
        raise DomainError("不能停用自己在本校的成员身份，请由其他管理员操作。")
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if not membership.is_active:
            raise ConflictError("该成员身份已停用。")
        membership.is_active = False
        membership.save(update_fields=["is_active", "updated_at"])
        record_audit(
            actor=by,
            action="membership.deactivated",
            obj=membership,
            school=school,
            before={"is_active": True},
            after={"is_active": False},
        )
    forget_viewer(membership.user)
    return membership


def validate_sharing(*, owner_school: School, scope: str, alliances=(), partnerships=()) -> None:
    """Check a scope value and that picked alliances/partnerships belong to the owner school."""
    if scope not in SharingScope.values:
        raise DomainError("共享范围无效，只能是本校、本系统、协作、全网或公开。", field="scope")
    if scope != SharingScope.PARTNERS and (alliances or partnerships):
        raise DomainError("只有“协作”范围可以选择联盟或对口支援关系。", field="scope")
    if scope == SharingScope.PARTNERS and not (alliances or partnerships):
        raise DomainError("“协作”范围需至少选择一个联盟或对口支援关系。", field="scope")
    for alliance in alliances:
        if not AllianceMembership.objects.filter(alliance=alliance, school=owner_school).exists():
            raise DomainError(
                f"{owner_school.short_name}不是“{alliance.name}”的成员，不能向其共享。", field="scope"
            )
    for partnership in partnerships:
        if owner_school.pk not in (partnership.supporter_id, partnership.supported_id):
            raise DomainError("只能选择本校参与的对口支援关系。", field="scope")


def apply_sharing(item, *, alliances=(), partnerships=()) -> None:
    """Set the picked alliances/partnerships on a saved Shareable item."""
    item.shared_alliances.set(list(alliances))
    item.shared_partnerships.set(list(partnerships))


def update_sharing(item, scope, alliances, partnerships) -> None:
    """Apply a changed scope and/or picked alliances/partnerships to a locked Shareable item."""
    if scope is None and alliances is None and partnerships is None:
        return
    scope = item.scope if scope is None else scope
    if scope != SharingScope.PARTNERS:
        alliances, partnerships = (alliances or []), (partnerships or [])
    else:
        alliances = list(item.shared_alliances.all()) if alliances is None else list(alliances)
        partnerships = list(item.shared_partnerships.all()) if partnerships is None else list(partnerships)
    validate_sharing(
        owner_school=item.owner_school, scope=scope, alliances=alliances, partnerships=partnerships
    )
    item.scope = scope
    apply_sharing(item, alliances=alliances, partnerships=partnerships)


def set_separation_of_duties(*, by, school: School, enabled: bool) -> School:
    """登记与审核分离 for one school (on by default): its admin or the system admin decides."""
    if by is not None and not rules.can_manage_school(by, school):
        raise PermissionDeniedError(f"只有{school.name}的学校管理员或系统管理员可以修改这项设置。")
    with transaction.atomic():
        school = School.objects.select_for_update().get(pk=school.pk)
        before = school.separates_duties
        school.separates_duties = bool(enabled)
        school.save(update_fields=["separates_duties", "updated_at"])
        record_audit(
            actor=by,
            action="school.duties_setting_changed",
            obj=school,
            school=school,
            before={"separates_duties": before},
            after={"separates_duties": school.separates_duties},
        )
    return school
