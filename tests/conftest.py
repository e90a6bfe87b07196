"""Shared fixtures. Tests run against a real database (SQLite, or PostgreSQL when
DATABASE_URL is set) and real HTTP through Django's test client or a live server."""

import io
import os

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in the test thread; Django then
# refuses ORM calls from "async context" unless told this is intended.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DEMO_PASSWORD = "sportello-demo"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache: start every test with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo(db):
    """The demo data exactly as `make run` loads it."""
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def customer_user(demo):
    from accounts.models import User

    return User.objects.get(username="024200")


@pytest.fixture
def other_customer_user(demo):
    from accounts.models import User

    return User.objects.get(username="031337")


@pytest.fixture
def partner_user(demo):
    from accounts.models import User

    return User.objects.get(username="partner")


@pytest.fixture
def editor_user(demo):
    from accounts.models import User

    return User.objects.get(username="editor")


@pytest.fixture
def admin_user_demo(demo):
    from accounts.models import User

    return User.objects.get(username="admin")
