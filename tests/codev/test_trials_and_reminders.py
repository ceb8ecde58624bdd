"""试讲 as open sessions of 同听一堂课; the reminder command; .docx edge cases."""

import io
import zipfile
from datetime import date, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from tests.factories.classes import TrainingClassFactory

from yiwang.classes.models import Session
from yiwang.codev import services
from yiwang.codev.documents import docx_text
from yiwang.codev.models import TrialLecture
from yiwang.core.errors import ConflictError, DomainError
from yiwang.network.enums import SharingScope


def test_trial_lecture_is_an_open_session(cd):
    training_class = TrainingClassFactory(owner_school=cd.net.city, scope=SharingScope.NETWORK)
    services.move_stage(by=cd.office, project=cd.project, to="writing")
    day = timezone.localdate() + timedelta(days=3)
    with pytest.raises(ConflictError, match="只有处于“试讲”阶段的项目可以安排试讲。"):
        services.schedule_trial(
            by=cd.office,
            project=cd.project,
            training_class=training_class,
            day=day,
            start_time=time(9),
            end_time=time(11),
        )
    services.move_stage(by=cd.office, project=cd.project, to="trial")
    trial = services.schedule_trial(
        by=cd.office,
        project=cd.project,
        training_class=training_class,
        day=day,
        start_time=time(9),
        end_time=time(11),
    )
    session = Session.objects.get(pk=trial.session_id)
    assert (session.title, session.is_open, session.visiting_seats, session.place) == (
        "试讲：广州起义纪念馆现场教学",
        True,
        30,
        "广州起义纪念馆",
    )


def test_trial_in_a_class_outside_the_team_is_refused(cd):
    training_class = TrainingClassFactory(owner_school=cd.net.far)
    services.move_stage(by=cd.office, project=cd.project, to="writing")
    services.move_stage(by=cd.office, project=cd.project, to="trial")
    with pytest.raises(DomainError, match="试讲须安排在牵头学校或参与学校的班次中。"):
        services.schedule_trial(
            by=cd.office,
            project=cd.project,
            training_class=training_class,
            day=date.today(),
            start_time=time(9),
            end_time=time(11),
        )
    assert TrialLecture.objects.count() == 0


def test_remind_command_reminds_once(cd, capsys):
    services.create_task(
        by=cd.office,
        project=cd.project,
        title="逾期任务",
        assignee=cd.writer_member,
        due_date=date(2020, 1, 1),
    )
    call_command("codev_remind")
    call_command("codev_remind")
    assert capsys.readouterr().out == (
        "已提醒 1 个逾期任务；已通知 0 个讲题引用有更新。\n已提醒 0 个逾期任务；已通知 0 个讲题引用有更新。\n"
    )


def _zip(name, data) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
    return SimpleUploadedFile("x.docx", buffer.getvalue())


def test_docx_without_document_or_with_entities_is_refused():
    with pytest.raises(DomainError, match="无法读取该 Word 文件"):
        docx_text(_zip("other.xml", "<a/>"))
    with pytest.raises(DomainError, match="无法读取该 Word 文件"):
        docx_text(_zip("word/document.xml", '<!DOCTYPE d [<!ENTITY e "x">]><d>&e;</d>'))
