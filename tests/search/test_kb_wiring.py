"""The knowledge base keeps the search index current: the demo and imports
fill it, and publishing, unpublishing, moving, restricting and deleting pages
update it (through the background task, once the change is committed)."""

import io
import json

import pytest
from django.core.management import call_command
from wagtail.models import Page, PageViewRestriction

from kb.models import ArticlePage, KnowledgeBaseIndexPage, NewsPage
from kb.services import import_article_lines
from search.models import SearchDocument
from taxonomy.models import Area, ProductLine

from .portal import PARTNERS, api, api_keys, page_of

WORD = "quokkaflange"  # in no demo text


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the index tasks) as the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def new_article(title=f"Calibrating the {WORD}", visibility="public", lang="en"):
    parent = KnowledgeBaseIndexPage.objects.get(locale__language_code=lang)
    page = ArticlePage(
        title=title,
        slug="calibrating-" + WORD,
        summary=f"How to calibrate the {WORD} of the label printer.",
        area=Area.objects.get(code="shipping"),
        doc_type="guide",
        visibility=visibility,
    )
    page.product_lines = [ProductLine.objects.get(code="warehouse")]
    parent.add_child(instance=page)
    return page


def test_demo_fills_the_index_in_every_language(client, demo):
    live = SearchDocument.objects.filter(live=True)
    pages = ArticlePage.objects.live().count() + NewsPage.objects.live().count()

    assert live.count() == pages
    assert set(live.values_list("lang", flat=True)) == {"it", "fi", "en"}
    assert live.filter(doc_type="news").count() == NewsPage.objects.live().count()
    assert "demo/inventory-count" in api_keys(client, q="inventaario", lang="fi")
    news = api(client, q="couriers", doc_type="news")[1]["results"]
    assert news[0]["key"] == "demo-news/new-courier-integrations"
    assert news[0]["url"] == page_of(NewsPage, news[0]["key"]).url


def test_published_article_is_found_with_a_stable_key(client, demo, committed):
    with committed():
        page = new_article()
    assert api_keys(client, q=WORD) == []  # a draft is not found

    with committed():
        page.save_revision().publish()

    page.refresh_from_db()
    assert page.import_key == f"kb-{page.translation_key}"
    status, data = api(client, q=WORD)
    assert [r["key"] for r in data["results"]] == [page.import_key]
    assert data["results"][0]["url"] == page.url
    assert data["results"][0]["product_line"] == "warehouse"


def test_edits_unpublish_and_delete_reach_the_index(client, demo, committed):
    with committed():
        page = new_article()
        page.save_revision().publish()

    page.title = "Adjusting the flux capacitor"
    with committed():
        page.save_revision().publish()
    assert api_keys(client, q="capacitor") == [page.import_key]

    with committed():
        page.unpublish()
    assert api_keys(client, q="capacitor") == []

    with committed():
        page.save_revision().publish()
    assert api_keys(client, q="capacitor") == [page.import_key]

    with committed():
        Page.objects.get(pk=page.pk).delete()
    assert api_keys(client, q="capacitor") == []
    assert not SearchDocument.objects.filter(key=page.import_key).exists()


def test_visibility_change_is_respected(as_user, committed):
    with committed():
        page = new_article()
        page.save_revision().publish()
    page.visibility = "partners"
    with committed():
        page.save_revision().publish()

    assert api_keys(as_user("anonymous"), q=WORD) == []
    assert api_keys(as_user("customer"), q=WORD) == []
    assert api_keys(as_user("partner"), q=WORD) == [page.import_key]


def test_moving_a_page_updates_its_url(client, demo, committed):
    with committed():
        page = new_article()
        page.save_revision().publish()
    home = Page.objects.get(pk=page.get_parent().get_parent().pk)
    archive = KnowledgeBaseIndexPage(title="Archive", slug="archive")
    home.add_child(instance=archive)
    archive.save_revision().publish()

    with committed():
        page.move(archive, pos="last-child")

    results = api(client, q=WORD)[1]["results"]
    assert results[0]["url"] == f"/en/archive/calibrating-{WORD}/"
    assert client.get(results[0]["url"]).status_code == 200


def test_slug_change_above_updates_urls_below(client, demo, committed):
    kb = KnowledgeBaseIndexPage.objects.get(locale__language_code="en")
    kb.slug = "docs"
    with committed():
        kb.save_revision().publish()

    url = api(client, q="inventory count")[1]["results"][0]["url"]
    assert url.startswith("/en/docs/")
    assert client.get(url).status_code == 200


def test_view_restricted_pages_leave_the_index(client, demo, committed):
    page = page_of(ArticlePage, "demo/inventory-count")
    with committed():
        restriction = PageViewRestriction.objects.create(
            page=page, restriction_type=PageViewRestriction.PASSWORD, password="x"
        )
    assert "demo/inventory-count" not in api_keys(client, q="inventory count")

    with committed():
        restriction.delete()
    assert "demo/inventory-count" in api_keys(client, q="inventory count")


def test_partner_notes_and_unpublished_pages_stay_hidden(as_user, committed):
    assert PARTNERS not in api_keys(as_user("anonymous"), q="stale lock server")
    assert PARTNERS in api_keys(as_user("partner"), q="stale lock server")
    with committed():
        page_of(ArticlePage, PARTNERS).unpublish()
    assert PARTNERS not in api_keys(as_user("partner"), q="stale lock server")


def line(key, lang, title, **extra):
    data = {
        "key": key,
        "lang": lang,
        "title": title,
        "summary": f"{title}: a summary.",
        "body_html": f"<p>{title} in detail.</p>",
        "product_line": "payroll",
        "area": "payslips",
        "doc_type": "faq",
        "audience": "all",
        "tags": ["import-test"],
        "published": "2026-04-01",
        **extra,
    }
    return json.dumps(data)


def test_import_indexes_what_it_wrote(client, demo, tmp_path):
    source = tmp_path / "articles.jsonl"
    source.write_text(
        "\n".join(
            [
                line("import/zebra", "en", f"Zebra {WORD} payslips"),
                line("import/zebra", "it", f"Cedolini zebra {WORD}"),
                line("import/secret", "en", f"Secret {WORD}", visibility="partners"),
            ]
        ),
        encoding="utf-8",
    )

    call_command("import_articles", str(source), stdout=io.StringIO())

    assert api_keys(client, q=WORD) == ["import/zebra"]
    assert api_keys(client, q=WORD, lang="it") == ["import/zebra"]
    assert SearchDocument.objects.filter(key="import/secret", live=True).exists()

    # Importing again updates the indexed text.
    source.write_text(line("import/zebra", "en", f"Okapi {WORD}"), encoding="utf-8")
    call_command("import_articles", str(source), stdout=io.StringIO())
    titles = [r["title"] for r in api(client, q=WORD)[1]["results"]]
    assert titles == [f"Okapi {WORD}"]


def test_big_imports_rebuild_the_index_in_bulk(client, kb_site, settings):
    settings.KB_SEARCH_REBUILD_AFTER = 5
    lines = [line(f"bulk/{n}", "en", f"Bulk {WORD} number {n}") for n in range(8)]

    report = import_article_lines(lines)

    assert report.created == 8
    status, data = api(client, q=WORD, page_size=100)
    assert data["total"] == 8
    assert SearchDocument.objects.count() == 8


def test_dry_run_imports_index_nothing(client, kb_site):
    import_article_lines([line("dry/one", "en", f"Dry {WORD}")], dry_run=True)

    assert not SearchDocument.objects.exists()
