"""Editors' picks: pages pinned for a query with Wagtail's search promotions
(Settings › Promoted search results) come first on the first page of results,
on the search page and in the JSON API alike.

A promoted page is shown in the language searched when it has a translation
there, and only when its reader could find it anyway: live, visible to them,
and passing the query's filters. Promotions of external links are not shown
(a result must be a document of the index).
"""

from __future__ import annotations

import time

from django.utils.html import escape
from wagtail.contrib.search_promotions.models import SearchPromotion
from wagtail.models import Locale
from wagtail.search.utils import normalise_query_string

from .documents import Document, SearchFilters, SearchHit, SearchQuery
from .highlight import excerpt
from .providers import document_for_object


def _passes(document: Document, query: SearchQuery) -> bool:
    filters: SearchFilters = query.filters
    if not document.live or document.visibility not in query.visibility:
        return False
    if document.lang != query.lang:
        return False
    for name, value in filters.values_except(None).items():
        if name == "tag":
            if value not in document.tags:
                return False
        elif getattr(document, name) != value:
            return False
    if filters.date_from and (
        document.published is None or document.published < filters.date_from
    ):
        return False
    return not (
        filters.date_to
        and (document.published is None or document.published > filters.date_to)
    )


#: How long a process may reuse the list of queries that have promotions. A
#: promotion saved or deleted in the process clears it at once; other
#: processes (other web workers) see the change within this many seconds.
PROMOTED_QUERIES_SECONDS = 30.0
_promoted_queries: tuple[float, frozenset[str]] | None = None


def promoted_queries() -> frozenset[str]:
    """The (normalised) queries editors pinned pages for. Most searches have
    none: one look-up here instead of a statement per search."""
    global _promoted_queries  # noqa: PLW0603 (a per-process cache)
    now = time.monotonic()
    cached = _promoted_queries
    if cached is None or now - cached[0] > PROMOTED_QUERIES_SECONDS:
        strings = SearchPromotion.objects.filter(page__isnull=False).values_list(
            "query__query_string", flat=True
        )
        cached = _promoted_queries = (now, frozenset(strings))
    return cached[1]


def forget_promoted_queries(**kwargs) -> None:
    """Receiver of the promotions' (and their queries') saves and deletes."""
    global _promoted_queries  # noqa: PLW0603 (a per-process cache)
    _promoted_queries = None


def promoted_documents(query: SearchQuery) -> list[Document]:
    """The documents editors pinned for ``query.text``, in their order, that
    the query's reader may see and its filters let through."""
    text = normalise_query_string(query.text or "")
    if not text or text not in promoted_queries():
        return []
    promotions = list(
        SearchPromotion.objects.filter(query__query_string=text, page__isnull=False)
        .select_related("page")
        .order_by("sort_order", "pk")
    )
    if not promotions:
        return []
    locale = Locale.objects.filter(language_code=query.lang).first()
    documents: list[Document] = []
    for promotion in promotions:
        page = promotion.page
        if locale is not None and page.locale_id != locale.pk:
            page = page.get_translation_or_none(locale) or page
        document = document_for_object(page.specific)
        if document is not None and _passes(document, query):
            if all(document.key != other.key for other in documents):
                documents.append(document)
    return documents


def promoted_hit(document: Document, score: float) -> SearchHit:
    """A promoted document as a hit: its summary for a snippet."""
    return SearchHit.of(
        document,
        score=score,
        snippet=excerpt(document.summary or document.body),
        title_html=escape(document.title),
    )
