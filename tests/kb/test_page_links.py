"""Internal page links in rich text (issue 16): each points to the target's
live translation in the reader's language when there is one, to the target
itself otherwise, and an article runs the same statements for 30 links spread
over many blocks as for 3; its related articles and tags don't add
statements per item either. Measured uncached, on the second request."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.rich_text.pages import PageLinkHandler

from kb.link_handlers import AnchoredPageLinkHandler
from kb.models import ArticlePage, KnowledgeBaseIndexPage
from kb.services import import_article_lines

pytestmark = pytest.mark.django_db

TARGETS = 30
TRANSLATED = {"it": range(0, TARGETS, 2), "fi": (), "en": ()}
DRAFT_TRANSLATION = ("links/target-2", "it")


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    # Statements of rendering, not of the page cache (tests/kb/test_page_cache.py).
    settings.KB_PAGE_CACHE = False


def article_line(key: str, lang: str, title: str, **fields) -> str:
    return json.dumps(
        {
            "key": key,
            "lang": lang,
            "title": title,
            "summary": "An article for the link tests.",
            "body_html": "<p>Text.</p>",
            "product_line": "accounting",
            "area": "general-ledger",
            "doc_type": "guide",
            "audience": "all",
            "published": "2026-03-01",
            "visibility": "public",
            **fields,
        }
    )


def import_lines(lines: list[str]) -> None:
    report = import_article_lines(lines)
    assert not report.errors, report.errors


@pytest.fixture
def targets(kb_site) -> dict:
    """Thirty English articles to link to, the even ones also in Italian; the
    Italian of target 2 unpublished (a draft translation is not linked to).
    ``{(key, language): page}``."""
    lines = []
    for n in range(TARGETS):
        lines.append(article_line(f"links/target-{n}", "en", f"Target {n}"))
        if n in TRANSLATED["it"]:
            lines.append(article_line(f"links/target-{n}", "it", f"Obiettivo {n}"))
    import_lines(lines)
    key, language = DRAFT_TRANSLATION
    ArticlePage.objects.get(import_key=key, locale__language_code=language).unpublish()
    pages = ArticlePage.objects.filter(import_key__startswith="links/target-")
    return {
        (page.import_key, page.locale.language_code): page
        for page in pages.select_related("locale")
    }


def link(page_id: int, text: str, anchor: str = "") -> str:
    anchor = f' anchor="{anchor}"' if anchor else ""
    return f'<a linktype="page" id="{page_id}"{anchor}>{text}</a>'


def linking_body(targets: dict, count: int) -> list[dict]:
    """``count`` links to the English targets, as a translation copied from
    English keeps them: three to a block, in paragraphs and callouts between
    headings; then a link to a page that is gone and one to a section."""
    blocks = []
    for start in range(0, count, 3):
        links = " ".join(
            link(targets[(f"links/target-{n}", "en")].pk, f"link {n}")
            for n in range(start, min(start + 3, count))
        )
        blocks.append({"type": "heading", "value": {"text": f"Part {start}"}})
        if start % 2:
            text = {"kind": "tip", "text": f"<p>{links}</p>"}
            blocks.append({"type": "callout", "value": text})
        else:
            blocks.append({"type": "paragraph", "value": f"<p>{links}</p>"})
    gone = ArticlePage.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    first = targets[("links/target-0", "en")].pk
    extra = f"{link(gone, 'gone')} {link(first, 'section', anchor='part-two')}"
    blocks.append({"type": "paragraph", "value": f"<p>{extra}</p>"})
    return blocks


@pytest.fixture
def linking_article(targets):
    """``linking_article("it", 30)``: an article in ``language`` whose body
    links to the first ``count`` English targets (and related articles and
    tags, ``related`` of each)."""

    def make(language: str, count: int, related: int = 0) -> ArticlePage:
        key = f"links/article-{count}-{related}"
        import_lines(
            [
                article_line(
                    key,
                    language,
                    f"Links {count}",
                    related=[f"links/target-{n}" for n in range(related)],
                    tags=[f"tag {n}" for n in range(related)],
                )
            ]
        )
        page = ArticlePage.objects.get(import_key=key, locale__language_code=language)
        page.body = linking_body(targets, count)
        page.save()
        return page

    return make


def statements(client, url: str) -> int:
    """Statements of a second request (the first fills Wagtail's site
    lookup and the like)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("language", ["en", "it"])
def test_thirty_links_run_no_more_statements_than_three(
    client, linking_article, language
):
    # The links of every block are resolved together before the body renders:
    # the active locale, then the pages with their translations (2
    # statements, as many for 3 links as for 30), so no constant is added.
    few = statements(client, linking_article(language, 3).url)
    many = statements(client, linking_article(language, 30).url)
    assert many <= few


def test_related_articles_and_tags_add_no_statements_per_item(client, linking_article):
    one = statements(client, linking_article("it", 3, related=1).url)
    six = statements(client, linking_article("it", 3, related=6).url)
    assert six <= one


def body_links(response) -> dict[str, str | None]:
    """The body's links: text -> href (None for a link without one)."""
    html = response.content.decode()
    body = html[html.index('<div class="kb-body">') :]
    return {
        text: attribute[len(' href="') : -1] if attribute else None
        for attribute, text in re.findall(r'<a((?: href="[^"]*")?)>([^<]*)</a>', body)
        if text.startswith(("link ", "gone", "section"))
    }


@pytest.mark.parametrize("language", ["en", "it", "fi"])
def test_links_point_to_the_translation_in_the_readers_language(
    client, targets, linking_article, language
):
    page = linking_article(language, TARGETS)
    response = client.get(page.url)
    assert response.status_code == 200
    links = body_links(response)
    expected = {}
    for n in range(TARGETS):
        key = f"links/target-{n}"
        translated = n in TRANSLATED[language] and (key, language) != DRAFT_TRANSLATION
        expected[f"link {n}"] = targets[(key, language if translated else "en")].url
    assert {text: links.get(text) for text in expected} == expected
    # In Italian, some go to the translations and the others to the English
    # pages; there are no Finnish translations to go to.
    languages = {url.split("/")[1] for url in expected.values()}
    assert languages == ({"it", "en"} if language == "it" else {"en"})
    # A link to a page that is gone keeps its text, without a target, as
    # Wagtail renders it; an anchor follows the (translated) page's URL.
    assert links["gone"] is None
    assert links["section"] == f"{expected['link 0']}#part-two"


def test_rich_text_outside_a_body_links_to_the_translation(client, targets):
    # The knowledge base's introduction (a rich-text field, no page_links
    # block) goes through the same link handler.
    index = KnowledgeBaseIndexPage.objects.get(locale__language_code="it")
    english = targets[("links/target-4", "en")]
    index.intro = f"<p>{link(english.pk, 'introduction link')}</p>"
    index.save()
    response = client.get(index.url)
    assert response.status_code == 200
    italian = targets[("links/target-4", "it")].url
    assert f'<a href="{italian}">introduction link</a>' in response.content.decode()


@pytest.mark.parametrize("language", ["en", "it", "fi"])
def test_links_render_as_wagtails_own_handler_renders_them(targets, language):
    ids = [page.pk for page in targets.values()]
    attrs = [{"id": str(pk)} for pk in [*ids, max(ids) + 1000]]
    with translation.override(language):
        ours = AnchoredPageLinkHandler.expand_db_attributes_many(attrs)
        wagtails = PageLinkHandler.expand_db_attributes_many(attrs)
    assert ours == wagtails
    assert ours[-1] == "<a>"
