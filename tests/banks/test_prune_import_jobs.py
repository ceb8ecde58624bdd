"""``yiwang prune_import_jobs``: finished import jobs older than N days are deleted; queued and
running ones never."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from tests.factories import member

from yiwang.activity.models import AuditRecord
from yiwang.banks.enums import ImportJobStatus
from yiwang.banks.models import ImportJob
from yiwang.banks.services import prune_import_jobs
from yiwang.core.errors import DomainError

pytestmark = pytest.mark.django_db


def job(owner, school, status, finished_days_ago=None):
    finished = timezone.now() - timedelta(days=finished_days_ago) if finished_days_ago is not None else None
    return ImportJob.objects.create(
        owner=owner, school=school, bank="teacher", filename="t.xlsx", status=status, finished_at=finished
    )


def test_prune_deletes_only_old_finished_jobs(network):
    owner = member(network.city, is_teaching_staff=True)
    old = [
        job(owner, network.city, ImportJobStatus.IMPORTED, 31),
        job(owner, network.city, ImportJobStatus.INVALID, 40),
        job(owner, network.city, ImportJobStatus.NEEDS_DECISION, 35),
    ]
    kept = [
        job(owner, network.city, ImportJobStatus.IMPORTED, 29),
        job(owner, network.city, ImportJobStatus.QUEUED),
        job(owner, network.city, ImportJobStatus.RUNNING),
    ]
    assert prune_import_jobs(older_than_days=30) == 3
    assert set(ImportJob.objects.values_list("pk", flat=True)) == {j.pk for j in kept}
    assert not ImportJob.objects.filter(pk__in=[j.pk for j in old]).exists()
    record = AuditRecord.objects.get(action="import_job.pruned")
    assert record.after == {"deleted": 3, "older_than_days": 30}
    assert prune_import_jobs(older_than_days=30) == 0
    assert AuditRecord.objects.filter(action="import_job.pruned").count() == 1


def test_prune_command_and_its_bad_input(network, capsys):
    owner = member(network.city, is_teaching_staff=True)
    job(owner, network.city, ImportJobStatus.IMPORTED, 8)
    call_command("prune_import_jobs", "--days", "7")
    assert capsys.readouterr().out.strip() == "已删除 1 个 7 天前完成的导入任务。"
    assert ImportJob.objects.count() == 0
    with pytest.raises(DomainError):
        prune_import_jobs(older_than_days=0)
    with pytest.raises(CommandError, match="保留天数至少为 1 天。"):
        call_command("prune_import_jobs", "--days", "0")
