"""The search JSON API (/api/search/ and /api/search/suggest/), as the
deflection step and the in-product help menu call it."""

import pytest

from .portal import CUSTOMERS, PARTNERS, PUBLIC, api, api_keys

RESULT_FIELDS = {
    "key",
    "lang",
    "title",
    "url",
    "snippet",
    "product_line",
    "area",
    "doc_type",
    "audience",
    "published",
    "score",
}


def test_search_response_shape(client, demo):
    status, data = api(client, q="archive locked", lang="en")

    assert status == 200
    assert set(data) == {
        "total",
        "total_exact",
        "page",
        "results",
        "facets",
        "did_you_mean",
        "took_ms",
    }
    assert data["page"] == 1
    assert data["total"] >= 1
    assert data["total_exact"] is True
    assert data["did_you_mean"] is None
    assert isinstance(data["took_ms"], float)
    first = data["results"][0]
    assert set(first) == RESULT_FIELDS
    assert first["key"] == PUBLIC
    assert first["lang"] == "en"
    assert first["url"] == "/en/kb/" + first["url"].split("/en/kb/")[1]
    assert "<mark>" in first["snippet"]
    assert (first["product_line"], first["area"]) == ("accounting", "general-ledger")
    assert (first["doc_type"], first["audience"]) == ("technote", "all")
    assert first["published"] == "2026-03-04"
    assert isinstance(first["score"], float)
    assert set(data["facets"]) == {
        "product_line",
        "area",
        "doc_type",
        "audience",
        "tag",
    }
    for values in data["facets"].values():
        for item in values:
            assert set(item) == {"value", "count"}
            assert item["count"] >= 1
    assert {"value": "accounting", "count": data["total"]} in data["facets"][
        "product_line"
    ]


def test_results_in_the_language_asked(client, demo):
    status, data = api(client, q="inventario", lang="it")

    assert status == 200
    assert data["results"]
    assert {result["lang"] for result in data["results"]} == {"it"}
    assert all(result["url"].startswith("/it/") for result in data["results"])


def test_language_from_accept_language_when_not_given(client, demo):
    response = client.get(
        "/api/search/", {"q": "inventario"}, HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9"
    )

    assert {result["lang"] for result in response.json()["results"]} == {"it"}


@pytest.mark.parametrize(
    ("user", "visible"),
    [
        ("anonymous", {PUBLIC}),
        ("customer", {PUBLIC, CUSTOMERS}),
        ("partner", {PUBLIC, CUSTOMERS, PARTNERS}),
    ],
)
def test_session_user_sees_what_they_may_read(as_user, user, visible):
    keys = set(api_keys(as_user(user), q="archive lock SIS-1042 VAT register"))

    assert keys & {PUBLIC, CUSTOMERS, PARTNERS} == visible


def test_filters(client, demo):
    def facets_of(**params):
        return {
            name: {item["value"] for item in values}
            for name, values in api(client, **params)[1]["facets"].items()
        }

    status, data = api(client, q="error", product_line="warehouse", doc_type="technote")
    assert status == 200
    assert data["results"]
    for result in data["results"]:
        assert (result["product_line"], result["doc_type"]) == ("warehouse", "technote")

    assert api_keys(client, q="vat", area="vat", audience="experienced") == [
        "demo/vat-settlement-monthly"
    ]
    assert "demo/payslip-reprint" in api_keys(client, q="payslip", tag="print")
    assert "demo/payslip-email-delivery" not in api_keys(
        client, q="payslip", tag="print"
    )
    dated = api(client, q="payslip", date_from="2026-03-01", date_to="2026-03-31")[1]
    dated_keys = [r["key"] for r in dated["results"]]
    assert "demo/payslip-email-delivery" in dated_keys
    assert "demo/payslip-reprint" not in dated_keys
    assert all("2026-03-01" <= r["published"] <= "2026-03-31" for r in dated["results"])
    # A product line's facet ignores the product line filter: alternatives stay.
    assert {"accounting", "warehouse"} <= facets_of(
        q="error", product_line="warehouse"
    )["product_line"]


