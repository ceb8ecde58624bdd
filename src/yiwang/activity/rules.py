"""Who may read the audit log: the audit admin only (三员分立)."""


def can_read_audit(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_audit_admin
