"""Knowledge-base pages from the page cache (kb.pagecache): a second reader of
the same class is served the stored page, nobody sees another reader's data,
and every change shows on the next request."""

import json
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils.html import escape
from wagtail.models import PageViewRestriction

from kb.models import ArticlePage, KnowledgeBaseIndexPage, NewsPage
from kb.services import import_article_lines

pytestmark = pytest.mark.django_db

PUBLIC_ARTICLE = "demo/inventory-count"
CUSTOMERS_ARTICLE = "demo/con-3107-vat-register-gap"
PARTNERS_ARTICLE = "demo/sis-1042-stale-lock-server"
PUBLIC_NEWS = "demo-news/maintenance-window"

TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def state(response) -> str | None:
    return response.get("X-Page-Cache")


def html(response) -> str:
    return response.content.decode()


def page_url(kind: str, kb_page) -> str:
    urls = {
        "article": lambda: kb_page(PUBLIC_ARTICLE).url,
        "news item": lambda: kb_page(PUBLIC_NEWS).url,
        "knowledge base": lambda: "/en/kb/",
        "listing": lambda: "/en/kb/?product_line=accounting&area=general-ledger",
        "news digest": lambda: "/en/news/",
        "feed": lambda: "/en/feeds/news/rss/",
        "sitemap": lambda: "/sitemap.xml",
    }
    return urls[kind]()


KINDS = [
    "article",
    "news item",
    "knowledge base",
    "listing",
    "news digest",
    "feed",
    "sitemap",
]


def reader(user=None) -> Client:
    """A browser of its own that checks CSRF tokens like a real one."""
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def marks_of(user) -> list[str]:
    """What would give a user away: name, e-mail, company."""
    marks = [user.email, f"{user.first_name} {user.last_name}"]
    if user.customer is not None:
        marks.append(user.customer.name)
    if user.partner is not None:
        marks.append(user.partner.name)
    return marks


def assert_shows_nothing_of(response, *users) -> None:
    text = html(response)
    for user in users:
        for mark in marks_of(user):
            assert mark not in text and escape(mark) not in text, mark


# Served from the cache -----------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_second_request_is_served_from_the_cache(
    client, kb_page, kind, django_assert_max_num_queries
):
    url = page_url(kind, kb_page)
    first = client.get(url)
    assert first.status_code == 200
    assert state(first) == "miss"

    # An anonymous reader's hit reads nothing from the database.
    with django_assert_max_num_queries(0):
        second = client.get(url)

    assert second.status_code == 200
    assert state(second) == "hit"
    assert second["Content-Type"] == first["Content-Type"]
    # Browsers and shared caches keep pages apart by session, as before.
    assert "Cookie" in second["Vary"]


def test_a_logged_in_readers_hit_runs_a_few_statements(
    kb_page, customer_user, django_assert_max_num_queries
):
    url = kb_page(PUBLIC_ARTICLE).url
    assert state(reader(customer_user).get(url)) == "miss"
    second = reader(customer_user)
    # Session, user, the user's and groups' permissions (editors are never
    # cached), and whether this session has answered "Was this helpful?".
    with django_assert_max_num_queries(6):
        response = second.get(url)
    assert state(response) == "hit"


def test_a_cached_page_reads_like_a_fresh_one(client, settings, kb_page):
    url = kb_page(PUBLIC_ARTICLE).url
    client.get(url)
    cached = client.get(url)
    settings.KB_PAGE_CACHE = False
    fresh = client.get(url)

    assert state(cached) == "hit" and state(fresh) is None

    def without_tokens(response):
        return TOKEN_RE.sub("", html(response))

    assert without_tokens(cached) == without_tokens(fresh)


def test_cache_off_by_setting(client, settings, kb_page):
    settings.KB_PAGE_CACHE = False
    url = kb_page(PUBLIC_ARTICLE).url
    client.get(url)

    assert state(client.get(url)) is None


def test_unknown_query_parameters_are_answered_but_not_stored(client, kb_page):
    url = kb_page(PUBLIC_ARTICLE).url + "?utm_source=newsletter"
    client.get(url)

    response = client.get(url)

    assert response.status_code == 200
    assert state(response) is None


