"""Articles and news as plain documents for the search backends (search/).

The search app indexes what this module yields; it needs to know nothing about
Wagtail pages. A document carries its visibility and live state so that the
search side can apply the same rule as kb.permissions.
"""

from __future__ import annotations

from collections.abc import Iterator

from .models import ArticlePage, NewsPage
from .richtext import stream_to_text

#: The document type of news items (articles carry their own ``doc_type``).
NEWS_DOC_TYPE = "news"


def article_document(page) -> dict | None:
    """The search document of an article or news page; None for other pages."""
    page = getattr(page, "specific", page)
    if isinstance(page, ArticlePage):
        lines = list(page.product_lines.all())
        return {
            "key": page.import_key,
            "lang": page.locale.language_code,
            "title": page.title,
            "summary": page.summary,
            "body": stream_to_text(page.body),
            "url": page.get_url() or "",
            "product_line": lines[0].code if lines else "",
            "area": page.area.code if page.area_id else "",
            "doc_type": page.doc_type,
            "audience": page.audience,
            "tags": [tag.name for tag in page.tags.all()],
            "error_codes": page.error_code_list,
            "published": _published(page),
            "visibility": page.visibility,
            "live": page.live,
        }
    if isinstance(page, NewsPage):
        lines = list(page.product_lines.all())
        return {
            "key": page.import_key,
            "lang": page.locale.language_code,
            "title": page.title,
            "summary": page.summary,
            "body": stream_to_text(page.body),
            "url": page.get_url() or "",
            "product_line": lines[0].code if lines else "",
            "area": "",
            "doc_type": NEWS_DOC_TYPE,
            "audience": "all",
            "tags": [],
            "error_codes": [],
            "published": page.date,
            "visibility": page.visibility,
            "live": page.live,
        }
    return None


def _published(page):
    moment = page.first_published_at or page.latest_revision_created_at
    return moment.date() if moment else None


def iter_article_documents() -> Iterator[dict]:
    """Every article and news page (live or not, every visibility), as documents."""
    articles = (
        ArticlePage.objects.select_related("locale", "area")
        .prefetch_related("product_lines", "tags")
        .order_by("pk")
    )
    news = (
        NewsPage.objects.select_related("locale")
        .prefetch_related("product_lines")
        .order_by("pk")
    )
    for queryset in (articles, news):
        for page in queryset.iterator(chunk_size=500):
            document = article_document(page)
            if document is not None:
                yield document
