"""Every page runs a bounded number of SQL statements, measured uncached, and
a page that lists things runs no more statements for ten more of them.

The bounds are today's counts on the demo plus a small margin, so that a
change that adds a statement per page shows up here; what the statements are
for is said beside each bound. A statement more is fine when it buys
something: raise the bound and say why.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from cases.models import Case
from kb.models import ArticlePage
from kb.services import import_article_lines

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """The bounds are those of rendering a page: knowledge-base pages are
    measured without the page cache (tests/kb/test_page_cache.py measures it)."""
    settings.KB_PAGE_CACHE = False


def statements(client, url: str) -> int:
    """Statements of a second request of ``url``: the first fills what a
    running process keeps between requests (the search's live counts and
    promoted queries, Wagtail's site lookup), which earlier tests may have
    left filled or emptied. No page cache is involved."""
    assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def article_url() -> str:
    return (
        ArticlePage.objects.live()
        .filter(locale__language_code="en", import_key="demo/sis-1042-archive-locked")
        .get()
        .url
    )


def login(client, username: str) -> None:
    client.force_login(User.objects.get(username=username))


# (who, url, bound): the session and user (2 for a logged-in reader), the
# site and locale (Wagtail: 2-3), the page and its translations, then what the
# page shows.
PAGES = [
    # Home: site, locale, page, its children for the menus, news teaser.
    ("anonymous", "/en/", 12),
    # KB index: the product lines and areas, the article list of one page
    # with tags and product lines prefetched, the facets.
    ("anonymous", "/en/kb/", 30),
    ("anonymous", "/en/news/", 20),
    # Article: page, translations, tags, product lines, related articles,
    # feedback counts, breadcrumbs.
    ("anonymous", "ARTICLE", 32),
    # Search page: product lines and areas for the form, the search (one
    # statement up to 2,000 matches, then the page of hits), promotions.
    ("anonymous", "/en/search/?q=printer", 16),
    ("anonymous", "/it/search/?q=stampante", 21),
    ("anonymous", "/en/feeds/news/rss/", 8),
    ("anonymous", "/sitemap.xml", 12),
    ("anonymous", "/en/remote/", 3),
    ("024200", "/en/", 14),
    ("024200", "ARTICLE", 37),
    # Case list: user, customer, one page of cases with their product line,
    # area and partner joined, the count.
    ("024200", "/en/cases/", 9),
    # Describe step (first step of "New case"): product lines, news.
    ("024200", "/en/cases/new/describe/", 7),
    ("024200", "/en/remote/", 9),
    ("partner", "/en/partner/cases/", 10),
]


#: Statements a search adds on PostgreSQL: each search (the reader's
#: language and each other language asked) runs in a savepoint with its
#: planner settings (``PostgreSQLEngine.reading``), weighs each word by its
#: rarity and ranks the best matches again by BM25F (docs/search.md).
POSTGRESQL_SEARCH = 11


@pytest.mark.parametrize(("who", "url", "bound"), PAGES)
def test_pages_run_a_bounded_number_of_statements(client, demo, who, url, bound):
    if who != "anonymous":
        login(client, who)
    if "/search/" in url and connection.vendor == "postgresql":
        bound += POSTGRESQL_SEARCH
    url = article_url() if url == "ARTICLE" else url
    assert statements(client, url) <= bound


@pytest.mark.parametrize("who", ["024200", "partner"])
def test_case_view_runs_a_bounded_number_of_statements(client, demo, who):
    # Case, customer, reporter, partner, product line and area joined; its
    # messages, attachments and history (one statement each), the panels.
    login(client, who)
    case = Case.objects.filter(customer__code="024200").first()
    assert statements(client, f"/en/cases/{case.number}/") <= 16


@pytest.mark.parametrize(
    ("who", "url"), [("024200", "/en/cases/"), ("partner", "/en/partner/cases/")]
)
def test_case_lists_run_as_many_statements_for_more_cases(client, demo, who, url):
    login(client, who)
    before = statements(client, url)
    add_cases(10)
    assert statements(client, url) == before


def add_cases(count: int) -> None:
    from cases.services import CaseDraft, submit_case

    user = User.objects.get(username="024200")
    template = Case.objects.filter(customer=user.customer).first()
    for n in range(count):
        submit_case(
            CaseDraft(
                customer=user.customer,
                reporter=user,
                product_line=template.product_line,
                area=template.area,
                urgency="normal",
                subject=f"Query count {n}",
                request="Ten more cases in the list.",
                notify_email=user.email,
                dealer=user.customer.reference_partner,
                language="en",
            ),
            (),
            notify=False,
        )


def add_articles(count: int) -> None:
    lines = [
        json.dumps(
            {
                "key": f"query-count/{n}",
                "lang": "en",
                "title": f"Printer setting number {n}",
                "summary": "One more article in the lists.",
                "body_html": "<p>Printer settings.</p>",
                "product_line": "accounting",
                "area": "general-ledger",
                "doc_type": "guide",
                "audience": "all",
                "tags": ["printer", f"tag-{n}"],
                "published": "2026-03-01",
                "visibility": "public",
            }
        )
        for n in range(count)
    ]
    report = import_article_lines(lines)
    assert not report.errors, report.errors


@pytest.mark.parametrize(
    "url", ["/en/kb/", "/en/search/?q=printer", "/en/feeds/news/rss/"]
)
def test_lists_of_articles_run_as_many_statements_for_more_articles(client, demo, url):
    before = statements(client, url)
    add_articles(10)
    # (A search with few results also asks other languages and for a
    # correction: with more it may run fewer statements, never more.)
    assert statements(client, url) <= before
