"""Settings shared by every environment; values come from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# The repository root when running from a checkout (src/yiwang/settings → root).
PROJECT_DIR = PACKAGE_DIR.parent.parent
DATA_DIR = Path(os.environ.get("YIWANG_DATA_DIR", PROJECT_DIR / "data"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "yiwang.core",
    "yiwang.accounts",
    "yiwang.network",
    "yiwang.activity",
    "yiwang.faculty",
    "yiwang.topics",
    "yiwang.courses",
    "yiwang.research",
    "yiwang.classes",
    "yiwang.reviews",
    "yiwang.exchanges",
    "yiwang.codev",
    "yiwang.calls",
    "yiwang.sites",
    "yiwang.alliances",
    "yiwang.search",
    "yiwang.banks",
    "yiwang.dashboards",
    "yiwang.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML compressed (static files are pre-compressed by WhiteNoise); BREACH: decision 0007.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "yiwang.core.middleware.SlidingSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # The one input boundary for text (NUL and control characters): core.middleware.
    "yiwang.core.middleware.ControlCharacterMiddleware",
    # Idempotency-Key on API writes (accounts.idempotency): a repeat returns the first answer.
    "yiwang.accounts.idempotency.IdempotencyMiddleware",
    "yiwang.core.middleware.RequestContextMiddleware",
    "yiwang.core.middleware.PrivateCacheMiddleware",
    "yiwang.core.middleware.DomainErrorPagesMiddleware",
]

ROOT_URLCONF = "yiwang.urls"
WSGI_APPLICATION = "yiwang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yiwang.portal.context_processors.navigation",
            ],
        },
    }
]

DATA_DIR_SQLITE = DATA_DIR / "yiwang.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR_SQLITE}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets readers run beside one writer; IMMEDIATE takes the write
            # lock at BEGIN so capacity updates never deadlock on upgrade.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    # The planner's price of a random page read (decision 0018): PostgreSQL's default 4 models a
    # spinning disk; on the SSD or page cache a deployment runs on, 1.1 (PostgreSQL's own advice
    # for SSDs) lets it look a few hundred rows up by index instead of scanning a whole table.
    # ``PG_RANDOM_PAGE_COST=`` (empty) keeps the server's setting.
    _page_cost = os.environ.get("PG_RANDOM_PAGE_COST", "1.1").strip()
    if _page_cost:
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c random_page_cost={float(_page_cost)}".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 8)
PASSWORD_MIN_CHARACTER_CLASSES = env_int("PASSWORD_MIN_CHARACTER_CLASSES", 3)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "yiwang.accounts.validators.LengthValidator"},
    {"NAME": "yiwang.accounts.validators.CharacterClassValidator"},
]
# Sign-in lockout and throttles (docs/decisions/0004-login-lockout-and-throttling.md).
# All counts are failures within the last LOGIN_LOCKOUT_MINUTES and expire by themselves.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)  # one client against one account
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 30)
LOGIN_ACCOUNT_MAX_FAILURES = env_int("LOGIN_ACCOUNT_MAX_FAILURES", 20)  # all clients against one account
LOGIN_CLIENT_MAX_FAILURES = env_int("LOGIN_CLIENT_MAX_FAILURES", 20)  # one client across all accounts
LOGIN_GLOBAL_MAX_FAILURES = env_int("LOGIN_GLOBAL_MAX_FAILURES", 300)  # whole platform (spraying)
# Proxies whose X-Forwarded-For is believed: addresses or networks, comma-separated.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
# Personal contact data at rest (core.crypto, decision 0008): AES-256-GCM keys as
# "id:base64url" (comma-separated, the first encrypts; `yiwang personal_data_key` makes one)
# and the key of the lookup hashes. Unset: development keys derived from SECRET_KEY
# (check --deploy warns).
PERSONAL_DATA_KEYS = env_list("PERSONAL_DATA_KEYS", "")
PERSONAL_DATA_HASH_KEY = os.environ.get("PERSONAL_DATA_HASH_KEY", "")
# API writes sent with an Idempotency-Key: how long the first answer is kept for replays.
IDEMPOTENCY_KEY_HOURS = env_int("IDEMPOTENCY_KEY_HOURS", 24)
# Second factor (TOTP, django-otp): the issuer shown in authenticator apps.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "一网")

# Idle sessions end after 30 minutes: the cookie is renewed on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
# Idle sign-out: the expiry moves forward at most once a minute (core.middleware.SlidingSessionMiddleware).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
NODE_MODULES = PROJECT_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    # Only the ECharts parts the dashboard uses, bundled by `make node` (esbuild).
    ("vendor/echarts-dashboard", NODE_MODULES / ".yiwang" / "echarts-dashboard"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Mail (Django 6.1 MAILERS). MAIL_BACKEND defaults to the console: set it to
# django.core.mail.backends.smtp.EmailBackend with MAIL_HOST etc. in production.
_MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
_MAIL_OPTIONS = {}
if _MAIL_BACKEND.endswith("smtp.EmailBackend"):
    _MAIL_OPTIONS = {
        "host": os.environ.get("MAIL_HOST", "localhost"),
        "port": env_int("MAIL_PORT", 25),
        "username": os.environ.get("MAIL_USER", ""),
        "password": os.environ.get("MAIL_PASSWORD", ""),
        "use_tls": env_bool("MAIL_USE_TLS", False),
    }
MAILERS = {"default": {"BACKEND": _MAIL_BACKEND, "OPTIONS": _MAIL_OPTIONS}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "一网平台 <noreply@yiwang.local>")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# One cache shared by every server process (rate limits hold across all of them): the
# database cache (table created by the core migrations), or Redis when REDIS_URL is set
# (e.g. redis://127.0.0.1:6379/0; needs the `redis` package).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "yiwang_cache"}
}

NINJA_PAGINATION_PER_PAGE = 20

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "yiwang.core.log_redaction.RedactSecretsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # Django's own loggers go through the same filtered handler (no iCal keys in logs).
    "loggers": {
        "django": {
            "handlers": ["console"],
            "level": os.environ.get("LOG_LEVEL", "WARNING"),
            "propagate": False,
        },
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Upload limits (materials, evidence files, spreadsheets).
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 50) * 1024 * 1024
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_MB", 30) * 1024 * 1024
# A list's text filter ``q`` (``banks.text_filter``) walks the list in its own order, looking each
# row up in the search index, when the words are in at least this share of the bank (and at least
# this many items); below it the list is read from the matches (SQLite; issue 12 part 2).
LIST_FILTER_WALK_SHARE = 0.10
LIST_FILTER_WALK_MIN = 2000
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Second factor required for platform roles and school admins (accounts.rules.must_use_second_factor).
SECOND_FACTOR_REQUIRED = env_bool("SECOND_FACTOR_REQUIRED", True)
