"""The search layer's public functions: the only way other apps use search.

Writes go to every configured backend (the database one always included, so
that it can answer while Elasticsearch is away); reads go to the default
backend, which falls back to the database when its server is unreachable.
Callers never learn which backend answered.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from .analysis import parse_query
from .backends import (
    BaseSearchBackend,
    Rebuild,
    SearchBackendUnavailable,
    get_search_backend,
    get_search_backends,
)
from .conf import search_settings
from .coverage import TextTerms
from .documents import PUBLIC_ONLY, Document, SearchQuery, SearchResults, Suggestion
from .providers import reader_visibilities
from .resultcache import cached_results, index_changed

logger = logging.getLogger(__name__)

__all__ = [
    "TextTerms",
    "RebuildReport",
    "did_you_mean",
    "index_document",
    "ReaderSearch",
    "record_click",
    "rebuild_index",
    "reader_visibilities",
    "remove_document",
    "search_documents",
    "search_for_reader",
    "search_with_promotions",
    "suggest",
]


def _writable_backends() -> list[BaseSearchBackend]:
    # Local (database) backends first: if one fails, nothing reaches the rest.
    backends = list(get_search_backends().values())
    return sorted(backends, key=lambda backend: backend.remote)


def index_document(document: Document) -> None:
    """Add ``document`` to every backend, replacing its previous version.

    A document with ``live=False`` is kept out of every result. An unreachable
    Elasticsearch is logged and skipped: the database index stays current and
    a later rebuild brings Elasticsearch back in step. Once the change
    commits, the document's embedding is enqueued when its text changed (see
    ``search.tasks``).
    """
    from .tasks import enqueue_document_embedding

    for backend in _writable_backends():
        try:
            backend.index(document)
        except SearchBackendUnavailable as error:
            logger.warning(
                "Could not index %s (%s) in %r: %s",
                document.key,
                document.lang,
                backend.alias,
                error,
            )
    index_changed()
    enqueue_document_embedding(document)


def remove_document(key: str, lang: str) -> None:
    """Remove the document ``key`` in ``lang`` from every backend, and its
    vectors."""
    from .vectors import remove_vectors, vector_databases

    for backend in _writable_backends():
        try:
            backend.remove(key, lang)
        except SearchBackendUnavailable as error:
            logger.warning(
                "Could not remove %s (%s) from %r: %s", key, lang, backend.alias, error
            )
    index_changed()
    for using in vector_databases():
        remove_vectors(key, lang, using=using)


@dataclass
class RebuildReport:
    """Documents indexed per backend alias, and the backends that failed."""

    counts: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def _abort(alias: str, rebuild: Rebuild) -> None:
    try:
        rebuild.abort()
    except SearchBackendUnavailable as error:
        logger.warning("Could not clean up the rebuild of %r: %s", alias, error)


def rebuild_index(
    documents: Iterable[Document],
    *,
    aliases: Collection[str] | None = None,
    batch_size: int = 500,
) -> RebuildReport:
    """Replace the whole index of every backend (or of ``aliases``) with
    ``documents``, read once in batches.

    Each backend keeps answering from its previous index until its new one is
    complete: the database in one transaction, Elasticsearch in a fresh
    timestamped index behind its alias. A backend whose server is unreachable
    is reported in ``failed`` and left as it was. Vectors are kept: once the
    rebuild commits, those of documents gone are dropped and the documents
    without a current vector are enqueued for embedding (see ``search.tasks``).
    """
    from .tasks import enqueue_stale_embeddings

    report = RebuildReport()
    backends = {
        backend.alias: backend
        for backend in _writable_backends()
        if aliases is None or backend.alias in aliases
    }
    rebuilds: dict[str, Rebuild] = {}
    try:
        for alias, backend in backends.items():
            try:
                rebuilds[alias] = backend.start_rebuild()
            except SearchBackendUnavailable as error:
                report.failed[alias] = str(error)
        iterator = iter(documents)
        while batch := list(itertools.islice(iterator, batch_size)):
            for alias, rebuild in list(rebuilds.items()):
                try:
                    rebuild.add(batch)
                except SearchBackendUnavailable as error:
                    report.failed[alias] = str(error)
                    del rebuilds[alias]
                    _abort(alias, rebuild)
    except BaseException:
        for alias, rebuild in rebuilds.items():
            _abort(alias, rebuild)
        raise
    for position, (alias, rebuild) in enumerate(list(rebuilds.items())):
        try:
            report.counts[alias] = rebuild.finish()
        except SearchBackendUnavailable as error:
            report.failed[alias] = str(error)
        except BaseException:
            for later_alias, later in list(rebuilds.items())[position + 1 :]:
                _abort(later_alias, later)
            raise
    for alias, reason in report.failed.items():
        logger.warning("Rebuild of search backend %r failed: %s", alias, reason)
    index_changed()
    enqueue_stale_embeddings(report.counts)
    return report


def search_documents(query: SearchQuery) -> SearchResults:
    """Documents matching ``query`` that its viewer may read, one page of them,
    with totals, the requested facets and a spelling suggestion when the words
    look mistyped."""
    from .hybrid import search_hybrid

    return cached_results(query, lambda: search_hybrid(get_search_backend(), query))


def suggest(
    text: str,
    lang: str,
    product_line: str | None = None,
    visibility: Collection[str] = PUBLIC_ONLY,
    limit: int | None = None,
) -> list[Suggestion]:
    """Titles to offer while the user types ``text`` (its last word may be
    unfinished), best first."""
    return get_search_backend().suggest(
        text,
        lang,
        product_line=product_line,
        visibility=frozenset(visibility),
        limit=limit or search_settings.SUGGEST_LIMIT,
    )


def did_you_mean(
    text: str, lang: str, visibility: Collection[str] = PUBLIC_ONLY
) -> str | None:
    """``text`` with its misspelt words corrected, or None if none seem so."""
    return get_search_backend().did_you_mean(
        text, lang, visibility=frozenset(visibility)
    )


def search_with_promotions(query: SearchQuery) -> tuple[SearchResults, list[str]]:
    """:func:`search_documents`, with the documents editors promoted for the
    query's words first on page 1 (each once: a promoted document found by the
    search moves to the top). Also returns the promoted keys."""
    from .promotions import promoted_documents, promoted_hit

    results = search_documents(query)
    if query.page != 1:
        return results, []
    promoted = promoted_documents(query)
    if not promoted:
        return results, []
    keys = [document.key for document in promoted]
    top = max((hit.score for hit in results.hits), default=1.0)
    found = {hit.key: hit for hit in results.hits}
    hits = [
        found.get(document.key) or promoted_hit(document, top) for document in promoted
    ]
    hits += [hit for hit in results.hits if hit.key not in keys]
    total = max(results.total, len(hits))
    return dataclasses.replace(results, hits=hits, total=total), keys


@dataclass(frozen=True)
class ReaderSearch:
    """A search as a reader sees it: the results (promoted documents first),
    the promoted keys, and the log entry clicks on its results count against
    (None when the search was not logged)."""

    results: SearchResults
    promoted: list[str]
    log_entry: object | None = None
    #: Words were typed, but only ones the search leaves out (stopwords,
    #: single letters): nothing can match, and the reader should be told so.
    common_words_only: bool = False


def search_for_reader(query: SearchQuery, *, log: bool = False) -> ReaderSearch:
    """:func:`search_with_promotions`; with ``log``, the first page of a search
    with words is recorded in the search log (no personal data) for the
    editors' report."""
    from .querylog import log_search

    results, promoted = search_with_promotions(query)
    entry = None
    if log and query.page == 1:
        filters = query.filters
        filtered = bool(
            filters.values_except(None) or filters.date_from or filters.date_to
        )
        entry = log_search(query.text, query.lang, results.total, filtered)
    common_words_only = (
        not results.total
        and bool(query.text.strip())
        and not parse_query(query.text, query.lang, search_settings.QUERY_MAX_CHARS)
    )
    return ReaderSearch(results, promoted, entry, common_words_only)


def record_click(token: str) -> bool:
    """Count a click on a result of the logged search ``token`` names; False
    when the token is not genuine."""
    from .querylog import record_click as _record_click

    return _record_click(token)