def test_editors_are_never_served_from_the_cache(
    client, kb_page, partner_user, editor_user
):
    url = kb_page(PARTNERS_ARTICLE).url
    reader(partner_user).get(url)
    assert state(reader(partner_user).get(url)) == "hit"

    client.force_login(editor_user)
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert state(response) is None


# No reader sees another's data ------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_readers_of_two_companies_and_a_partner_see_only_their_own(
    kb_page, kind, customer_user, other_customer_user, partner_user
):
    url = page_url(kind, kb_page)
    first, second, partner = (
        reader(customer_user),
        reader(other_customer_user),
        reader(partner_user),
    )
    everybody = (customer_user, other_customer_user, partner_user)

    first_page = first.get(url)
    second_page = second.get(url)
    partner_page = partner.get(url)
    again = first.get(url)

    # The other company's customer shares the customers' page (the news
    # digest: when the companies license the same product lines); a partner
    # does not.
    shared = "miss" if kind == "news digest" else "hit"
    assert [state(r) for r in (first_page, second_page, partner_page, again)] == [
        "miss",
        shared,
        "miss",
        "hit",
    ]
    for response in (first_page, second_page, partner_page, again):
        assert response.status_code == 200
        assert_shows_nothing_of(response, *everybody)
    if kind in ("feed", "sitemap"):
        assert not TOKEN_RE.search(html(second_page))
        return
    # Each page carries its reader's own CSRF token: the other's is refused.
    first_token = TOKEN_RE.search(html(first_page)).group(1)
    second_token = TOKEN_RE.search(html(second_page)).group(1)
    assert first_token != second_token
    refused = second.post("/en/accounts/logout/", {"csrfmiddlewaretoken": first_token})
    assert refused.status_code == 403
    assert "_auth_user_id" in second.session
    accepted = second.post(
        "/en/accounts/logout/", {"csrfmiddlewaretoken": second_token}
    )
    assert accepted.status_code == 200
    assert "_auth_user_id" not in second.session
    assert TOKEN_RE.search(html(partner_page)).group(1) not in (
        first_token,
        second_token,
    )


@pytest.mark.parametrize("kind", ["article", "knowledge base", "news digest"])
def test_anonymous_readers_never_see_a_logged_in_header(kb_page, kind, customer_user):
    url = page_url(kind, kb_page)
    customer_page = reader(customer_user).get(url)
    anonymous_page = reader().get(url)
    logged_in_again = reader(customer_user).get(url)

    assert "Log out" in html(customer_page)
    assert state(anonymous_page) == "miss"
    assert "Log out" not in html(anonymous_page)
    assert "Reserved area" not in html(anonymous_page)
    assert 'href="/en/accounts/login/"' in html(anonymous_page)
    assert state(logged_in_again) == "hit"
    assert "Log out" in html(logged_in_again)


def test_each_company_gets_the_news_of_its_own_product_lines(
    customer_user, other_customer_user
):
    # 024200 licenses accounting and warehouse, 031337 accounting and payroll.
    first = reader(customer_user).get("/en/news/")
    second = reader(other_customer_user).get("/en/news/")
    first_again = reader(customer_user).get("/en/news/")

    assert state(second) == "miss"  # another set of product lines
    assert state(first_again) == "hit"
    assert "Three more couriers for label printing" in html(first_again)
    assert "Contribution rates for 2026 released" not in html(first_again)
    assert "Contribution rates for 2026 released" in html(second)
    assert "Three more couriers for label printing" not in html(second)
    assert html(first) == html(first_again).replace(
        TOKEN_RE.search(html(first_again)).group(0),
        TOKEN_RE.search(html(first)).group(0),
    )


def test_feedback_form_is_each_sessions_own(client, kb_page):
    article = kb_page(PUBLIC_ARTICLE)
    client.get(article.url)
    client.post(f"/en/kb-feedback/{article.pk}/", {"helpful": "yes"}, follow=True)

    voter_page = client.get(article.url)
    other_page = Client().get(article.url)

    assert state(voter_page) == "hit"
    assert "You have already answered for this article" in html(voter_page)
    assert state(other_page) == "hit"
    assert 'class="kb-feedback-form"' in html(other_page)
    assert "You have already answered" not in html(other_page)


