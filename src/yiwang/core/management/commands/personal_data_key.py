"""``yiwang personal_data_key [id]``: print a new PERSONAL_DATA_KEYS entry and a hash key."""

import secrets

from django.core.management.base import BaseCommand

from yiwang.core.crypto import new_key


class Command(BaseCommand):
    help = "生成一个新的个人信息加密密钥（PERSONAL_DATA_KEYS 的一项）和一个查找哈希密钥。"

    def add_arguments(self, parser):
        parser.add_argument("key_id", nargs="?", default="k1", help="密钥编号，如 k1、k2（轮换时递增）")

    def handle(self, *args, key_id: str, **options):
        self.stdout.write(f"PERSONAL_DATA_KEYS={key_id}:{new_key()}")
        self.stdout.write(f"PERSONAL_DATA_HASH_KEY={secrets.token_urlsafe(32)}")
