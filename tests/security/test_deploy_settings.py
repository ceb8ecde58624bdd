"""Part 9: with the README's production variables, ``yiwang check --deploy`` is clean."""

import os
import subprocess
import sys

import gunicorn

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "yiwang.settings.production",
    "SECRET_KEY": "x7Kq2v9LmN4pR8sT1wY6zB3cD5fG0hJ-aE_iO7uQ2rS9tV4wX8yZ1bC3dF5gH6jK",
    "ALLOWED_HOSTS": "yiwang.example.cn",
    "CSRF_TRUSTED_ORIGINS": "https://yiwang.example.cn",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "TRUSTED_PROXIES": "127.0.0.1",
    "MAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "MAIL_HOST": "smtp.example.cn",
    "PERSONAL_DATA_KEYS": "k1:3q2-7wZ5mXyL0aB9cD8eF7gH6iJ5kL4mN3oP2qR1sT0",
    "PERSONAL_DATA_HASH_KEY": "Vx9-hash-key-for-contact-lookups-2Wq",
}


def run_check(tmp_path, **overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(PRODUCTION_ENV, YIWANG_DATA_DIR=str(tmp_path), **overrides)
    return subprocess.run(
        [sys.executable, "-m", "yiwang", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_documented_variables(tmp_path):
    result = run_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_personal_data_keys(tmp_path):
    result = run_check(tmp_path, PERSONAL_DATA_KEYS="", PERSONAL_DATA_HASH_KEY="")
    assert result.returncode != 0
    assert "yiwang.W001" in result.stderr + result.stdout


def test_check_deploy_warns_with_a_console_mailer(tmp_path):
    result = run_check(tmp_path, MAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
    assert result.returncode != 0
    assert "email will not be sent" in result.stderr + result.stdout


def test_production_settings_values(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_PROXY_SSL_HEADER)"
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(PRODUCTION_ENV, YIWANG_DATA_DIR=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.stdout.strip() == "True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https')", out.stderr


def test_gunicorn_server_banner_has_no_version():
    assert gunicorn.SERVER == "gunicorn"
    assert gunicorn.__version__ not in gunicorn.SERVER