def test_anonymous_readers_share_the_fragments_but_not_their_tokens(kb_page):
    """The header and "Was this helpful?" are rendered once per process for
    every anonymous reader (kb.pagecache.fragments, ``shape``); each page still
    carries its reader's own token, which only that reader's cookie accepts."""
    article = kb_page(PUBLIC_ARTICLE)
    first, second = reader(), reader()
    first_page, second_page = first.get(article.url), second.get(article.url)

    assert [state(first_page), state(second_page)] == ["miss", "hit"]
    first_token = TOKEN_RE.search(html(first_page)).group(1)
    second_token = TOKEN_RE.search(html(second_page)).group(1)
    assert first_token != second_token
    # The pages differ in their tokens only.
    assert html(first_page).replace(first_token, "") == html(second_page).replace(
        second_token, ""
    )
    feedback = f"/en/kb-feedback/{article.pk}/"
    assert (
        second.post(
            feedback, {"helpful": "yes", "csrfmiddlewaretoken": first_token}
        ).status_code
        == 403
    )
    answered = second.post(
        feedback, {"helpful": "yes", "csrfmiddlewaretoken": second_token}, follow=True
    )
    assert answered.status_code == 200
    # The session that answered gets the thanks, the other still the form.
    assert "You have already answered" in html(second.get(article.url))
    assert 'class="kb-feedback-form"' in html(first.get(article.url))


def test_shared_fragments_are_rendered_in_the_readers_language(kb_page):
    english = kb_page("demo/overtime-faq")
    italian = kb_page("demo/overtime-faq", "it")
    reader().get(english.url)

    italian_page = html(reader().get(italian.url))

    assert "Was this article helpful?" not in italian_page
    assert f'action="/it/kb-feedback/{italian.pk}/"' in italian_page


def test_a_message_is_shown_even_when_the_page_is_cached(client, kb_page):
    article = kb_page(PUBLIC_ARTICLE)
    client.get(article.url)
    Client().get(article.url)

    response = client.post(
        f"/en/kb-feedback/{article.pk}/", {"helpful": "no"}, follow=True
    )

    assert "Thanks for your feedback!" in html(response)
    assert state(response) is None
    assert "Thanks for your feedback!" not in html(client.get(article.url))


# Restricted pages ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "allowed", "refused", "status"),
    [
        (PARTNERS_ARTICLE, "partner", "customer", 404),
        (PARTNERS_ARTICLE, "partner", "anonymous", 404),
        (CUSTOMERS_ARTICLE, "customer", "anonymous", 302),
    ],
)
def test_restricted_pages_are_never_served_to_readers_who_may_not_see_them(
    kb_page, customer_user, partner_user, key, allowed, refused, status
):
    users = {"anonymous": None, "customer": customer_user, "partner": partner_user}
    url = kb_page(key).url
    reader(users[allowed]).get(url)
    assert state(reader(users[allowed]).get(url)) == "hit"

    for _ in range(2):
        assert reader(users[refused]).get(url).status_code == status


def test_listings_never_show_a_partner_note_to_customers(
    kb_page, customer_user, partner_user
):
    title = escape(kb_page(PARTNERS_ARTICLE).title)
    url = "/en/kb/?product_line=accounting"
    assert title in html(reader(partner_user).get(url))

    response = reader(customer_user).get(url)

    assert title not in html(response)


# Invalidation --------------------------------------------------------------------


def primed(client, url: str):
    """``url`` fetched twice: the second answer comes from the cache."""
    client.get(url)
    response = client.get(url)
    assert state(response) == "hit", url
    return response


def test_publishing_shows_the_new_text_on_the_page_and_in_listings(client, kb_page):
    article = kb_page(PUBLIC_ARTICLE)
    listing = "/en/kb/?product_line=warehouse"
    primed(client, article.url)
    primed(client, listing)

    article.title = "Counting the warehouse, revised"
    article.save_revision().publish()

    assert "Counting the warehouse, revised" in html(client.get(article.url))
    assert "Counting the warehouse, revised" in html(client.get(listing))


def test_publishing_an_article_leaves_unrelated_articles_cached(client, kb_page):
    other = kb_page("demo/payslip-reprint")
    primed(client, other.url)

    article = kb_page(PUBLIC_ARTICLE)
    article.summary = "A new summary."
    article.save_revision().publish()

    assert state(client.get(other.url)) == "hit"


