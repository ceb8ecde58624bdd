"""Permission predicates of the platform roles that manage accounts (三员分立)."""


def can_manage_accounts(user) -> bool:
    return getattr(user, "is_authenticated", False) and (user.is_security_admin or user.is_system_admin)
