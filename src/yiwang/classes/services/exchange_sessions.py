"""Sessions created by the request flow between schools (``exchanges``): an accepted teacher
dispatch (师资互派) puts the dispatched teacher's session into the requesting school's class.

Who may do it was decided by the request flow, not by the class runner check: the requesting
school's staff opened the request for their own class, the teacher's school accepted it. The
fields are checked exactly as ``add_session`` checks them (with ``by`` = the person accepting,
who sees their own teacher), and the session is audited as created through the exchange.
"""

from ..models import Session, TrainingClass
from .classes import cancel_session, create_session


def add_exchange_session(*, by, training_class: TrainingClass, via: str, **fields) -> Session:
    """Add a session to ``training_class`` on behalf of an accepted exchange (``via`` names it,
    e.g. ``"dispatch:12"``). Call inside the exchange's transaction."""
    return create_session(by=by, training_class=training_class, fields=fields, via=via)


def cancel_exchange_session(*, by, session: Session, reason: str) -> Session:
    """Cancel a session whose exchange was closed — a field-site booking (``sites``) declined by the
    site's school or withdrawn: that answer decided it, not the class runner check."""
    return cancel_session(by=by, session=session, reason=reason, runner_checked=True)