def test_unpublishing_removes_the_page_and_its_listing_entries(client, kb_page):
    article = kb_page(PUBLIC_ARTICLE)
    listing = "/en/kb/?product_line=warehouse"
    primed(client, article.url)
    assert escape(article.title) in html(primed(client, listing))

    article.unpublish()

    assert client.get(article.url).status_code == 404
    assert escape(article.title) not in html(client.get(listing))


def test_publishing_a_translation_updates_the_pages_that_link_it(client, kb_page):
    english = kb_page(PUBLIC_ARTICLE, "en")
    assert "This page in other languages" in html(primed(client, english.url))

    italian = kb_page(PUBLIC_ARTICLE, "it")
    italian.title = "Inventario fisico, edizione rivista"
    italian.save_revision().publish()

    assert "Inventario fisico, edizione rivista" in html(client.get(english.url))


def test_a_related_article_change_shows_on_the_article_that_lists_it(client, kb_page):
    article = ArticlePage.objects.filter(
        related_links__isnull=False, locale__language_code="en", visibility="public"
    ).first()
    target = article.related_links.first().target
    target = ArticlePage.objects.get(
        translation_key=target.translation_key, locale__language_code="en"
    )
    primed(client, article.url)

    target.title = "A related article, renamed"
    target.save_revision().publish()

    assert "A related article, renamed" in html(client.get(article.url))


def test_moving_a_page_invalidates_its_old_address(client, kb_page):
    article = kb_page(PUBLIC_ARTICLE)
    old_url = article.url
    primed(client, old_url)
    italian_kb = KnowledgeBaseIndexPage.objects.get(locale__language_code="it")

    article.move(italian_kb, pos="last-child")

    # Wagtail's redirect to the new address, not the cached page.
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == ArticlePage.objects.get(pk=article.pk).url


def test_deleting_a_page_removes_it(client, kb_page):
    news = kb_page(PUBLIC_NEWS)
    url = news.url
    primed(client, url)
    assert escape(news.title) in html(primed(client, "/en/news/"))
    assert escape(news.title) in html(primed(client, "/en/feeds/news/rss/"))

    NewsPage.objects.get(pk=news.pk).delete()

    assert client.get(url).status_code == 404
    assert escape(news.title) not in html(client.get("/en/news/"))
    assert escape(news.title) not in html(client.get("/en/feeds/news/rss/"))


def test_an_import_shows_on_the_next_request(client, kb_page):
    primed(client, kb_page(PUBLIC_NEWS).url)
    primed(client, "/en/news/")
    primed(client, "/sitemap.xml")
    line = {
        "key": "cache/import",
        "lang": "en",
        "title": "Imported while cached",
        "summary": "A news item the import adds.",
        "body_html": "<p>News.</p>",
        "doc_type": "news",
        "product_lines": [],
        "published": "2030-01-01",
        "visibility": "public",
    }

    report = import_article_lines([json.dumps(line)])

    assert not report.errors, report.errors
    assert "Imported while cached" in html(client.get("/en/news/"))
    new_url = NewsPage.objects.get(import_key="cache/import").url
    assert new_url in html(client.get("/sitemap.xml"))


def test_a_view_restriction_applies_at_once_and_lifting_it_too(client, kb_page):
    article = kb_page(PUBLIC_ARTICLE)
    listing = "/en/kb/?product_line=warehouse"
    primed(client, article.url)
    primed(client, listing)

    restriction = PageViewRestriction.objects.create(
        page=article, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.get(name="Editors"))

    assert client.get(article.url).status_code == 302  # to the login page
    assert escape(article.title) not in html(client.get(listing))

    restriction.delete()

    assert client.get(article.url).status_code == 200
    assert escape(article.title) in html(client.get(listing))


def test_a_restricted_page_is_never_stored(client, kb_page, partner_user):
    article = kb_page(PUBLIC_ARTICLE)
    PageViewRestriction.objects.create(
        page=article, restriction_type=PageViewRestriction.LOGIN
    )
    client.force_login(partner_user)

    for _ in range(2):
        response = client.get(article.url)
        assert response.status_code == 200
        assert state(response) is None


