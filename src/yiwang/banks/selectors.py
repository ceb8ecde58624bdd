import uuid

from yiwang.core.errors import NotFoundError

from .models import ImportJob


def import_job_of(user, job_id) -> ImportJob:
    """The job for its owner; NotFoundError for anyone else, a missing job or a bad id."""
    try:
        pk = uuid.UUID(str(job_id))
    except ValueError:
        raise NotFoundError() from None
    if not getattr(user, "is_authenticated", False):
        raise NotFoundError()
    job = ImportJob.objects.filter(pk=pk, owner=user).select_related("school").first()
    if job is None:
        raise NotFoundError()
    return job
