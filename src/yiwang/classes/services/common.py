"""What the service modules of the open classroom share: settings, times, the runner check."""

from datetime import date as date_type
from datetime import datetime, time, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from yiwang.core.errors import PermissionDeniedError
from yiwang.network import rules

from ..models import Session


def _setting(name: str, default):
    return getattr(settings, name, default)


def cancel_cutoff() -> timedelta:
    return timedelta(minutes=int(_setting("CLASSES_CANCEL_CUTOFF_MINUTES", 120)))


def local_datetime(day: date_type, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_default_timezone())


def _fmt(dt: datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def _require_runner(by, school) -> None:
    if not rules.can_run_classes(by, school):
        raise PermissionDeniedError("只有本校教务、培训部门或学校管理员可以管理班次和课程安排。")


def _session_url(session: Session) -> str:
    return reverse("classes:session_detail", args=[session.pk])