def most_helpful(response) -> str:
    text = html(response)
    return text.split('id="kb-helpful-title"', 1)[1].split("</section>", 1)[0]


def test_feedback_updates_the_most_helpful_list(client, kb_page):
    article = kb_page("demo/overtime-faq")
    assert escape(article.title) not in most_helpful(primed(client, "/en/kb/"))

    for _ in range(3):
        Client().post(f"/en/kb-feedback/{article.pk}/", {"helpful": "yes"})

    assert escape(article.title) in most_helpful(client.get("/en/kb/"))


def test_a_product_line_renamed_shows_everywhere(client, kb_page):
    from taxonomy.models import ProductLine

    article = kb_page(PUBLIC_ARTICLE)
    primed(client, article.url)
    line = ProductLine.objects.get(code="warehouse")
    line.name_en = "Stores and logistics"
    line.save()

    assert "Stores and logistics" in html(client.get(article.url))


# Each process's own copies ---------------------------------------------------------


def changed_by_another_process(client, url: str) -> float:
    """``url`` cached and served from this process's copy, then a change made
    elsewhere (a generation written to the shared cache); when it was made."""
    import time

    from django.core.cache import cache

    from kb.pagecache import store

    primed(client, url)
    assert state(client.get(url)) == "hit"
    cache.set(store.GENERATION_PREFIX + store.GLOBAL, "another-process", None)
    return time.monotonic()


def test_a_change_made_by_another_process_shows_within_a_second(
    client, kb_page, settings
):
    # This process serves its own copy of the entry and trusts the
    # generations it read for KB_PAGE_CACHE_GENERATION_SECONDS; after that
    # they are read from the shared cache again, and another process's
    # change is a miss here.
    import time

    settings.KB_PAGE_CACHE_GENERATION_SECONDS = 0.5
    url = kb_page(PUBLIC_ARTICLE).url
    changed_at = changed_by_another_process(client, url)

    seen = state(client.get(url))
    if time.monotonic() - changed_at < 0.5:  # (a slow machine may be past it)
        assert seen == "hit"
    time.sleep(0.6)
    assert state(client.get(url)) == "miss"
    assert state(client.get(url)) == "hit"


def test_without_remembered_generations_another_processs_change_shows_at_once(
    client, kb_page, settings
):
    settings.KB_PAGE_CACHE_GENERATION_SECONDS = 0
    url = kb_page(PUBLIC_ARTICLE).url
    changed_by_another_process(client, url)

    assert state(client.get(url)) == "miss"
    assert state(client.get(url)) == "hit"


def test_this_processs_own_change_shows_at_once_with_remembered_generations(
    client, kb_page, settings
):
    from kb.pagecache import invalidate_all

    settings.KB_PAGE_CACHE_GENERATION_SECONDS = 3600
    url = kb_page(PUBLIC_ARTICLE).url
    primed(client, url)
    assert state(client.get(url)) == "hit"
    invalidate_all()

    assert state(client.get(url)) == "miss"


def test_a_fresher_entry_stored_by_another_process_is_served(client, kb_page):
    # This process's copy is stale, and another process has stored the page
    # rendered again since: that entry is served (and copied), not rendered
    # a third time.
    from kb.pagecache import invalidate_all, store

    def copies():
        return {key: found[1] for key, found in store._local.items()}

    url = kb_page(PUBLIC_ARTICLE).url
    primed(client, url)
    stale = copies()
    invalidate_all()
    assert state(client.get(url)) == "miss"  # stored, shared and copied
    fresh = copies()
    assert fresh != stale
    store.forget_local_entries()
    for key, entry in stale.items():  # as another process would hold them
        store._local_put(key, entry, 60)

    assert state(client.get(url)) == "hit"
    assert copies() == fresh


def test_the_copies_stay_within_their_budget(client, kb_page, settings):
    from kb.pagecache import store

    settings.KB_PAGE_CACHE_LOCAL_BYTES = 40_000
    store.forget_local_entries()
    for kind in KINDS:
        client.get(page_url(kind, kb_page))
        assert store._local_size <= 40_000
    assert 0 < len(store._local) < len(KINDS)
    # A page dropped from this process is still in the shared cache.
    assert state(client.get(page_url(KINDS[0], kb_page))) == "hit"
