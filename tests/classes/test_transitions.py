"""The transition tables of classes and sign-ups: every state has an entry, a refused change
says why in Chinese and changes nothing."""

import pytest
from tests.factories import member
from tests.factories.classes import TrainingClassFactory, open_session

from yiwang.activity.models import AuditRecord
from yiwang.classes import services
from yiwang.classes.enums import ClassStatus, SignUpStatus
from yiwang.classes.models import SignUp, TrainingClass
from yiwang.core.errors import ConflictError


def test_every_state_has_a_row_and_the_ends_are_final():
    assert set(services.CLASS_TRANSITIONS) == set(ClassStatus.values)
    assert set(services.SIGN_UP_TRANSITIONS) == set(SignUpStatus.values)
    assert services.CLASS_TRANSITIONS[ClassStatus.FINISHED] == set()
    assert services.SIGN_UP_TRANSITIONS[SignUpStatus.CANCELLED] == set()
    assert services.SIGN_UP_TRANSITIONS[SignUpStatus.REJECTED] == set()


def test_a_draft_cannot_be_finished_and_a_finished_class_not_published(network, staff):
    draft = TrainingClassFactory(owner_school=network.city, status=ClassStatus.DRAFT)
    with pytest.raises(ConflictError, match="^只有已发布的班次可以结束。$"):
        services.finish_class(by=staff, training_class=draft)
    finished = TrainingClassFactory(owner_school=network.city, status=ClassStatus.FINISHED)
    with pytest.raises(ConflictError, match="^该班次已发布，无需重复发布。$"):
        services.publish_class(by=staff, training_class=finished)
    assert dict(TrainingClass.objects.values_list("pk", "status")) == {
        draft.pk: ClassStatus.DRAFT,
        finished.pk: ClassStatus.FINISHED,
    }
    assert AuditRecord.objects.filter(action__startswith="class.").count() == 0


def test_a_published_class_finishes_once(network, staff):
    session = open_session(network.city)
    services.finish_class(by=staff, training_class=session.training_class)
    assert TrainingClass.objects.get(pk=session.training_class_id).status == ClassStatus.FINISHED
    with pytest.raises(ConflictError, match="^只有已发布的班次可以结束。$"):
        services.finish_class(by=staff, training_class=session.training_class)
    assert AuditRecord.objects.filter(action="class.finished").count() == 1


def test_a_cancelled_sign_up_cannot_be_cancelled_again(network):
    session = open_session(network.city, seats=1)
    visitor = member(network.branch_a, is_teacher=True)
    entry = services.sign_up(by=visitor, session_id=session.pk)
    services.cancel_sign_up(by=visitor, sign_up_id=entry.pk)
    with pytest.raises(ConflictError, match="^该报名已取消，无需再取消。$"):
        services.cancel_sign_up(by=visitor, sign_up_id=entry.pk)
    assert SignUp.objects.get(pk=entry.pk).status == SignUpStatus.CANCELLED
    assert AuditRecord.objects.filter(action="sign_up.cancelled").count() == 1
