"""Who may do what with field sites and bookings.

* manage a site (edit, photos, blackout days): staff of the owner school;
* book a site for a school: staff of that school (not the owner: a school uses its own site freely);
* answer a booking: staff of the owner school (through the request flow: ``exchanges.rules.can_answer``);
* see a booking's details (school, group, purpose): staff of the two schools involved;
* evaluate a visit: staff of the visiting school, once, after the visit.
"""

from yiwang.network.context import STAFF_FLAGS
from yiwang.network.rules import has_capability, staff_school_ids


def can_manage_site(user, site) -> bool:
    return has_capability(user, site.owner_school_id, *STAFF_FLAGS)


def can_book_for(user, school) -> bool:
    return has_capability(user, school, *STAFF_FLAGS)


def booking_school_ids(user) -> list[int]:
    """Schools the user may book for (any staff flag)."""
    return staff_school_ids(user)


def is_involved_in(user, booking) -> bool:
    schools = set(staff_school_ids(user))
    return booking.requesting_school_id in schools or booking.site.owner_school_id in schools


def can_evaluate_visit(user, booking) -> bool:
    return has_capability(user, booking.requesting_school_id, *STAFF_FLAGS)
