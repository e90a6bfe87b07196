"""The deflection API is limited per user and per client address; the first
step counts only complete descriptions, and a refusal keeps what was typed."""

import pytest

from .conftest import url

pytestmark = pytest.mark.django_db


def api_suggest(client, **extra):
    return client.get(
        "/api/deflection/suggest/", {"q": "archive locked", "lang": "en"}, **extra
    )


def test_api_is_limited_per_address_whoever_is_logged_in(as_user, settings):
    settings.DEFLECTION_RATE = (10, 60)
    settings.DEFLECTION_ADDRESS_RATE = (3, 60)
    client = as_user("024200")
    for _attempt in range(2):
        assert api_suggest(client).status_code == 200
    client = as_user("031337")  # another user behind the same address
    assert api_suggest(client).status_code == 200

    refused = api_suggest(client)

    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/json"
    assert refused["Retry-After"] in {"59", "60"}
    assert refused.json()["retry_after"] in {59, 60}
    assert api_suggest(client, REMOTE_ADDR="10.9.9.9").status_code == 200


def test_api_is_limited_per_user(as_user, settings):
    settings.DEFLECTION_RATE = (2, 60)
    client = as_user("024200")
    statuses = [
        api_suggest(client, REMOTE_ADDR=f"10.0.0.{i}").status_code for i in range(3)
    ]

    assert statuses == [200, 200, 429]


def test_first_step_counts_only_complete_descriptions(as_user, settings):
    settings.DEFLECTION_RATE = (1, 3600)
    client = as_user("024200")
    for _attempt in range(2):
        incomplete = client.post(
            url("deflection:start"),
            {"product_line": "accounting", "description": "", "action": "suggest"},
        )
        assert incomplete.status_code == 400

    first = client.post(
        url("deflection:start"),
        {"product_line": "accounting", "description": "archive locked"},
    )
    refused = client.post(
        url("deflection:start", language="fi"),
        {
            "product_line": "accounting",
            "description": "the backup does not start",
            "action": "suggest",
        },
    )

    assert first.status_code == 302
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "the backup does not start" in page
    assert "yritä uudelleen 60 minuutin kuluttua" in page
