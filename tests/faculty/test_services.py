"""Faculty bank services: pinyin, who may edit, retire, masking, visibility of retired teachers."""

import pytest
from tests.factories import member
from tests.factories.faculty import TeacherFactory

from yiwang.activity.models import AuditRecord
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.faculty import selectors, services
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name, full, initials",
    [
        ("张宏伟", "zhanghongwei", "zhw"),
        ("曾志宏", "zengzhihong", "zzh"),
        ("单雄信", "shanxiongxin", "sxx"),
        ("李娜", "lina", "ln"),
    ],
)
def test_name_pinyin_full_and_initials(name, full, initials):
    assert services.name_pinyin(name) == (full, initials)


def test_staff_creates_teacher_with_pinyin_and_audit(network):
    staff = member(network.branch_a, is_teaching_staff=True)
    teacher = services.create_teacher(
        by=staff,
        school=network.branch_a,
        name=" 张宏伟 ",
        title="associate",
        phone="13812345678",
        email="zhw@example.com",
    )
    teacher.refresh_from_db()
    assert (teacher.name, teacher.name_pinyin, teacher.name_initials) == ("张宏伟", "zhanghongwei", "zhw")
    assert teacher.owner_school == network.branch_a and teacher.scope == SharingScope.SYSTEM
    record = AuditRecord.objects.get(action="teacher.created")
    assert record.actor == staff and record.after["name"] == "张宏伟"


def test_teacher_of_another_school_cannot_create(network):
    outsider = member(network.far, is_teaching_staff=True)
    with pytest.raises(PermissionDeniedError) as exc:
        services.create_teacher(by=outsider, school=network.city, name="王芳")
    assert exc.value.message == "只有中共测试市委党校的管理员、教务、培训或科研人员可以添加教师。"
    assert Teacher.objects.count() == 0


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"name": ""}, "请填写教师姓名。"),
        ({"name": "王芳", "email": "not-an-email"}, "电子邮箱格式不正确。"),
        ({"name": "王芳", "phone": "abc"}, "电话号码格式不正确，应为 7–20 位数字（可含 - 和空格）。"),
        ({"name": "王芳", "title": "dean"}, "职称只能是教授、副教授、讲师、助教或其他。"),
        ({"name": "王芳", "is_invited": True}, "外请师资须填写工作单位。"),
        ({"name": "王芳", "scope": "partners"}, "“协作”范围需至少选择一个联盟或对口支援关系。"),
    ],
)
def test_bad_teacher_input_refused_with_chinese_message(network, fields, message):
    staff = member(network.city, is_school_admin=True)
    with pytest.raises(DomainError) as exc:
        services.create_teacher(by=staff, school=network.city, **fields)
    assert exc.value.message == message
    assert Teacher.objects.count() == 0


def test_teacher_edits_own_profile_but_not_scope(network):
    user = member(network.city, is_teacher=True)
    teacher = TeacherFactory(owner_school=network.city, user=user, name="王芳")
    services.update_teacher(by=user, teacher=teacher, bio="研究基层治理。", name="王芳芳")
    teacher.refresh_from_db()
    assert (teacher.bio, teacher.name, teacher.name_pinyin) == ("研究基层治理。", "王芳芳", "wangfangfang")
    with pytest.raises(PermissionDeniedError) as exc:
        services.update_teacher(by=user, teacher=teacher, scope=SharingScope.PUBLIC)
    assert "共享范围" in exc.value.message
    teacher.refresh_from_db()
    assert teacher.scope == SharingScope.SYSTEM


def test_teacher_of_another_school_cannot_edit(network):
    teacher = TeacherFactory(owner_school=network.city, name="王芳", bio="原简介")
    other = member(network.far, is_teacher=True, is_teaching_staff=True)
    with pytest.raises(PermissionDeniedError) as exc:
        services.update_teacher(by=other, teacher=teacher, bio="改掉")
    assert exc.value.message == "只有本人或所属学校的管理员、教务、培训、科研人员可以修改教师信息。"
    teacher.refresh_from_db()
    assert teacher.bio == "原简介"
    assert not AuditRecord.objects.filter(action="teacher.updated").exists()


