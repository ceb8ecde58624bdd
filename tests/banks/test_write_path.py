"""One write path: the teacher import writes through ``faculty.services.create_teachers`` /
``update_teachers`` — the same cleaning, rules and per-item audit as the pages and API."""

import io

import openpyxl
import pytest
from tests.factories import MembershipFactory, member
from tests.factories.faculty import TeacherFactory

from yiwang.activity.models import AuditRecord
from yiwang.core.errors import DomainError, PermissionDeniedError
from yiwang.faculty import services
from yiwang.faculty.excel import TeacherImporter
from yiwang.faculty.models import Teacher
from yiwang.network.enums import SharingScope
from yiwang.search.models import SearchDocument

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "职称", "电话", "共享范围", "协作共享对象"]


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADERS)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_create_teachers_cleans_audits_each_and_indexes(network, django_capture_on_commit_callbacks):
    staff = member(network.city, is_teaching_staff=True)
    MembershipFactory(user=staff, school=network.branch_a, is_training_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        pks = services.create_teachers(
            by=staff,
            school=network.city,
            rows=[
                {
                    "name": " 王芳 ",
                    "title": "professor",
                    "phone": "13812345678",
                    "scope": SharingScope.PARTNERS,
                    "alliances": [network.alliance],
                },
                {"name": "欧阳明", "school": network.branch_a, "scope": SharingScope.NETWORK},
            ],
        )
    wang, ouyang = Teacher.objects.filter(pk__in=pks).order_by("pk")
    assert (wang.name, wang.name_pinyin, wang.name_initials, wang.scope) == (
        "王芳",
        "wangfang",
        "wf",
        "partners",
    )
    assert list(wang.shared_alliances.all()) == [network.alliance]
    assert (ouyang.owner_school, ouyang.scope, ouyang.title) == (network.branch_a, "network", "other")
    records = AuditRecord.objects.filter(action="teacher.created").order_by("pk")
    assert [(r.object_id, r.school_id, r.actor_id) for r in records] == [
        (str(wang.pk), network.city.pk, staff.pk),
        (str(ouyang.pk), network.branch_a.pk, staff.pk),
    ]
    assert records[0].after == services.snapshot(wang, services.TEACHER_FIELDS)
    assert set(SearchDocument.objects.filter(doc_type="teacher").values_list("object_id", flat=True)) >= {
        wang.pk,
        ouyang.pk,
    }


def test_create_teachers_refuses_the_whole_batch(network):
    staff = member(network.city, is_teaching_staff=True)
    with pytest.raises(DomainError) as exc:
        services.create_teachers(
            by=staff, school=network.city, rows=[{"name": "王芳"}, {"name": "李明", "phone": "abc"}]
        )
    assert exc.value.message == "第 2 条：电话号码格式不正确，应为 7–20 位数字（可含 - 和空格）。"
    with pytest.raises(PermissionDeniedError):
        services.create_teachers(by=staff, school=network.far, rows=[{"name": "王芳"}])
    with pytest.raises(DomainError) as exc:
        services.create_teachers(by=staff, school=network.city, rows=[{"name": "王芳", "salary": 1}])
    assert exc.value.message == "第 1 条：未知的字段：salary"
    assert (Teacher.objects.count(), AuditRecord.objects.count()) == (0, 0)


def test_import_writes_one_audit_record_per_created_and_updated_teacher(network):
    staff = member(network.city, is_teaching_staff=True)
    existing = TeacherFactory(owner_school=network.city, name="王芳", phone="13812345678", title="lecturer")
    data = xlsx([["王芳", "教授", "13812345678", "", ""], ["陈静", "", "", "全网", ""]])
    report = TeacherImporter(by=staff, school=network.city, on_duplicate="update").run(data)
    assert (report.created, report.updated) == (1, 1)
    chen = Teacher.objects.get(name="陈静")
    assert list(AuditRecord.objects.filter(action="teacher.created").values_list("object_id", flat=True)) == [
        str(chen.pk)
    ]
    updated = AuditRecord.objects.get(action="teacher.updated")
    assert (updated.object_id, updated.before["title"], updated.after["title"]) == (
        str(existing.pk),
        "lecturer",
        "professor",
    )
    assert AuditRecord.objects.get(action="teacher.imported").after == {
        "created": 1,
        "updated": 1,
        "skipped": 0,
        "rows": 2,
    }
