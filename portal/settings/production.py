"""Production settings: refuse to start without the secrets they need."""

from .base import *

DEBUG = False
# manage.py load_demo refuses to create its logins (published password) here.
DEMO_DATA_ALLOWED = False


def _require(name: str, hint: str) -> str:
    value = env(name)
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Production settings refuse to start without it: {hint}"
        )
    return value


SECRET_KEY = _require("SECRET_KEY", "a long random string, kept out of git.")
if SECRET_KEY.startswith(("dev-only", "test-only")) or len(SECRET_KEY) < 40:
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use at least 40 random characters."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    _require("ALLOWED_HOSTS", "a comma-separated list of the portal's host names.")
_require("DATABASE_URL", "e.g. postgres://user:password@host:5432/sportello.")
# Each worker keeps its database connection (DATABASE_CONN_MAX_AGE seconds,
# 60 unless set; 0 closes it after every request): a new connection per
# request costs SQLite a fresh memory map of the file and PostgreSQL a
# connection setup — an article from the page cache went from 257 to 742
# requests/s (bench/README.md, "Pages"). Health checks drop a connection the
# server closed before it is used.
DATABASES["default"]["CONN_MAX_AGE"] = int(env("DATABASE_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", [f"https://{host}" for host in ALLOWED_HOSTS]
)

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

STORAGES["staticfiles"]["BACKEND"] = (
    "whitenoise.storage.CompressedManifestStaticFilesStorage"
)

# Background tasks are stored in the database and run by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Rate limits (core.throttle) must count atomically across worker processes:
# on Redis (CACHE_URL) with a script, else in the database (RateCounter rows;
# the database cache itself would lose counts). Nothing else is accepted.
CACHE_URL = env("CACHE_URL")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            "CACHE_URL must be a Redis URL (redis://, rediss:// or unix://): rate "
            "limits need a cache that counts atomically. Leave it unset to count "
            "in the database."
        )
    try:
        import redis  # noqa: F401 - RedisCache imports it only on first use
    except ImportError as error:
        raise ImproperlyConfigured(
            "CACHE_URL is set but the redis package is missing: install "
            "requirements.txt."
        ) from error
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
        }
    }
else:
    # Django's database cache culls a third of its entries past MAX_ENTRIES
    # (300 by default): the page cache alone holds an entry per page,
    # language and reader class. CACHE_MAX_ENTRIES raises the bound.
    try:
        CACHE_MAX_ENTRIES = int(env("CACHE_MAX_ENTRIES", "10000"))
    except ValueError as error:
        raise ImproperlyConfigured(
            "CACHE_MAX_ENTRIES must be a whole number of entries."
        ) from error
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "sportello_cache",
            "OPTIONS": {"MAX_ENTRIES": CACHE_MAX_ENTRIES},
        }
    }
