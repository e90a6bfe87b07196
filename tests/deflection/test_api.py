"""The deflection JSON API: as-you-type suggestions and the log check."""

import pytest

from deflection.models import DeflectionEvent, EventKind

from .conftest import DEMO_LOG, upload

pytestmark = pytest.mark.django_db

SUGGEST = "/api/deflection/suggest/"
LOG = "/api/deflection/log/"


def test_suggestions_as_json_with_tracked_links_for_a_customer(as_user):
    client = as_user("024200")

    response = client.get(
        SUGGEST, {"q": "archive locked", "lang": "en", "product_line": "accounting"}
    )

    data = response.json()
    assert response.status_code == 200
    assert 1 <= len(data["articles"]) <= 5
    first = data["articles"][0]
    assert first["key"] == "demo/sis-1042-archive-locked"
    assert first["open_url"].startswith("/en/cases/new/read/?key=")
    assert data["news"] and data["search_url"].endswith(
        "q=archive+locked&product_line=accounting"
    )
    # Typing again does not count a second "shown".
    client.get(SUGGEST, {"q": "archive locked by", "lang": "en"})
    assert DeflectionEvent.objects.filter(kind=EventKind.SHOWN).count() == 1
    # The tracked link works, because the flow remembers what was shown.
    assert client.get(first["open_url"]).status_code == 302


def test_anonymous_visitors_get_public_articles_only(as_user):
    data = (
        as_user("anonymous")
        .get(SUGGEST, {"q": "archive lock server", "lang": "en"})
        .json()
    )

    keys = [article["key"] for article in data["articles"]]
    assert "demo/sis-1042-stale-lock-server" not in keys
    assert all(a["open_url"] == a["url"] for a in data["articles"])
    assert DeflectionEvent.objects.count() == 0


def test_partners_also_see_partner_notes(as_user):
    data = as_user("partner").get(SUGGEST, {"q": "SIS-1050", "lang": "en"}).json()

    assert "demo/sis-1042-stale-lock-server" in [a["key"] for a in data["articles"]]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"q": "x", "lang": "de"}, "lang"),
        ({"q": "x", "product_line": "nope"}, "product_line"),
        ({"q": "x" * 2001}, "q"),
    ],
)
def test_bad_parameters_name_the_parameter(as_user, params, parameter):
    response = as_user("024200").get(SUGGEST, params)

    assert response.status_code == 400
    assert response.json()["parameter"] == parameter


def test_log_check_finds_codes_and_articles(as_user):
    client = as_user("024200")

    response = client.post(LOG, {"error_log": upload("SISERR.LOG", DEMO_LOG)})

    data = response.json()
    assert data["codes"] == ["SIS-1042"]
    assert data["entries"][0]["count"] == 2
    assert data["articles"][0]["key"] == "demo/sis-1042-archive-locked"


@pytest.mark.parametrize(
    "content", [b"", b"\x00\xff" * 50_000, "Quantità".encode("cp1252")]
)
def test_log_check_never_fails_on_odd_files(as_user, content):
    response = as_user("024200").post(LOG, {"error_log": upload("SISERR.LOG", content)})

    assert response.status_code in (200, 400)
    assert "error" in response.json() or response.json()["codes"] == []


@pytest.mark.parametrize(("who", "expected"), [("anonymous", 403), ("partner", 403)])
def test_log_check_is_for_customers(as_user, who, expected):
    response = as_user(who).post(LOG, {"error_log": upload("SISERR.LOG", DEMO_LOG)})

    assert response.status_code == expected


def test_the_semantic_search_reads_the_first_content_words(as_user, settings):
    # The model's time grows with every word: the step embeds a long
    # description's first DEFLECTION_EMBED_WORDS content words (it ranks by
    # all of them lexically), a search the whole text.
    from search.embedding import reset_embedder

    settings.SEARCH_EMBEDDER = "tests.search.test_embedding.CountingEmbedder"
    settings.DEFLECTION_EMBED_WORDS = 4
    reset_embedder()
    from tests.search.test_embedding import CountingEmbedder

    CountingEmbedder.queries = []
    description = "The archive is locked by another user when I close the year"
    client = as_user("024200")

    response = client.get(SUGGEST, {"q": description, "lang": "en"})
    client.get("/api/search/", {"q": description, "lang": "en"})

    assert response.status_code == 200
    assert CountingEmbedder.queries == [
        "archive locked another user",
        description.lower(),
    ]
    reset_embedder()
