"""The knowledge base as readers see it: who sees which article, where, and in
which language."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils.html import escape

from kb.services import import_article_lines

PUBLIC = "demo/inventory-count"
CUSTOMERS = "demo/con-3107-vat-register-gap"
PARTNERS = "demo/sis-1042-stale-lock-server"

USERS = ["anonymous", "customer", "other_customer", "partner", "editor"]


@pytest.fixture
def login(client, customer_user, other_customer_user, partner_user, editor_user):
    users = {
        "anonymous": None,
        "customer": customer_user,
        "other_customer": other_customer_user,
        "partner": partner_user,
        "editor": editor_user,
    }

    def as_user(name):
        if users[name] is not None:
            client.force_login(users[name])
        return client

    return as_user


# Article by URL --------------------------------------------------------------

EXPECTED_STATUS = {
    # visibility: status per user, in USERS order
    PUBLIC: [200, 200, 200, 200, 200],
    CUSTOMERS: [302, 200, 200, 200, 200],
    PARTNERS: [404, 404, 404, 200, 200],
}


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("key", [PUBLIC, CUSTOMERS, PARTNERS])
def test_article_by_url_permission_matrix(login, kb_page, user, key):
    page = kb_page(key, "en")

    response = login(user).get(page.url)

    assert response.status_code == EXPECTED_STATUS[key][USERS.index(user)]
    if response.status_code == 200:
        assert escape(page.title) in response.content.decode()
    if response.status_code == 302:
        assert response["Location"].startswith("/en/accounts/login/?next=")
        assert page.url in response["Location"]


# Knowledge-base listing ------------------------------------------------------

LISTED = {
    # in the accounting listing, per user in USERS order
    PUBLIC: None,  # a warehouse article: not in the accounting listing
    CUSTOMERS: [False, True, True, True, True],
    PARTNERS: [False, False, False, True, True],
}


@pytest.mark.parametrize("user", USERS)
def test_kb_listing_shows_only_what_the_user_may_read(login, kb_page, user):
    response = login(user).get("/en/kb/", {"product_line": "accounting"})

    html = response.content.decode()
    assert response.status_code == 200
    assert escape(kb_page("demo/vat-codes-table").title) in html  # public: always
    for key in (CUSTOMERS, PARTNERS):
        expected = LISTED[key][USERS.index(user)]
        assert (escape(kb_page(key).title) in html) is expected, key


@pytest.mark.parametrize(
    ("user", "accounting_count"), [("anonymous", 10), ("partner", 13)]
)
def test_browse_counts_follow_visibility(login, user, accounting_count):
    # 13 accounting articles: 10 of its own and 3 for every product line, minus
    # 1 partner note and 2 customers-only for anonymous visitors.
    response = login(user).get("/en/kb/")
    browse = response.context["browse"]
    counts = {entry["line"].code: entry["count"] for entry in browse}
    assert counts["accounting"] == accounting_count


def test_newest_articles_never_leak_restricted_ones(client, kb_page, demo):
    html = client.get("/en/kb/").content.decode()
    for key in (CUSTOMERS, PARTNERS, "demo/mag-2040-courier-service"):
        assert escape(kb_page(key).title) not in html


def test_kb_index_in_each_language(client, demo):
    for language, title in [("it", "Documentazione"), ("fi", "Tietopankki")]:
        response = client.get(f"/{language}/kb/")
        assert response.status_code == 200
        assert f"<h1>{title}</h1>" in response.content.decode()


def test_listing_shows_translation_in_the_readers_language(client, kb_page, demo):
    html = client.get("/it/kb/", {"product_line": "warehouse"}).content.decode()
    assert escape(kb_page(PUBLIC, "it").title) in html
    assert escape(kb_page(PUBLIC, "en").title) not in html
    assert "Available in" not in html


def test_listing_offers_another_language_when_untranslated(client, demo):
    import_article_lines([_only_italian_article()])

    html = client.get("/en/kb/", {"tag": "solo-italiano"}).content.decode()

    assert "Solo in italiano" in html
    assert "Available in: Italian" in html
    assert 'href="/it/kb/solo-in-italiano/" hreflang="it"' in html
    assert '<p class="kb-item-summary" lang="it">' in html


def test_filter_by_audience_shows_badges_in_words(client, demo):
    response = client.get("/en/kb/", {"audience": "expert"})
    html = response.content.decode()
    results = response.context["results"]
    assert results
    assert {item.page.audience for item in results} == {"expert"}
    assert "Audience level: </span>Expert users" in html
    assert "Experienced users</li>" not in html


def test_filter_by_type_and_area(client, demo):
    response = client.get("/en/kb/", {"product_line": "payroll", "area": "payslips"})
    titles = {item.page.title for item in response.context["results"]}
    assert titles == {"How do I reprint a payslip?", "Sending payslips by e-mail"}

    response = client.get("/en/kb/", {"doc_type": "reference"})
    assert {i.page.doc_type for i in response.context["results"]} == {"reference"}


def test_filter_form_fields_have_labels(client, demo):
    html = client.get("/en/kb/").content.decode()
    for name in ("product_line", "area", "audience", "doc_type"):
        assert f'<label for="id_{name}">' in html


def test_article_page_shows_badges_details_and_translations(client, kb_page, demo):
    page = kb_page("demo/financial-statements-export", "en")

    html = client.get(page.url).content.decode()

    assert "New in release 2026.1" in html
    assert "Experienced users" in html
    assert "Guide</li>" in html
    for language in ("it", "fi"):
        translation = kb_page("demo/financial-statements-export", language)
        assert f'href="{translation.url}" hreflang="{language}"' in html
    # The header's language switcher links to the translations too.
    assert f'<a href="{kb_page("demo/financial-statements-export", "it").url}"' in html


def test_article_shows_error_codes_and_related_articles(client, kb_page, demo):
    page = kb_page("demo/sis-1042-archive-locked", "it")
    html = client.get(page.url).content.decode()
    assert "<code>SIS-1042</code>" in html
    assert escape(kb_page("demo/siserr-log", "it").title) in html  # related, in Italian
    # The related partner note is not shown to an anonymous visitor.
    assert escape(kb_page(PARTNERS, "it").title) not in html
    # kb: links of the demo text point to the Italian translation.
    assert f'href="{kb_page("demo/siserr-log", "it").url}"' in html


def test_partner_sees_related_partner_note(client, kb_page, partner_user):
    client.force_login(partner_user)
    html = client.get(kb_page("demo/sis-1042-archive-locked").url).content.decode()
    assert escape(kb_page(PARTNERS).title) in html


def test_entry_points_redirect_to_the_index_in_the_active_language(client, demo):
    assert client.get("/it/kb-go/")["Location"] == "/it/kb/"
    assert client.get("/fi/news-go/")["Location"] == "/fi/news/"
    assert client.get("/en/kb-go/")["Location"] == "/en/kb/"


def test_home_page_links_to_kb_and_news(client, demo):
    html = client.get("/en/").content.decode()
    assert 'href="/en/kb-go/"' in html
    assert 'href="/en/news-go/"' in html


# Sitemap ---------------------------------------------------------------------


@pytest.mark.parametrize("user", ["anonymous", "customer", "partner"])
def test_sitemap_lists_public_pages_only(login, kb_page, user):
    # Wagtail's sitemap is the same for everybody: public pages only, never a
    # customers-only or partner-only page, in any language.
    response = login(user).get("/sitemap.xml")
    xml = response.content.decode()

    assert response.status_code == 200
    for code in ("en", "it", "fi"):
        assert kb_page(PUBLIC, code).full_url in xml, code
        assert kb_page("demo-news/release-2026-1", code).full_url in xml, code
    for key in (
        CUSTOMERS,
        PARTNERS,
        "demo-news/partner-training-calendar",
        "demo-news/password-advice",
    ):
        for code in ("en", "it", "fi"):
            assert kb_page(key, code).url not in xml, (key, code)


# Error codes -----------------------------------------------------------------


def test_articles_for_error_codes_respects_visibility_and_language(
    kb_page, customer_user, partner_user
):
    from kb.services import articles_for_error_codes, error_codes_in_log

    log = (
        "2026-03-02 10:15:22 ERROR SIS-1042 Archivio bloccato da un altro utente\n"
        "2026-03-02 10:16:40 ERROR SIS-1042 Archivio bloccato da un altro utente\n"
    )
    codes = error_codes_in_log(log)
    assert codes == ["SIS-1042"]

    for_customer = articles_for_error_codes(codes, customer_user, "it")
    for_partner = articles_for_error_codes(codes, partner_user, "it")
    for_anonymous = articles_for_error_codes(["SIS-1042"], AnonymousUser(), "fi")

    assert [item.page for item in for_customer] == [
        kb_page("demo/sis-1042-archive-locked", "it")
    ]
    assert {item.page.import_key for item in for_partner} == {
        "demo/sis-1042-archive-locked",
        PARTNERS,
    }
    assert for_anonymous[0].page.locale.language_code == "fi"
    assert for_anonymous[0].matched_codes == ["SIS-1042"]
    # A customers-only article needs a login.
    assert articles_for_error_codes(["CON-3107"], AnonymousUser(), "en") == []
    assert articles_for_error_codes(["CON-3107"], customer_user, "en")


def test_articles_for_several_codes_best_match_first(customer_user):
    from kb.services import articles_for_error_codes

    items = articles_for_error_codes(["MAG-2001", "SIS-1042"], customer_user, "en")
    keys = [item.page.import_key for item in items]
    assert set(keys) == {"demo/sis-1042-archive-locked", "demo/mag-2001-negative-stock"}


def _only_italian_article() -> str:
    return json.dumps(
        {
            "key": "t/solo-italiano",
            "lang": "it",
            "title": "Solo in italiano",
            "summary": "Non ancora tradotto.",
            "body_html": "<p>Text</p>",
            "product_line": "accounting",
            "area": "vat",
            "doc_type": "guide",
            "audience": "all",
            "tags": ["solo-italiano"],
            "published": "2026-03-20",
        }
    )
