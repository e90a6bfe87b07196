"""The deflection step's news: kept by each process, fresh after every change
to the news (kb.services.headlines)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kb.models import NewsPage
from kb.services.headlines import forget_kept_headlines, newest_news_headlines

pytestmark = pytest.mark.django_db

SUGGEST = "/api/deflection/suggest/"


@pytest.fixture(autouse=True)
def _nothing_kept():
    forget_kept_headlines()
    yield
    forget_kept_headlines()


def news_titles(client, **params) -> tuple[list[str], list[str]]:
    """The news titles the step offers, and the statements that read news."""
    with CaptureQueriesContext(connection) as statements:
        response = client.get(SUGGEST, {"q": "stock count", "lang": "en", **params})
    assert response.status_code == 200
    read_news = [q["sql"] for q in statements if "kb_newspage" in q["sql"]]
    return [item["title"] for item in response.json()["news"]], read_news


def news_page(key: str, language: str = "en") -> NewsPage:
    return NewsPage.objects.get(import_key=key, locale__language_code=language)


def test_the_second_request_reads_no_news_and_shows_the_same(as_user):
    client = as_user("anonymous")
    first, first_read = news_titles(client, product_line="warehouse")
    second, second_read = news_titles(client, product_line="warehouse")

    assert first and first_read
    assert second == first
    assert second_read == []
    # Another product line is another list.
    other, other_read = news_titles(client, product_line="payroll")
    assert other_read and other != first


def test_a_news_item_published_shows_at_once(as_user):
    client = as_user("anonymous")
    before, _ = news_titles(client, product_line="warehouse")
    webinar = news_page("demo-news/inventory-webinar")
    assert webinar.title not in before[:1]

    webinar.date = datetime.date(2030, 1, 1)
    webinar.save_revision().publish()
    after, read = news_titles(client, product_line="warehouse")

    assert read
    assert after[0] == webinar.title


def test_a_news_item_unpublished_disappears_at_once(as_user):
    client = as_user("anonymous")
    before, _ = news_titles(client, product_line="warehouse")
    newest = NewsPage.objects.get(title=before[0], locale__language_code="en")

    newest.unpublish()
    after, _ = news_titles(client, product_line="warehouse")

    assert newest.title not in after


def test_readers_of_other_visibilities_never_share_a_list(as_user):
    from accounts.models import User

    anonymous = newest_news_headlines(None, "en", [], 50)
    customer = newest_news_headlines(User.objects.get(username="024200"), "en", [], 50)
    advice = news_page("demo-news/password-advice").title  # customers only

    assert advice not in [item.title for item in anonymous]
    assert advice in [item.title for item in customer]
    # Kept lists too.
    assert newest_news_headlines(None, "en", [], 50) == anonymous


def test_nothing_is_kept_with_the_page_cache_off(as_user, settings):
    settings.KB_PAGE_CACHE = False
    client = as_user("anonymous")
    news_titles(client, product_line="warehouse")
    again, read = news_titles(client, product_line="warehouse")

    assert again and read