def test_filters_without_words_browse_newest_first(client, demo):
    status, data = api(client, doc_type="news", lang="en", page_size=100)

    assert status == 200
    assert data["total"] == len(data["results"]) >= 8
    dates = [result["published"] for result in data["results"]]
    assert dates == sorted(dates, reverse=True)
    assert {result["doc_type"] for result in data["results"]} == {"news"}


def test_sort_and_pages(client, demo):
    by_date = api(client, q="vat", sort="date", page_size=100)[1]["results"]
    dates = [result["published"] for result in by_date]
    assert dates == sorted(dates, reverse=True)

    first = api(client, q="vat", page_size=2)[1]
    second = api(client, q="vat", page_size=2, page=2)[1]
    assert second["page"] == 2
    assert len(first["results"]) == 2
    assert {r["key"] for r in first["results"]}.isdisjoint(
        {r["key"] for r in second["results"]}
    )
    assert first["total"] == second["total"]


def test_did_you_mean_in_the_api(client, demo):
    assert api(client, q="inventroy")[1]["did_you_mean"] == "inventory"


BAD_SEARCH_PARAMETERS = [
    ({}, "q"),
    ({"q": "  "}, "q"),
    ({"lang": "en"}, "q"),
    ({"q": "vat", "product_line": "toasters"}, "product_line"),
    ({"q": "vat", "area": "nowhere"}, "area"),
    ({"q": "vat", "product_line": "payroll", "area": "vat"}, "area"),
    ({"q": "vat", "doc_type": "poem"}, "doc_type"),
    ({"q": "vat", "audience": "wizards"}, "audience"),
    ({"q": "vat", "lang": "de"}, "lang"),
    ({"q": "vat", "sort": "random"}, "sort"),
    ({"q": "vat", "date_from": "yesterday"}, "date_from"),
    ({"q": "vat", "date_from": "2026-03-01", "date_to": "2026-01-01"}, "date_to"),
    ({"q": "vat", "page": "0"}, "page"),
    ({"q": "vat", "page": "two"}, "page"),
    ({"q": "vat", "page": "999"}, "page"),
    ({"q": "vat", "page_size": "101"}, "page_size"),
    ({"q": "vat", "page_size": "0"}, "page_size"),
]


def test_bad_parameters_answer_400_naming_the_parameter(client, demo):
    for params, parameter in BAD_SEARCH_PARAMETERS:
        status, data = api(client, **params)

        assert status == 400, params
        assert data["parameter"] == parameter, params
        assert data["error"]


def test_page_size_up_to_100_is_fine(client, demo):
    status, data = api(client, q="vat", page_size=100)

    assert status == 200
    assert len(data["results"]) == data["total"]


def test_only_get(client, demo):
    response = client.post("/api/search/", {"q": "vat"})

    assert response.status_code == 405
    assert response.json()["error"]


# Suggestions ---------------------------------------------------------------


def test_suggestions_shape_and_limit(client, demo):
    response = client.get("/api/search/suggest/", {"q": "err", "lang": "en"})

    assert response.status_code == 200
    suggestions = response.json()
    assert 1 <= len(suggestions) <= 8
    for suggestion in suggestions:
        assert set(suggestion) == {"key", "title", "url"}
        assert suggestion["url"].startswith("/en/")
    assert PUBLIC in {s["key"] for s in suggestions}


def test_suggestions_respect_visibility_and_product_line(as_user):
    anonymous = as_user("anonymous").get("/api/search/suggest/", {"q": "remov"}).json()
    partner = as_user("partner").get("/api/search/suggest/", {"q": "remov"}).json()

    assert PARTNERS not in {s["key"] for s in anonymous}
    assert PARTNERS in {s["key"] for s in partner}

    client = as_user("anonymous")
    warehouse = client.get(
        "/api/search/suggest/", {"q": "err", "product_line": "warehouse"}
    ).json()
    assert warehouse
    assert all(s["key"] != PUBLIC for s in warehouse)


def test_bad_suggest_parameters(client, demo):
    for params, parameter in [
        ({}, "q"),
        ({"q": "err", "lang": "xx"}, "lang"),
        ({"q": "err", "product_line": "toasters"}, "product_line"),
    ]:
        response = client.get("/api/search/suggest/", params)

        assert response.status_code == 400, params
        assert response.json()["parameter"] == parameter, params
