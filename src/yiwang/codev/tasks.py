"""Background work of 合备一门课 (``django.tasks``, run by ``yiwang db_worker``)."""

from django.tasks import task

from .services import notify_topic_adopters, remind_overdue_tasks


@task()
def remind_overdue() -> int:
    """The overdue-task reminders as a task (same once-per-task rule as ``yiwang codev_remind``)."""
    return remind_overdue_tasks()


@task()
def notify_topic_changes() -> int:
    """Tell the adopters of changed lecture topics, once per change (also run by ``codev_remind``)."""
    return notify_topic_adopters()
