"""429 answers say when to come back: ``Retry-After`` holds the seconds until the
rate limit's window resets (or, for a login lockout, the cool-off)."""

import pytest
from django.urls import reverse
from django.utils import translation

from portal import throttle

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
