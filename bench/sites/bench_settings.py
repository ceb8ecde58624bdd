"""Production settings for the benchmarks, with persistent database connections.

``yiwang.settings.base`` opens a new PostgreSQL connection per request (CONN_MAX_AGE=0);
connecting costs more than the whole sign-up, so the benchmark keeps connections
open as a production deployment should (see docs/performance/classes.md).
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
# Plain HTTP over loopback: no redirect to https (which the client would follow into a TLS handshake).
os.environ.setdefault("HTTPS", "false")

from yiwang.settings.production import *  # noqa: E402,F403
from yiwang.settings.production import DATABASES  # noqa: E402

DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("BENCH_CONN_MAX_AGE", "600"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
