"""``yiwang reencrypt_personal_data``: rewrite every encrypted value with the current key.

Run after putting a new key first in PERSONAL_DATA_KEYS (or after changing
PERSONAL_DATA_HASH_KEY, which renews the lookup hashes); then the old key can be removed."""

from django.apps import apps
from django.core.management.base import BaseCommand

from yiwang.core.crypto import reencrypt_model


class Command(BaseCommand):
    help = "用当前密钥（PERSONAL_DATA_KEYS 的第一项）重新加密所有个人信息字段。"

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="全部重写（更换查找哈希密钥后使用）")

    def handle(self, *args, force: bool, **options):
        for model in apps.get_models():
            count = reencrypt_model(model, force=force)
            if count:
                self.stdout.write(f"{model._meta.label}：重新加密 {count} 行。")
        self.stdout.write("完成。")
