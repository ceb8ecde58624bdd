"""Sessions created by the request flow between schools (``exchanges``): an accepted teacher
dispatch (师资互派) puts the dispatched teacher's session into the requesting school's class.

Who may do it was decided by the request flow, not by the class runner check: the requesting
school's staff opened the request for their own class, the teacher's school accepted it. The
fields are checked exactly as ``add_session`` checks them (with ``by`` = the person accepting,
who sees their own teacher), and the session is audited as created through the exchange.
"""

from django.db import transaction

from yiwang.activity.services import record_audit, snapshot
from yiwang.core.errors import DomainError

from ..models import Session, TrainingClass
from .classes import SESSION_FIELDS, _session_defaults, _set_times, _validate_session


def add_exchange_session(*, by, training_class: TrainingClass, via: str, **fields) -> Session:
    """Add a session to ``training_class`` on behalf of an accepted exchange (``via`` names it,
    e.g. ``"dispatch:12"``). Call inside the exchange's transaction."""
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise DomainError("未知的课程字段：" + "、".join(sorted(unknown)))
    fields = _session_defaults(dict(fields))
    _validate_session(fields, by, training_class)
    with transaction.atomic():
        session = Session(training_class=training_class, **fields)
        _set_times(session)
        session.save()
        record_audit(
            actor=by,
            action="session.created",
            obj=session,
            school=training_class.owner_school,
            after={**snapshot(session, SESSION_FIELDS), "via": via},
        )
    return session
