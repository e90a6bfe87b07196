"""429 answers say when to come back: ``Retry-After`` holds the seconds until the
rate limit's window resets (or, for a login lockout, the cool-off)."""

import shutil
import socket
import subprocess
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from core import throttle
from core.models import RateCounter

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """A controllable time.time() for the limiter."""
    now = {"t": 1_000_000.0}
    monkeypatch.setattr(throttle.time, "time", lambda: now["t"])
    return now


def test_throttled_page_tells_when_the_window_resets(client, settings, clock):
    settings.ACCOUNTS_RESET_RATE = (1, 600)
    with translation.override("it"):
        address = reverse("accounts:password_reset")
    client.post(address, {"email": "someone@example.com"})
    clock["t"] += 100

    response = client.post(address, {"email": "someone@example.com"})

    assert response.status_code == 429
    assert response["Retry-After"] == "500"


def test_api_429_has_retry_after(client, settings, clock):
    settings.CASES_API_RATE = (1, 60)
    client.get("/api/product-lines/")
    clock["t"] += 59.5

    response = client.get("/api/product-lines/")

    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    assert "error" in response.json()


def test_answers_within_the_limit_have_no_retry_after(client, settings):
    settings.CASES_API_RATE = (5, 60)

    response = client.get("/api/product-lines/")

    assert response.status_code == 200
    assert not response.has_header("Retry-After")


def test_login_lockout_has_retry_after_of_the_cool_off(client, settings, demo):
    with translation.override("en"):
        address = reverse("accounts:login")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            address, {"username": "024200", "password": f"wrong-{attempt}"}
        )

    assert response.status_code == 429
    assert response["Retry-After"] == str(
        int(settings.AXES_COOLOFF_TIME.total_seconds())
    )


def test_limiter_outside_a_request_still_counts():
    assert throttle.hit_rate_limit("unit", "k", 1, 60) is False
    assert throttle.hit_rate_limit("unit", "k", 1, 60) is True


# Atomic counting on every cache production may use.

DATABASE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "throttle_test_cache",
    }
}


@pytest.fixture
def database_cache():
    """Production's default: the database cache (whose incr() is a read and a
    write, with the cache's default timeout of 300 seconds)."""
    with override_settings(CACHES=DATABASE_CACHE):
        call_command("createcachetable", verbosity=0)
        yield


def _hit_in_threads(count: int, limit: int, window: int) -> list:
    """``count`` threads each count one attempt at once; their answers."""
    barrier = threading.Barrier(count)
    answers: list = [None] * count

    def attempt(index: int) -> None:
        try:
            barrier.wait()
            answers[index] = throttle.rate_limit_wait("race", "token:1", limit, window)
        except Exception as error:  # noqa: BLE001 - reported by the test
            answers[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_attempts_on_the_database_cache_accept_exactly_the_limit(
    database_cache,
):
    if connection.vendor == "sqlite":
        # Threads share the in-memory test database in shared-cache mode, where
        # a writer that meets another fails at once ("database table is
        # locked") instead of waiting as it does on a database file.
        pytest.skip("concurrent writers need PostgreSQL or a SQLite file")
    answers = _hit_in_threads(24, limit=20, window=3600)

    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert answers.count(0) == 20
    refused = [a for a in answers if a]
    assert len(refused) == 4
    # The refusals tell the hour's end, not the database cache's 300 seconds.
    assert all(3590 <= seconds <= 3600 for seconds in refused), refused
    assert RateCounter.objects.get().count == 24


def test_database_counter_keeps_an_hour_window(database_cache, clock):
    for _attempt in range(2):
        assert throttle.hit_rate_limit("hourly", "u1", 2, 3600) is False
    assert throttle.hit_rate_limit("hourly", "u1", 2, 3600) is True

    # Past the database cache's default timeout (300 s): still the same window.
    clock["t"] += 301
    assert throttle.rate_limit_wait("hourly", "u1", 2, 3600) == 3299
    clock["t"] += 3299

    # The hour is over: a new window.
    assert throttle.hit_rate_limit("hourly", "u1", 2, 3600) is False
    assert RateCounter.objects.get(key="throttle:hourly:u1").count == 1


def test_database_counters_are_per_scope_and_key(database_cache):
    assert throttle.hit_rate_limit("a", "k", 1, 60) is False
    assert throttle.hit_rate_limit("b", "k", 1, 60) is False
    assert throttle.hit_rate_limit("a", "other", 1, 60) is False
    assert throttle.hit_rate_limit("a", "k", 1, 60) is True


def test_ended_windows_are_removed_when_a_window_opens(database_cache, clock):
    throttle.hit_rate_limit("old", "k", 5, 60)
    clock["t"] += 61

    throttle.hit_rate_limit("new", "k", 5, 60)

    assert list(RateCounter.objects.values_list("key", flat=True)) == ["throttle:new:k"]


def test_a_very_long_key_is_counted_under_its_digest(database_cache):
    key = "x" * 500
    assert throttle.hit_rate_limit("long", key, 1, 60) is False
    assert throttle.hit_rate_limit("long", key, 1, 60) is True
    assert throttle.hit_rate_limit("long", key + "y", 1, 60) is False


def test_api_refuses_over_the_limit_on_the_database_cache(
    database_cache, client, settings
):
    # database_cache first: ``settings`` must be undone before it, or undoing
    # it would bring back the database cache's settings.
    settings.CASES_API_RATE = (2, 3600)
    statuses = [client.get("/api/product-lines/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_deploy_check_refuses_a_per_process_cache():
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=local):
        assert [e.id for e in throttle.check_rate_limit_cache()] == ["core.E001"]
    with override_settings(CACHES=DATABASE_CACHE):
        assert throttle.check_rate_limit_cache() == []


# Redis, when a redis-server is installed (production with CACHE_URL).


@pytest.fixture(scope="module")
def redis_url():
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 - a fixed local binary
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def redis_cache(redis_url):
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
        }
    }
    with override_settings(CACHES=caches):
        from django.core.cache import cache

        cache.clear()
        yield
        cache.clear()


def test_concurrent_attempts_on_redis_accept_exactly_the_limit(redis_cache):
    answers = _hit_in_threads(24, limit=20, window=3600)

    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert answers.count(0) == 20
    assert all(3590 <= seconds <= 3600 for seconds in answers if seconds)


def test_redis_window_is_not_moved_by_later_attempts(redis_cache):
    assert throttle.hit_rate_limit("short", "k", 1, 2) is False
    time.sleep(1.2)
    # A refused attempt late in the window does not extend it.
    assert throttle.rate_limit_wait("short", "k", 1, 2) == 1
    time.sleep(1.0)

    assert throttle.hit_rate_limit("short", "k", 1, 2) is False
