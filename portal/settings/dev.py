"""Settings for a developer's laptop: `make run`."""

from .base import *

DEBUG = True
# A fixed key is fine here: dev never holds real data and production refuses it.
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-not-for-production")  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
INTERNAL_IPS = ["127.0.0.1"]
# The demo loader may run here (manage.py load_demo refuses elsewhere).
DEMO_DATA_ALLOWED = True