def test_partners_scope_shares_with_picked_alliance(network):
    staff = member(network.city, is_school_admin=True)
    teacher = services.create_teacher(
        by=staff, school=network.city, name="李明", scope=SharingScope.PARTNERS, alliances=[network.alliance]
    )
    assert list(teacher.shared_alliances.all()) == [network.alliance]
    assert selectors.teachers_visible_to(member(network.far)).get() == teacher
    assert not selectors.teachers_visible_to(member(network.stranger)).exists()


def test_retired_teacher_hidden_except_for_owner_staff(network):
    staff = member(network.city, is_teaching_staff=True)
    colleague = member(network.city, is_teacher=True)
    teacher = TeacherFactory(owner_school=network.city, scope=SharingScope.NETWORK)
    services.retire_teacher(by=staff, teacher=teacher)
    assert list(selectors.teachers_visible_to(staff)) == []
    assert list(selectors.teachers_visible_to(staff, status="retired")) == [teacher]
    assert list(selectors.teachers_visible_to(colleague, status="retired")) == []
    with pytest.raises(ConflictError):
        services.retire_teacher(by=staff, teacher=teacher)
    services.restore_teacher(by=staff, teacher=teacher)
    assert list(selectors.teachers_visible_to(colleague)) == [teacher]


def test_only_staff_retire(network):
    user = member(network.city, is_teacher=True)
    teacher = TeacherFactory(owner_school=network.city, user=user)
    with pytest.raises(PermissionDeniedError):
        services.retire_teacher(by=user, teacher=teacher)
    teacher.refresh_from_db()
    assert teacher.is_active


def test_masks():
    assert selectors.mask_phone("13812345678") == "138****5678"
    assert selectors.mask_phone("020-1234") == "020****1234"
    assert selectors.mask_phone("12345") == "****45"
    assert selectors.mask_email("zhang@example.com") == "z***@example.com"
    assert selectors.mask_email("") == ""


def test_user_link_must_be_member_and_unique(network):
    staff = member(network.city, is_school_admin=True)
    outsider = member(network.far)
    with pytest.raises(DomainError) as exc:
        services.create_teacher(by=staff, school=network.city, name="王芳", user=outsider)
    assert exc.value.message == "只能关联中共测试市委党校的成员账号。"
    insider = member(network.city, is_teacher=True)
    services.create_teacher(by=staff, school=network.city, name="王芳", user=insider)
    with pytest.raises(ConflictError) as exc:
        services.create_teacher(by=staff, school=network.city, name="李明", user=insider)
    assert exc.value.message == "该账号已关联教师“王芳”。"


def test_retire_and_restore_refused_when_already_so_and_audited_once(network):
    staff = member(network.city, is_teaching_staff=True)
    teacher = TeacherFactory(owner_school=network.city)
    with pytest.raises(ConflictError) as exc:
        services.restore_teacher(by=staff, teacher=teacher)
    assert exc.value.message == "该教师已是启用状态。"
    services.retire_teacher(by=staff, teacher=teacher)
    with pytest.raises(ConflictError) as exc:
        services.retire_teacher(by=staff, teacher=teacher)
    assert exc.value.message == "该教师已停用。"
    services.restore_teacher(by=staff, teacher=teacher)
    records = AuditRecord.objects.filter(
        object_id=str(teacher.pk), action__in=["teacher.retired", "teacher.restored"]
    )
    assert [(r.action, r.before, r.after) for r in records.order_by("id")] == [
        ("teacher.retired", {"is_active": True}, {"is_active": False}),
        ("teacher.restored", {"is_active": False}, {"is_active": True}),
    ]
