"""Helpers for the tests of the search page, the JSON API, the knowledge-base
wiring and the promotions."""

PUBLIC = "demo/sis-1042-archive-locked"
CUSTOMERS = "demo/con-3107-vat-register-gap"
PARTNERS = "demo/sis-1042-stale-lock-server"


def api(client, **params):
    """GET /api/search/ with ``params``; returns (status, JSON)."""
    response = client.get("/api/search/", params)
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def api_keys(client, **params) -> list[str]:
    status, data = api(client, **params)
    assert status == 200, data
    return [result["key"] for result in data["results"]]


def page_of(model, key: str, lang: str = "en"):
    return model.objects.get(import_key=key, locale__language_code=lang)
