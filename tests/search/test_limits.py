"""Searching is limited per client address (SEARCH_RATE for the search page and
/api/search/, SEARCH_SUGGEST_RATE for the titles offered while typing): past the
limit the page keeps the form and says when to retry, the API answers JSON."""

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


def search_url(language: str = "en") -> str:
    with translation.override(language):
        return reverse("search:search")


def test_search_page_past_the_limit_keeps_the_form_and_says_when(
    client, demo, settings
):
    settings.SEARCH_RATE = (2, 60)
    # The empty page is not a search: it does not count.
    assert client.get(search_url("it")).status_code == 200
    statuses = [
        client.get(search_url("it"), {"q": "archivio"}).status_code for _ in range(2)
    ]

    refused = client.get(search_url("it"), {"q": "archivio bloccato"})

    assert statuses == [200, 200]
    assert refused.status_code == 429
    assert refused["Retry-After"] in {"59", "60"}
    page = refused.content.decode()
    assert 'value="archivio bloccato"' in page
    assert "Troppi tentativi: riprova tra 60 secondi." in page
    assert 'role="alert"' in page


def test_search_limit_is_per_address(client, demo, settings):
    settings.SEARCH_RATE = (1, 60)
    client.get(search_url(), {"q": "archive"}, REMOTE_ADDR="10.0.0.1")

    other = client.get(search_url(), {"q": "archive"}, REMOTE_ADDR="10.0.0.2")
    same = client.get(search_url(), {"q": "archive"}, REMOTE_ADDR="10.0.0.1")

    assert other.status_code == 200
    assert same.status_code == 429


def test_search_api_shares_the_limit_and_answers_json(client, demo, settings):
    settings.SEARCH_RATE = (2, 60)
    client.get(search_url(), {"q": "archive"})
    client.get("/api/search/", {"q": "archive", "lang": "en"})

    response = client.get("/api/search/", {"q": "archive", "lang": "en"})

    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] in {"59", "60"}
    data = response.json()
    assert data["retry_after"] in {59, 60}
    assert data["error"] == "Too many attempts: try again in 60 seconds."


def test_bad_api_parameters_do_not_count(client, demo, settings):
    settings.SEARCH_RATE = (1, 60)
    for _attempt in range(3):
        assert client.get("/api/search/", {"q": "x", "page": "0"}).status_code == 400

    assert client.get("/api/search/", {"q": "archive"}).status_code == 200


def test_suggestions_have_their_own_limit(client, demo, settings):
    settings.SEARCH_RATE = (1, 60)
    settings.SEARCH_SUGGEST_RATE = (3, 60)
    statuses = [
        client.get("/api/search/suggest/", {"q": "arch", "lang": "en"}).status_code
        for _ in range(4)
    ]

    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/search/suggest/", {"q": "arch", "lang": "en"})
    assert refused.json()["retry_after"] >= 1
    # Searching is a separate count.
    assert client.get("/api/search/", {"q": "archive"}).status_code == 200
