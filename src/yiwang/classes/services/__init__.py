"""Writes of the open classroom, one module per noun. Each write: permission → transition
check → lock → save → audit (same transaction) → notify after commit.

* ``classes``         — training classes (草稿 → 发布 → 结束) and their sessions, the schedule builder
* ``signups``         — sign-up, seats and the waitlist, approval, cancellation
* ``checkins``        — QR check-in
* ``evaluations``     — 评课
* ``enrolments``      — 整期报名: programme enrolment, its seats, completion (结业)
* ``calendar_tokens`` — private iCal feed keys

The public functions are re-exported here, so callers write ``services.sign_up(...)``.
"""

from .calendar_tokens import calendar_token_for_key, create_calendar_token, revoke_calendar_token
from .checkins import check_in
from .classes import (
    CLASS_FIELDS,
    CLASS_TRANSITIONS,
    EDITABLE_CLASS_FIELDS,
    SESSION_FIELDS,
    add_session,
    cancel_session,
    copy_day,
    create_class,
    delete_session,
    finish_class,
    publish_class,
    update_class,
    update_session,
)
from .common import _setting, cancel_cutoff, local_datetime
from .enrolments import cancel_enrolment, complete_programme, enrol, enrolment_deadline
from .evaluations import (
    RateLimitedError,
    has_rated,
    issue_rating_ticket,
    rating_cap,
    rating_ticket_for_qr,
    real_rating_count,
    submit_evaluation,
)
from .signups import (
    SIGN_UP_TRANSITIONS,
    approve_sign_up,
    cancel_sign_up,
    home_school_of,
    reject_sign_up,
    sign_up,
    sign_up_message,
)

__all__ = [
    "CLASS_FIELDS",
    "CLASS_TRANSITIONS",
    "EDITABLE_CLASS_FIELDS",
    "SESSION_FIELDS",
    "SIGN_UP_TRANSITIONS",
    "RateLimitedError",
    "_setting",
    "add_session",
    "approve_sign_up",
    "calendar_token_for_key",
    "cancel_cutoff",
    "cancel_enrolment",
    "complete_programme",
    "cancel_session",
    "cancel_sign_up",
    "check_in",
    "copy_day",
    "create_calendar_token",
    "create_class",
    "delete_session",
    "enrol",
    "enrolment_deadline",
    "finish_class",
    "has_rated",
    "home_school_of",
    "local_datetime",
    "publish_class",
    "issue_rating_ticket",
    "rating_cap",
    "rating_ticket_for_qr",
    "real_rating_count",
    "reject_sign_up",
    "revoke_calendar_token",
    "sign_up",
    "sign_up_message",
    "submit_evaluation",
    "update_class",
    "update_session",
]
