"""Editors pin articles for a query (Wagtail's search promotions): they come
first on the search page and in the API, for readers allowed to see them."""

import re

from wagtail.contrib.search_promotions.models import Query, SearchPromotion

from kb.models import ArticlePage

from .portal import PARTNERS, api, api_keys, page_of

PINNED = "demo/backup-restore"


def promote(query: str, *keys: str, lang: str = "en") -> None:
    pick = Query.get(query)
    for order, key in enumerate(keys):
        SearchPromotion.objects.create(
            query=pick, page=page_of(ArticlePage, key, lang), sort_order=order
        )


def test_pinned_article_comes_first_in_the_api(client, demo):
    before = api_keys(client, q="vat settlement")
    assert before[0] != PINNED

    promote("VAT settlement", PINNED)

    after = api_keys(client, q="vat  Settlement")
    assert after[0] == PINNED
    assert after[1:] == [key for key in before if key != PINNED]
    # Other queries and later pages are untouched.
    assert PINNED not in api_keys(client, q="vat codes")
    assert PINNED not in api_keys(client, q="vat settlement", page_size=1, page=2)


def test_pinned_article_comes_first_on_the_page_marked_recommended(client, demo):
    promote("vat settlement", PINNED, "demo/year-end-closing")

    html = client.get("/en/search/", {"q": "vat settlement"}).content.decode()

    titles = re.findall(r'<h3 class="search-result-title"><a [^>]*>(.*?)</a>', html)
    assert titles[:2] == [
        page_of(ArticlePage, PINNED).title,
        page_of(ArticlePage, "demo/year-end-closing").title,
    ]
    assert html.count("Recommended</p>") == 2


def test_pinned_article_found_by_the_search_is_listed_once(client, demo):
    promote("inventory count", "demo/inventory-count")

    keys = api_keys(client, q="inventory count")

    assert keys.count("demo/inventory-count") == 1
    assert keys[0] == "demo/inventory-count"


def test_translation_in_the_language_searched(client, demo):
    promote("backup", PINNED, lang="en")

    status, data = api(client, q="backup", lang="it")

    assert data["results"][0]["key"] == PINNED
    assert data["results"][0]["lang"] == "it"
    assert data["results"][0]["url"] == page_of(ArticlePage, PINNED, "it").url


def test_pins_respect_visibility_filters_and_publication(as_user):
    promote("vat settlement", PARTNERS)
    assert PARTNERS not in api_keys(as_user("anonymous"), q="vat settlement")
    assert PARTNERS not in api_keys(as_user("customer"), q="vat settlement")
    partner = as_user("partner")
    assert api_keys(partner, q="vat settlement")[0] == PARTNERS
    # A filter the pinned article does not pass leaves it out.
    assert PARTNERS not in api_keys(partner, q="vat settlement", doc_type="guide")
    # So does unpublishing it.
    page_of(ArticlePage, PARTNERS).unpublish()
    assert PARTNERS not in api_keys(partner, q="vat settlement")


def test_external_link_promotions_are_not_results(client, demo):
    SearchPromotion.objects.create(
        query=Query.get("vat settlement"),
        external_link_url="https://example.com/",
        external_link_text="Elsewhere",
    )

    urls = [r["url"] for r in api(client, q="vat settlement")[1]["results"]]

    assert "https://example.com/" not in urls


def test_a_pin_takes_effect_and_ends_at_once(client, demo):
    # Which queries have pins is kept per process: a save or delete clears it.
    assert api_keys(client, q="vat settlement")[0] != PINNED
    promote("vat settlement", PINNED)
    assert api_keys(client, q="vat settlement")[0] == PINNED

    SearchPromotion.objects.get(query__query_string="vat settlement").delete()

    assert api_keys(client, q="vat settlement")[0] != PINNED


def test_pins_saved_by_another_process_are_seen_once_the_list_expires(
    client, demo, monkeypatch
):
    query = Query.get("vat settlement")
    assert api_keys(client, q="vat settlement")[0] != PINNED
    # bulk_create sends no signal, as a save in another process reaches none
    # of this one's receivers.
    SearchPromotion.objects.bulk_create(
        [SearchPromotion(query=query, page=page_of(ArticlePage, PINNED), sort_order=0)]
    )
    assert api_keys(client, q="vat settlement")[0] != PINNED  # not yet

    monkeypatch.setattr("search.promotions.PROMOTED_QUERIES_SECONDS", 0.0)

    assert api_keys(client, q="vat settlement")[0] == PINNED
