"""Production: everything from the environment; refuses to start without SECRET_KEY.

The README's "生产部署" section lists the variables; with them set,
``yiwang check --deploy`` reports no issues.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, env_bool, env_int, env_list

if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY 环境变量未设置")

# Served over HTTPS (directly or behind a TLS-terminating proxy): secure cookies,
# HSTS and a redirect from plain HTTP. Set HTTPS=false only for a test install
# on a closed network without TLS (check --deploy will then warn, rightly).
HTTPS = env_bool("HTTPS", True)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
# Behind a TLS proxy that sets e.g. "X-Forwarded-Proto: https", name that header:
# SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto. Only set it when the proxy always
# overwrites the header, never when clients reach the app directly.
_proxy_header = env_list("SECURE_PROXY_SSL_HEADER", "")
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header[0].upper().replace("-", "_"), "https")
# Health checks from the proxy on plain HTTP stay possible on these paths.
SECURE_REDIRECT_EXEMPT = env_list("SECURE_REDIRECT_EXEMPT", "")
