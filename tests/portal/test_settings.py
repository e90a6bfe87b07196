"""The settings modules: production refuses to start without its secrets and
turns on the security headers; e-mail and hashing are configured as documented.

Each case starts a fresh interpreter, because settings are read once per process.
"""

import importlib
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PROJECT = Path(settings.BASE_DIR)
PYTHON = PROJECT / ".venv" / "bin" / "python"
if not PYTHON.exists():  # e.g. a CI image without the project's venv
    PYTHON = Path(sys.executable)

# Variables the settings read: the child process sees only what a case gives it.
CONTROLLED = {
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "EMAIL_HOST",
    "CACHE_URL",
    "DATABASE_CONN_MAX_AGE",
    "DJANGO_SETTINGS_MODULE",
}
REPORT = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SECURE_CONTENT_TYPE_NOSNIFF": s.SECURE_CONTENT_TYPE_NOSNIFF,
    "SECURE_REFERRER_POLICY": s.SECURE_REFERRER_POLICY,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "DEBUG": s.DEBUG,
    "TASKS": s.TASKS["default"]["BACKEND"],
    "EMAIL_BACKEND": s.EMAIL_BACKEND,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": getattr(s, "CSRF_TRUSTED_ORIGINS", []),
    "DATABASE_ENGINE": s.DATABASES["default"]["ENGINE"],
    "CONN_MAX_AGE": s.DATABASES["default"]["CONN_MAX_AGE"],
    "CONN_HEALTH_CHECKS": s.DATABASES["default"]["CONN_HEALTH_CHECKS"],
}))
"""


def production_env(**overrides: str | None) -> dict[str, str]:
    values = {
        "SECRET_KEY": secrets.token_urlsafe(50)[:50],
        "ALLOWED_HOSTS": "example.com",
        "DATABASE_URL": "sqlite:////tmp/x.db",
    }
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


def run_settings(module: str, variables: dict[str, str], code: str = REPORT):
    env = {k: v for k, v in os.environ.items() if k not in CONTROLLED}
    env.update(variables, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [str(PYTHON), "-c", code],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"], ids=str.lower
)
def test_production_refuses_to_start_without(missing):
    result = run_settings(
        "portal.settings.production",
        production_env(**{missing: None}),
        code="import django; django.setup()",
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} is not set" in result.stderr


@pytest.mark.parametrize(
    "key",
    ["short-key", "dev-only-insecure-key-not-for-production-0123456789"],
    ids=["short", "dev-key"],
)
def test_production_refuses_a_weak_secret_key(key):
    result = run_settings(
        "portal.settings.production",
        production_env(SECRET_KEY=key),
        code="import django; django.setup()",
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_everything_set_and_is_locked_down():
    result = run_settings("portal.settings.production", production_env())

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] > 0
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["TASKS"].startswith("django_tasks_db.")
    assert values["ALLOWED_HOSTS"] == ["example.com"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://example.com"]
    assert values["DATABASE_ENGINE"] == "django.db.backends.sqlite3"


def test_production_reads_a_list_of_hosts():
    result = run_settings(
        "portal.settings.production",
        production_env(ALLOWED_HOSTS="support.example.com, portal.example.com"),
    )

    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["ALLOWED_HOSTS"] == ["support.example.com", "portal.example.com"]


def test_base_settings_hash_passwords_with_argon2_first():
    base = importlib.import_module("portal.settings.base")

    assert base.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher"
    )


@pytest.mark.parametrize(
    ("variables", "backend"),
    [
        ({"EMAIL_HOST": "localhost"}, "django.core.mail.backends.smtp.EmailBackend"),
        ({}, "django.core.mail.backends.console.EmailBackend"),
    ],
    ids=["smtp-with-host", "console-without"],
)
def test_email_goes_over_smtp_only_when_a_host_is_set(variables, backend):
    result = run_settings("portal.settings.dev", variables)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["EMAIL_BACKEND"] == (
        backend
    )


def test_dev_settings_start_without_any_variable():
    result = run_settings("portal.settings.dev", {})

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is True
    assert values["TASKS"] == "django_tasks.backends.immediate.ImmediateBackend"


def test_load_demo_refuses_under_production_settings(tmp_path):
    database = tmp_path / "live.db"
    result = run_settings(
        "portal.settings.production",
        production_env(DATABASE_URL=f"sqlite:///{database}"),
        code=(
            "import django; django.setup()\n"
            "from django.core.management import call_command\n"
            "call_command('load_demo')\n"
        ),
    )

    assert result.returncode != 0
    assert "CommandError: Refusing to load the demo" in result.stderr
    assert "portal.settings.production" in result.stderr
    # Refused before touching the database.
    assert not database.exists() or database.stat().st_size == 0


CACHE_REPORT = """
import json, django
django.setup()
from django.conf import settings as s
from django.core.checks import run_checks
print(json.dumps({
    "CACHE": s.CACHES["default"]["BACKEND"],
    "deploy_errors": [e.id for e in run_checks(include_deployment_checks=True)
                      if e.id.startswith("portal.")],
}))
"""


@pytest.mark.parametrize(
    "url",
    ["memcached://127.0.0.1:11211", "locmem://", "db://sportello_cache"],
    ids=["memcached", "locmem", "other"],
)
def test_production_refuses_a_cache_that_cannot_count_rate_limits(url):
    result = run_settings(
        "portal.settings.production",
        production_env(CACHE_URL=url),
        code="import django; django.setup()",
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "CACHE_URL must be a Redis URL" in result.stderr


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        (None, "django.core.cache.backends.db.DatabaseCache"),
        ("redis://127.0.0.1:6379/1", "django.core.cache.backends.redis.RedisCache"),
    ],
    ids=["database", "redis"],
)
def test_production_counts_rate_limits_on_redis_or_the_database(url, backend):
    result = run_settings(
        "portal.settings.production", production_env(CACHE_URL=url), CACHE_REPORT
    )

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["CACHE"] == backend
    assert values["deploy_errors"] == []


@pytest.mark.parametrize(("variable", "entries"), [(None, 10_000), ("50000", 50_000)])
def test_production_database_cache_holds_many_pages(variable, entries):
    # Django's default (300) would cull the page cache of a small site.
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CACHES['default']['OPTIONS']['MAX_ENTRIES'])"
    )
    result = run_settings(
        "portal.settings.production", production_env(CACHE_MAX_ENTRIES=variable), code
    )

    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip().splitlines()[-1]) == entries


def test_production_refuses_a_cache_bound_that_is_not_a_number():
    result = run_settings(
        "portal.settings.production",
        production_env(CACHE_MAX_ENTRIES="lots"),
        code="import django; django.setup()",
    )

    assert result.returncode != 0
    assert "CACHE_MAX_ENTRIES must be a whole number" in result.stderr


@pytest.mark.parametrize(("variable", "seconds"), [(None, 60), ("0", 0), ("300", 300)])
def test_production_workers_keep_their_database_connection(variable, seconds):
    result = run_settings(
        "portal.settings.production", production_env(DATABASE_CONN_MAX_AGE=variable)
    )

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["CONN_MAX_AGE"] == seconds
    assert values["CONN_HEALTH_CHECKS"] is True


def test_dev_settings_close_the_connection_after_each_request():
    result = run_settings("portal.settings.dev", {})

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["CONN_MAX_AGE"] == 0
