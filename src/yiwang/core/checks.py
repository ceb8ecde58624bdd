"""Deployment checks of the kernel (``yiwang check --deploy``)."""

import importlib.util

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def redis_client_installed(app_configs, **kwargs):
    if not settings.REDIS_URL or importlib.util.find_spec("redis") is not None:
        return []
    return [
        Error(
            "设置了 REDIS_URL，但未安装 redis 客户端包。",
            hint="安装 redis（pip install redis），或删去 REDIS_URL 改用数据库缓存。",
            id="yiwang.E002",
        )
    ]


@register(deploy=True)
def personal_data_keys_set(app_configs, **kwargs):
    if settings.PERSONAL_DATA_KEYS and settings.PERSONAL_DATA_HASH_KEY:
        return []
    return [
        Warning(
            "PERSONAL_DATA_KEYS 或 PERSONAL_DATA_HASH_KEY 未设置：电话和邮箱正用由 SECRET_KEY 派生的开发密钥加密，"
            "更换 SECRET_KEY 将无法解密。",
            hint="用 `yiwang personal_data_key` 生成密钥，按 README“生产部署”一节设置这两个环境变量。",
            id="yiwang.W001",
        )
    ]
