"""Import jobs live in the database: status, counts, problems, duplicates, one decision."""

import io
import threading

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, close_old_connections, transaction
from django.db.models import F
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from tests.factories import member
from tests.factories.faculty import TeacherFactory

from yiwang.banks.enums import ImportJobStatus
from yiwang.banks.models import ImportJob
from yiwang.banks.services import (
    NO_DECISION_NEEDED,
    decide_duplicates,
    execute_import_job,
    start_import_job,
)
from yiwang.core.errors import ConflictError, DomainError, PermissionDeniedError
from yiwang.faculty.models import Teacher

pytestmark = pytest.mark.django_db

HEADERS = ["学校代码", "姓名", "性别", "职称", "电话", "电子邮箱", "外请师资", "工作单位", "共享范围"]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def xlsx(rows) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADERS)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("teachers.xlsx", buffer.getvalue())


def row(name, title="", scope=""):
    return ["", name, "", title, "", "", "", "", scope]


def start(staff, school, rows, **kwargs):
    return start_import_job(
        bank="teacher", upload=xlsx(rows), filename="teachers.xlsx", school=school, by=staff, **kwargs
    )


def test_clean_upload_runs_and_its_state_is_a_database_row(network):
    staff = member(network.city, is_teaching_staff=True)
    job = start(staff, network.city, [row("王芳"), row("李明", scope="全网")])
    job.refresh_from_db()
    assert (job.status, job.owner, job.school, job.bank, job.filename) == (
        ImportJobStatus.IMPORTED,
        staff,
        network.city,
        "teacher",
        "teachers.xlsx",
    )
    assert (job.total_rows, job.created, job.updated, job.skipped, job.runs) == (2, 2, 0, 0, 1)
    assert (job.problem_count, job.problems, job.duplicates, job.error) == (0, [], [], "")
    assert bytes(job.upload) == b""  # the upload is dropped once imported
    assert job.finished_at is not None
    assert sorted(Teacher.objects.values_list("name", flat=True)) == ["李明", "王芳"]


def test_problems_are_stored_with_the_job_and_nothing_is_written(network):
    staff = member(network.city, is_teaching_staff=True)
    job = start(staff, network.city, [row("王芳", title="院士"), row("", scope="火星")])
    job.refresh_from_db()
    assert (job.status, job.problem_count) == (ImportJobStatus.INVALID, 3)
    assert [(p["row"], p["column"], p["value"]) for p in job.problems] == [
        (2, "职称", "院士"),
        (3, "姓名", ""),
        (3, "共享范围", "火星"),
    ]
    assert Teacher.objects.count() == 0


def test_refusals_change_nothing(network):
    outsider = member(network.far, is_teaching_staff=True)
    with pytest.raises(PermissionDeniedError):
        start(outsider, network.city, [row("王芳")])
    staff = member(network.city, is_teaching_staff=True)
    with pytest.raises(DomainError) as exc:
        start(staff, network.city, [row("王芳")], on_duplicate="merge")
    assert exc.value.message == "重复记录的处理方式只能是“跳过”(skip)或“更新”(update)。"
    assert ImportJob.objects.count() == 0


def test_decision_queues_the_import_once_and_a_second_submit_is_refused(network):
    staff = member(network.city, is_teaching_staff=True)
    TeacherFactory(owner_school=network.city, name="王芳", phone="", title="lecturer")
    job = start(staff, network.city, [row("王芳", title="教授"), row("陈静")])
    job.refresh_from_db()
    assert job.status == ImportJobStatus.NEEDS_DECISION
    assert [(d["row"], d["existing"]) for d in job.duplicates] == [(2, "王芳")]
    assert bytes(job.upload) != b""  # kept for the run after the decision
    job = decide_duplicates(job=job, by=staff, on_duplicate="update")
    assert (job.status, job.runs, job.on_duplicate) == (ImportJobStatus.IMPORTED, 2, "update")
    assert (job.created, job.updated, job.skipped) == (1, 1, 0)
    with pytest.raises(ConflictError) as exc:
        decide_duplicates(job=job, by=staff, on_duplicate="skip")
    assert exc.value.message == NO_DECISION_NEEDED
    job.refresh_from_db()
    assert (job.status, job.runs, job.on_duplicate, job.updated) == ("imported", 2, "update", 1)
    assert Teacher.objects.get(name="王芳").title == "professor"
    assert Teacher.objects.count() == 2


