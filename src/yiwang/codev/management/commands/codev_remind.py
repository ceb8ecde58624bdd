"""``yiwang codev_remind``: notify the owners of overdue co-development tasks, once per task
(in-app and e-mail), and the adopters of lecture topics changed since they last heard, once
per change. Run it from cron (e.g. daily); running it twice sends nothing new."""

from django.core.management.base import BaseCommand

from yiwang.codev.services import notify_topic_adopters, remind_overdue_tasks


class Command(BaseCommand):
    help = "提醒合备一门课中已逾期任务的负责人（每个任务只提醒一次），并通知引用的讲题已更新的学校（每次修改只通知一次）。"

    def handle(self, *args, **options):
        sent = remind_overdue_tasks()
        adopters = notify_topic_adopters()
        self.stdout.write(f"已提醒 {sent} 个逾期任务；已通知 {adopters} 个讲题引用有更新。")
