"""``yiwang school_webhook add|list|remove|test``: a school's WeCom / DingTalk group robots."""

from django.core.management.base import BaseCommand, CommandError

from yiwang.activity.models import SchoolWebhook
from yiwang.activity.services import add_school_webhook, remove_school_webhook
from yiwang.activity.webhooks import DeliveryFailed, message_text, post_text
from yiwang.core.errors import DomainError

School = SchoolWebhook._meta.get_field("school").related_model  # the school model, by relation


class Command(BaseCommand):
    help = "配置学校的通知机器人（企业微信 wecom / 钉钉 dingtalk）：add、list、remove、test。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser(
            "add", help="添加：school_webhook add <学校代码> <wecom|dingtalk> <地址> [--secret 加签密钥]"
        )
        add.add_argument("school_code")
        add.add_argument("kind", choices=["wecom", "dingtalk"])
        add.add_argument("url")
        add.add_argument("--secret", default="")
        sub.add_parser("list", help="列出全部机器人")
        remove = sub.add_parser("remove", help="删除：school_webhook remove <编号>")
        remove.add_argument("hook_id", type=int)
        test = sub.add_parser("test", help="发送一条测试消息：school_webhook test <编号>")
        test.add_argument("hook_id", type=int)

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, f"do_{action}")(**options)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def do_add(self, *, school_code, kind, url, secret, **_):
        school = School.objects.filter(code=school_code).first()
        if school is None:
            raise CommandError(f"未知的学校代码“{school_code}”。")
        hook = add_school_webhook(school=school, kind=kind, url=url, secret=secret)
        self.stdout.write(f"已添加 {hook.pk} 号机器人：{school} · {hook.get_kind_display()}")

    def do_list(self, **_):
        for hook in SchoolWebhook.objects.select_related("school").order_by("school_id", "pk"):
            state = "启用" if hook.is_active else "停用"
            self.stdout.write(
                f"{hook.pk}\t{hook.school}\t{hook.get_kind_display()}\t{hook.url.split('?')[0]}\t{state}"
            )

    def _hook(self, hook_id):
        hook = SchoolWebhook.objects.select_related("school").filter(pk=hook_id).first()
        if hook is None:
            raise CommandError(f"没有编号为 {hook_id} 的机器人。")
        return hook

    def do_remove(self, *, hook_id, **_):
        remove_school_webhook(hook=self._hook(hook_id))
        self.stdout.write(f"已删除 {hook_id} 号机器人。")

    def do_test(self, *, hook_id, **_):
        hook = self._hook(hook_id)
        try:
            post_text(
                kind=hook.kind,
                url=hook.url,
                secret=hook.secret,
                text=message_text("测试消息", "机器人配置成功。"),
            )
        except DeliveryFailed as exc:
            raise CommandError(f"发送失败：{exc}") from None
        self.stdout.write("测试消息已发送。")
