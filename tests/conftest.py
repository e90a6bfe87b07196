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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Keep what migrations created (Wagtail's root page, groups, workflows)
    available to every transactional test's serialized rollback.

    Django keeps the serialized copy on the connection object, and connection
    objects are per context: once Playwright's event loop runs in the test
    thread, a test can get a fresh connection object without the copy, so its
    flush would lose that data for good. Keeping the copy on the connection
    class makes every connection object of the test database see it."""
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache: start every test with none
    (nor with the page cache's generations this process remembers)."""
    from django.core.cache import cache

    from kb.pagecache.store import forget_generations

    cache.clear()
    forget_generations()
    yield
    cache.clear()
    forget_generations()


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
