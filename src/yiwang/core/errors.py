"""Errors a person can cause. Services raise them; views and the API show the message."""


class DomainError(Exception):
    """A refused action with a Chinese message for the person who tried it."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field


class PermissionDeniedError(DomainError):
    code = "forbidden"
    status = 403


class NotFoundError(DomainError):
    """Used both for missing and for not-visible objects, so nothing leaks."""

    code = "not_found"
    status = 404

    def __init__(self, message: str = "未找到该记录，或您无权查看。", **kwargs):
        super().__init__(message, **kwargs)


class ConflictError(DomainError):
    code = "conflict"
    status = 409