def test_only_the_owner_decides(network):
    staff = member(network.city, is_teaching_staff=True)
    TeacherFactory(owner_school=network.city, name="王芳", phone="")
    job = start(staff, network.city, [row("王芳")])
    job.refresh_from_db()
    colleague = member(network.city, is_teaching_staff=True)
    with pytest.raises(PermissionDeniedError):
        decide_duplicates(job=job, by=colleague, on_duplicate="skip")
    with pytest.raises(DomainError) as exc:
        decide_duplicates(job=job, by=staff, on_duplicate="merge")
    assert exc.value.field == "on_duplicate"
    job.refresh_from_db()
    assert (job.status, job.runs, job.decided_at) == (ImportJobStatus.NEEDS_DECISION, 1, None)


def test_the_database_refuses_a_second_decided_run(network):
    staff = member(network.city, is_teaching_staff=True)
    job = start(staff, network.city, [])
    once = {"runs": F("runs") + 1, "decided_at": timezone.now(), "on_duplicate": "skip"}
    ImportJob.objects.filter(pk=job.pk).update(**once)
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(**once)
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(status="lost")
    with pytest.raises(IntegrityError), transaction.atomic():  # a run after a decision needs one
        ImportJob.objects.filter(pk=job.pk).update(on_duplicate="")
    assert ImportJob.objects.get(pk=job.pk).runs == 2


@override_settings(TASKS=DATABASE_TASKS)
def test_with_the_database_task_backend_each_run_is_queued_once(network):
    staff = member(network.city, is_teaching_staff=True)
    TeacherFactory(owner_school=network.city, name="王芳", phone="")
    job = start(staff, network.city, [row("王芳"), row("陈静")])
    assert DBTaskResult.objects.count() == 1
    assert ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.QUEUED
    assert execute_import_job(str(job.pk)) == ImportJobStatus.NEEDS_DECISION
    assert execute_import_job(str(job.pk)) == ImportJobStatus.NEEDS_DECISION  # nothing re-run
    job.refresh_from_db()
    decide_duplicates(job=job, by=staff, on_duplicate="skip")
    with pytest.raises(ConflictError):
        decide_duplicates(job=job, by=staff, on_duplicate="skip")
    assert DBTaskResult.objects.count() == 2
    assert execute_import_job(str(job.pk)) == ImportJobStatus.IMPORTED
    assert execute_import_job(str(job.pk)) == ImportJobStatus.IMPORTED  # a stray task: no-op
    assert Teacher.objects.filter(name="陈静").count() == 1


def test_status_page_is_only_for_the_owner(client_for, network):
    staff = member(network.city, is_teaching_staff=True)
    TeacherFactory(owner_school=network.city, name="王芳", phone="")
    job = start(staff, network.city, [row("王芳"), row("陈静")])
    url = f"/faculty/import/{job.pk}/"
    colleague = client_for(member(network.city, is_school_admin=True))
    assert colleague.get(url).status_code == 404
    assert colleague.post(url, {"on_duplicate": "update"}).status_code == 404
    assert ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.NEEDS_DECISION
    owner = client_for(staff)
    page = owner.get(url).content.decode()
    assert "其中 1 行可能与已有记录重复" in page
    assert owner.post(url, {"on_duplicate": "skip"}).status_code == 302
    assert owner.post(url, {"on_duplicate": "update"}).status_code == 302  # the double submit
    page = owner.get(url).content.decode()
    assert "导入完成：新建 1 条，更新 0 条，跳过 1 条。" in page
    assert NO_DECISION_NEEDED in page
    assert owner.get("/faculty/import/00000000-0000-0000-0000-000000000000/").status_code == 404


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_decisions_queue_the_import_once(network):
    staff = member(network.city, is_teaching_staff=True)
    TeacherFactory(owner_school=network.city, name="王芳", phone="", title="lecturer")
    job = start(staff, network.city, [row("王芳", title="教授"), row("陈静")])
    job.refresh_from_db()
    assert job.status == ImportJobStatus.NEEDS_DECISION
    barrier = threading.Barrier(6)
    outcomes = []

    def submit(choice):
        try:
            barrier.wait()
            decide_duplicates(job=job, by=staff, on_duplicate=choice)
            outcomes.append("won")
        except ConflictError:
            outcomes.append("refused")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=submit, args=(c,)) for c in ["skip", "update"] * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused"] * 5 + ["won"]
    job.refresh_from_db()
    assert (job.status, job.runs) == (ImportJobStatus.IMPORTED, 2)
    assert (job.created, job.updated + job.skipped) == (1, 1)
    assert Teacher.objects.filter(name="陈静").count() == 1
