"""Settings for the pytest suite (SQLite unless DATABASE_URL says otherwise)."""

import tempfile

from .base import *

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Argon2 is the real hasher; tests use a fast one so that hundreds of logins
# stay quick. A test checks that base settings keep Argon2 first.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="sportello-media-"))
PRIVATE_STORAGE_ROOT = Path(tempfile.mkdtemp(prefix="sportello-private-"))
WAGTAILADMIN_BASE_URL = "http://testserver"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING["root"]["level"] = "WARNING"
# Vectors without a model: deterministic and fast (search/embedding.py). Every
# search checks the stored vectors' stamp, so that a test never searches the
# vectors a previous test rolled back.
SEARCH_EMBEDDER = "search.embedding.HashingEmbedder"
SEARCH_VECTOR_STAMP_SECONDS = 0
# Tests load the demo; production settings refuse (manage.py load_demo).
DEMO_DATA_ALLOWED = True
