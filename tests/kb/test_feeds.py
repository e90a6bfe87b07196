"""RSS and Atom feeds of Rassegna Info: valid XML, public news only, per language
and per product line."""

import xml.etree.ElementTree as ET

import pytest

ATOM = "{http://www.w3.org/2005/Atom}"


def _parse(response) -> ET.Element:
    # The portal's own output in a test, not untrusted input.
    return ET.fromstring(response.content)  # noqa: S314


def _rss_items(response) -> list[dict]:
    root = _parse(response)
    assert root.tag == "rss"
    channel = root.find("channel")
    return [
        {
            "title": item.findtext("title"),
            "link": item.findtext("link"),
            "categories": [c.text for c in item.findall("category")],
        }
        for item in channel.findall("item")
    ]


def _atom_entries(response) -> list[dict]:
    root = _parse(response)
    assert root.tag == f"{ATOM}feed"
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
        }
        for entry in root.findall(f"{ATOM}entry")
    ]


def test_rss_feed_is_valid_xml_with_public_news_in_the_language(client, kb_page, demo):
    response = client.get("/it/feeds/news/rss/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = _parse(response)
    assert root.find("channel").findtext("language") == "it"
    items = _rss_items(response)
    titles = {item["title"] for item in items}
    assert kb_page("demo-news/release-2026-1", "it").title in titles
    assert kb_page("demo-news/release-2026-1", "en").title not in titles
    assert kb_page("demo-news/password-advice", "it").title not in titles
    assert kb_page("demo-news/partner-training-calendar", "it").title not in titles
    assert len(items) == 9  # 11 news items, one customers-only, one partners-only
    release = kb_page("demo-news/release-2026-1", "it")
    assert any(item["link"].endswith(release.url) for item in items)


def test_atom_feed_in_finnish(client, kb_page, demo):
    response = client.get("/fi/feeds/news/atom/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = _parse(response)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fi"
    titles = {entry["title"] for entry in _atom_entries(response)}
    assert kb_page("demo-news/maintenance-window", "fi").title in titles


def test_product_line_feed_has_only_that_lines_news(client, kb_page, demo):
    items = _rss_items(client.get("/en/feeds/news/payroll/rss/"))

    titles = {item["title"] for item in items}
    assert titles == {
        kb_page("demo-news/payroll-rates-2026").title,
        kb_page("demo-news/attendance-clock-update").title,
        kb_page("demo-news/payroll-to-ledger").title,
    }
    payroll_to_ledger = next(i for i in items if "ledger" in i["title"])
    assert set(payroll_to_ledger["categories"]) == {"Accounting", "Payroll"}

    atom = _atom_entries(client.get("/en/feeds/news/warehouse/atom/"))
    assert {entry["title"] for entry in atom} == {
        kb_page("demo-news/new-courier-integrations").title,
        kb_page("demo-news/inventory-webinar").title,
    }


@pytest.mark.parametrize("username", ["024200", "partner", "editor"])
def test_feeds_stay_public_for_logged_in_users(client, demo, kb_page, username):
    from accounts.models import User

    client.force_login(User.objects.get(username=username))
    titles = {i["title"] for i in _rss_items(client.get("/en/feeds/news/rss/"))}
    assert kb_page("demo-news/password-advice").title not in titles
    assert kb_page("demo-news/partner-training-calendar").title not in titles


def test_unknown_product_line_feed_is_404(client, demo):
    assert client.get("/en/feeds/news/no-such-line/rss/").status_code == 404
