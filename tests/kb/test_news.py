"""Rassegna Info: the news digest, by customer, with pagination."""

import pytest
from django.utils.html import escape

PAYROLL_ONLY = ["demo-news/payroll-rates-2026", "demo-news/attendance-clock-update"]
MINE = [
    "demo-news/release-2026-1",  # for every product line
    "demo-news/vat-deadline-reminder",  # accounting
    "demo-news/new-courier-integrations",  # warehouse
    "demo-news/payroll-to-ledger",  # accounting + payroll
    "demo-news/password-advice",  # customers only, every product line
]


def _titles(response) -> set[str]:
    return {item.page.title for item in response.context["news_items"]}


def _all_titles(client, url, params=None) -> set[str]:
    """Titles over every page of a paginated digest."""
    params = dict(params or {})
    titles, number = set(), 1
    while True:
        response = client.get(url, {**params, "page": number})
        titles |= _titles(response)
        if not response.context["page_obj"].has_next():
            return titles
        number += 1


def test_customer_digest_shows_its_product_lines(client, customer_user, kb_page):
    client.force_login(customer_user)  # 024200: accounting and warehouse

    titles = _all_titles(client, "/en/news/")

    for key in MINE:
        assert kb_page(key).title in titles, key
    for key in PAYROLL_ONLY:
        assert kb_page(key).title not in titles, key
    assert kb_page("demo-news/partner-training-calendar").title not in titles
    html = client.get("/en/news/").content.decode()
    assert "News for the product lines your company licenses" in html
    assert 'href="?all=1"' in html


def test_customer_can_switch_to_all_news(client, customer_user, kb_page):
    client.force_login(customer_user)

    titles = _all_titles(client, "/en/news/", {"all": "1"})

    for key in MINE + PAYROLL_ONLY:
        assert kb_page(key).title in titles, key
    assert kb_page("demo-news/partner-training-calendar").title not in titles
    html = client.get("/en/news/", {"all": "1"}).content.decode()
    assert "Show only news for my product lines" in html


def test_other_customer_sees_payroll_news(client, other_customer_user, kb_page):
    client.force_login(other_customer_user)  # 031337: accounting and payroll
    titles = _all_titles(client, "/en/news/")
    assert kb_page("demo-news/payroll-rates-2026").title in titles
    assert kb_page("demo-news/new-courier-integrations").title not in titles


def test_anonymous_visitors_see_all_public_news(client, kb_page, demo):
    titles = _all_titles(client, "/en/news/")
    for key in MINE[:-1] + PAYROLL_ONLY:
        assert kb_page(key).title in titles
    assert kb_page("demo-news/password-advice").title not in titles
    assert kb_page("demo-news/partner-training-calendar").title not in titles


@pytest.mark.parametrize(
    ("username", "status"),
    [(None, 404), ("024200", 404), ("partner", 200), ("editor", 200)],
)
def test_partner_news_by_url(client, kb_page, demo, username, status):
    from accounts.models import User

    if username:
        client.force_login(User.objects.get(username=username))
    page = kb_page("demo-news/partner-training-calendar", "it")
    assert client.get(page.url).status_code == status


def test_customers_only_news_asks_anonymous_visitors_to_log_in(client, kb_page, demo):
    page = kb_page("demo-news/password-advice")
    response = client.get(page.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")


def test_digest_is_newest_first_and_paginated(client, partner_user):
    client.force_login(partner_user)  # no company: sees every news item

    first = client.get("/en/news/")
    second = client.get("/en/news/", {"page": 2})

    dates = [item.page.date for item in first.context["news_items"]]
    assert dates == sorted(dates, reverse=True)
    assert len(dates) == 10
    assert first.context["page_obj"].paginator.count == 11
    assert len(second.context["news_items"]) == 1
    assert second.context["news_items"][0].page.date <= dates[-1]
    html = first.content.decode()
    assert 'href="?page=2"' in html
    assert "Page 1 of 2" in html


def test_out_of_range_page_shows_the_last_page(client, partner_user):
    client.force_login(partner_user)
    response = client.get("/en/news/", {"page": 99})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 2


def test_news_page_in_each_language(client, kb_page, demo):
    for language in ("it", "fi", "en"):
        page = kb_page("demo-news/release-2026-1", language)
        html = client.get(page.url).content.decode()
        assert f"<h1>{escape(page.title)}</h1>" in html
        others = [code for code in ("it", "fi", "en") if code != language]
        for code in others:
            assert kb_page("demo-news/release-2026-1", code).url in html


def test_digest_links_to_feeds(client, demo):
    html = client.get("/it/news/").content.decode()
    assert 'href="/it/feeds/news/rss/"' in html
    assert 'href="/it/feeds/news/accounting/atom/"' in html
    assert 'type="application/atom+xml"' in html
