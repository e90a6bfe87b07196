"""The knowledge base in the search index (search/).

Registers the "kb" document provider (articles and news items, every
language) and keeps the index in step with the page tree:

- publish, unpublish and delete of an article or news item, a move or a slug
  change of a page above them, and a change of Wagtail's view restrictions
  enqueue ``search.tasks.index_document_task`` once the transaction commits;
  the task asks the provider for the page's current state, so an unpublished,
  privacy-restricted or deleted page leaves the index;
- an import (``kb.signals.pages_imported``) indexes what it wrote at once, at
  its end: page by page when it wrote few pages, otherwise by one bulk rebuild
  of the index, which is much quicker per page.

A page's search key is its ``import_key``: the key of the import line, or
``kb-<translation key>`` for pages made in the admin. Translations share it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import (
    page_published,
    page_slug_changed,
    page_unpublished,
    post_page_move,
)

from search import services
from search.documents import Document
from search.providers import all_documents, register_document_provider
from search.tasks import index_document_task

from .documents import NEWS_DOC_TYPE, article_document, iter_article_documents
from .models import ArticlePage, Audience, DocType, NewsPage, Visibility
from .permissions import visible_visibilities
from .signals import pages_imported

logger = logging.getLogger(__name__)

PROVIDER_NAME = "kb"
SEARCHABLE_MODELS = (ArticlePage, NewsPage)


def _rebuild_threshold() -> int:
    """Imports that wrote at least this many pages (``KB_SEARCH_REBUILD_AFTER``,
    default 200), and at least a quarter of all pages, rebuild the whole index
    instead of indexing page by page."""
    return getattr(settings, "KB_SEARCH_REBUILD_AFTER", 200)


def _document(data: dict, restricted: bool = False) -> Document | None:
    # Wagtail's own privacy (password or group restrictions) hides a page
    # from the search like unpublishing it does: the index cannot check a
    # password.
    try:
        return Document(**{**data, "live": bool(data["live"]) and not restricted})
    except ValueError as error:
        logger.warning("not indexing %s (%s): %s", data["key"], data["lang"], error)
        return None


def page_document(page: object) -> Document | None:
    """The search document of an article or news page; None for anything else."""
    if not isinstance(page, Page):
        return None
    data = article_document(page)
    if data is None:
        return None
    restricted = page.get_view_restrictions().exists()
    return _document(data, restricted=restricted)


def _restricted_keys() -> set[tuple[str, str]]:
    paths = list(PageViewRestriction.objects.values_list("page__path", flat=True))
    if not paths:
        return set()
    under = Q()
    for path in paths:
        under |= Q(path__startswith=path)
    keys: set[tuple[str, str]] = set()
    for model in SEARCHABLE_MODELS:
        keys.update(
            model.objects.filter(under).values_list(
                "import_key", "locale__language_code"
            )
        )
    return keys


def kb_documents() -> Iterator[Document]:
    """Every article and news item as a document, for a full rebuild."""
    restricted = _restricted_keys()
    for data in iter_article_documents():
        document = _document(data, (data["key"], data["lang"]) in restricted)
        if document is not None:
            yield document


def lookup_kb_document(key: str, lang: str) -> Document | None:
    """The current document of the page with import key ``key`` in ``lang``
    (a live one preferred), or None when there is no such page any more."""
    for model in SEARCHABLE_MODELS:
        queryset = model.objects.filter(import_key=key, locale__language_code=lang)
        related = ("locale", "area") if model is ArticlePage else ("locale",)
        page = queryset.select_related(*related).order_by("-live", "pk").first()
        if page is not None:
            return page_document(page)
    return None


def kb_choices() -> dict[str, list[tuple[str, Any]]]:
    """The values and labels of the knowledge base's keyword fields, for the
    search's filters and results: its models' own choices."""
    return {
        "doc_type": [*DocType.choices, (NEWS_DOC_TYPE, _("News"))],
        "audience": list(Audience.choices),
        "visibility": list(Visibility.choices),
    }


def register_provider() -> None:
    register_document_provider(
        PROVIDER_NAME,
        documents=kb_documents,
        lookup=lookup_kb_document,
        for_object=page_document,
        visibilities=visible_visibilities,
        choices=kb_choices(),
    )


# Incremental updates -----------------------------------------------------------


def enqueue_index(key: str, lang: str) -> None:
    """Re-index ``key`` in ``lang`` in the background once the current
    transaction commits (at once outside a transaction)."""
    if not key:
        return
    transaction.on_commit(lambda: index_document_task.enqueue(key, lang))


def _page_key(page) -> tuple[str, str] | None:
    page = page.specific_deferred if type(page) is Page else page
    if not isinstance(page, SEARCHABLE_MODELS):
        return None
    return page.import_key, page.locale.language_code


def enqueue_subtree(page: Page) -> int:
    """Re-index every article and news item at or below ``page`` (their URLs
    or their privacy changed); return how many were enqueued."""
    count = 0
    for model in SEARCHABLE_MODELS:
        rows = (
            model.objects.filter(path__startswith=page.path)
            .exclude(import_key="")
            .values_list("import_key", "locale__language_code")
        )
        for key, lang in rows:
            enqueue_index(key, lang)
            count += 1
    return count


def _on_page_changed(sender, instance, **kwargs) -> None:
    key = _page_key(instance)
    if key is not None:
        enqueue_index(*key)


def _on_page_deleted(sender, instance, **kwargs) -> None:
    lang = (
        instance.locale.language_code if instance.locale_id else settings.LANGUAGE_CODE
    )
    enqueue_index(instance.import_key, lang)


def _on_page_moved(sender, instance, url_path_before=None, url_path_after=None, **kw):
    if url_path_before != url_path_after:
        enqueue_subtree(instance)


def _on_slug_changed(sender, instance, **kwargs) -> None:
    enqueue_subtree(instance)


def _on_restriction_changed(sender, instance, **kwargs) -> None:
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        enqueue_subtree(page)


def index_imported_pages(sender, pages: Iterable[tuple[type, int]], **kwargs) -> None:
    """After an import: the pages it wrote go into the index at once, by one
    bulk rebuild when they are many."""
    pages = list(pages)
    total = sum(model.objects.count() for model in SEARCHABLE_MODELS)
    # A rebuild costs about a third of indexing page by page, but for every
    # page: worth it when the import wrote a good share of the pages.
    if len(pages) >= _rebuild_threshold() and len(pages) * 4 >= total:
        report = services.rebuild_index(all_documents())
        logger.info("search index rebuilt after an import: %s", report.counts)
        return
    by_model: dict[type, list[int]] = {}
    for model, pk in pages:
        by_model.setdefault(model, []).append(pk)
    for model, pks in by_model.items():
        queryset = model.objects.filter(pk__in=pks).select_related("locale")
        if model is ArticlePage:
            queryset = queryset.select_related("area").prefetch_related(
                "product_lines", "tags"
            )
        else:
            queryset = queryset.prefetch_related("product_lines")
        for page in queryset:
            document = page_document(page)
            if document is not None:
                services.index_document(document)


def connect_signals() -> None:
    page_published.connect(_on_page_changed, dispatch_uid="kb_search_published")
    page_unpublished.connect(_on_page_changed, dispatch_uid="kb_search_unpublished")
    for model in SEARCHABLE_MODELS:
        post_delete.connect(
            _on_page_deleted,
            sender=model,
            dispatch_uid=f"kb_search_deleted_{model.__name__}",
        )
    post_page_move.connect(_on_page_moved, dispatch_uid="kb_search_moved")
    page_slug_changed.connect(_on_slug_changed, dispatch_uid="kb_search_slug")
    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(
            _on_restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=f"kb_search_restriction_{name}",
        )
    pages_imported.connect(index_imported_pages, dispatch_uid="kb_search_imported")
