"""``yiwang codev_remind``: notify the owners of overdue co-development tasks, once per task
(in-app and e-mail). Run it from cron (e.g. daily); running it twice sends nothing new."""

from django.core.management.base import BaseCommand

from yiwang.codev.services import remind_overdue_tasks


class Command(BaseCommand):
    help = "提醒合备一门课中已逾期任务的负责人（每个任务只提醒一次）。"

    def handle(self, *args, **options):
        sent = remind_overdue_tasks()
        self.stdout.write(f"已提醒 {sent} 个逾期任务。")
