"""Permission predicates of the platform roles that manage accounts (三员分立).

The security admin manages accounts; the system admin runs the network and
the audit admin reads the audit log — neither manages accounts. Platform roles
themselves are granted only at the server's command line (docs/decisions/0005).
"""


def can_manage_accounts(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_security_admin)


def can_create_accounts(user) -> bool:
    """The security admin creates accounts; a school admin creates them only for people it adds
    to its own school (network.services.add_person_to_school checks that school right)."""
    if can_manage_accounts(user):
        return True
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return False
    return user.memberships.filter(is_active=True, is_school_admin=True).exists()


def must_use_second_factor(user) -> bool:
    """The three platform roles and school admins must sign in with a second factor."""
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return False
    if user.platform_role:
        return True
    return user.memberships.filter(is_active=True, is_school_admin=True).exists()
