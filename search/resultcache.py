"""Answers to recent searches, kept until the index changes.

Many readers ask the same things ("stampa", "password", an error code), and
an answer costs the hybrid pipeline (the query's vector, the lexical search,
the semantic lookup: 15-60 ms); a kept one costs one read of the shared
cache. An answer is kept under everything it depends on: the whole
:class:`~search.documents.SearchQuery` (words, language, filters, the
visibilities the reader may see, facets, sort, page), the default backend,
the embedder and every search setting. Nothing about the reader beyond the
visibility classes is part of a search, so two readers share an answer only
when they may read the same documents.

**Where**: the answers are kept in each process's memory (the last
``RESULT_CACHE_ENTRIES``, least recently used dropped first), the index's
*generation* in the shared Django cache. Kept in the shared cache, the
answers would be a write per search and would push the page cache's entries
out of a database cache.

**Invalidation**: every change to the index (a document indexed or removed,
a rebuild, vectors stored or dropped) gives the index a fresh generation
(:func:`index_changed`, called by ``search.services`` and ``search.vectors``;
once at the change and again when its transaction commits), which every
process reads before it answers from memory. A kept answer records the
generation it was computed under and is ignored once that changed. Answers
computed in the first ``RESULT_CACHE_SETTLE`` seconds after a change are not
kept: another process's transaction, or Elasticsearch's
refresh, may not show the change yet.

The search log, click counts, rate limits and editors' promotions are
applied per request above this layer, so every search is still counted.

Settings: ``SEARCH_RESULT_CACHE_SECONDS`` (how long an answer is kept; 0 keeps
none; 300), ``SEARCH_RESULT_CACHE_ENTRIES`` (answers kept per process; 200),
``SEARCH_RESULT_CACHE_ALIAS`` (the Django cache holding the generation,
``"default"``: the shared cache in production, so that a change seen by the
task worker reaches every web process), ``SEARCH_RESULT_CACHE_SETTLE`` (2
seconds). A cache that fails is logged and the search answered as if nothing
were kept.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, transaction

from .conf import DEFAULTS, search_settings
from .documents import SearchQuery, SearchResults

logger = logging.getLogger(__name__)

__all__ = ["cached_results", "index_changed"]

GENERATION_KEY = "search:results:generation"

#: fingerprint -> (generation, expiry as time.monotonic(), answer)
_kept: OrderedDict[str, tuple[str, float, SearchResults]] = OrderedDict()
_kept_lock = threading.Lock()


def _cache():
    return caches[search_settings.RESULT_CACHE_ALIAS]


def _bump() -> None:
    try:
        _cache().set(
            GENERATION_KEY, f"{time.time():.3f}:{secrets.token_hex(6)}", timeout=None
        )
    except Exception:  # noqa: BLE001 - a cache that fails keeps nothing either
        logger.warning("search: could not mark the result cache stale", exc_info=True)


def index_changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """Every kept answer is stale from now on, and again once the current
    transaction on ``using`` commits."""
    if not search_settings.RESULT_CACHE_SECONDS:
        return
    _bump()
    transaction.on_commit(_bump, using=using)


def _fingerprint(query: SearchQuery) -> str:
    """Everything an answer depends on, as a digest."""
    from .backends import get_search_backend
    from .embedding import get_embedder

    embedder = get_embedder()
    filters = dataclasses.asdict(query.filters)
    parts = (
        query.text,
        query.lang,
        sorted((name, str(value)) for name, value in filters.items()),
        sorted(query.visibility),
        list(query.facets),
        query.sort,
        query.page,
        query.page_size,
        query.meaning_words,
        get_search_backend().alias,
        getattr(embedder, "name", None),
        sorted((name, repr(getattr(search_settings, name))) for name in DEFAULTS),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _generation(cache) -> str | None:
    """The index's generation, started when the cache holds none (no change
    known since; one in flight bumps it when its transaction commits)."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = f"0:{secrets.token_hex(6)}"
        if not cache.add(GENERATION_KEY, generation, timeout=None):
            generation = cache.get(GENERATION_KEY)
    return generation


def cached_results(
    query: SearchQuery, compute: Callable[[], SearchResults]
) -> SearchResults:
    """The kept answer to ``query`` when the index has not changed since it
    was computed, else ``compute()`` (kept for the next reader)."""
    seconds = search_settings.RESULT_CACHE_SECONDS
    if not seconds:
        return compute()
    started = time.perf_counter()
    key = _fingerprint(query)
    try:
        generation = _generation(_cache())
    except Exception:  # noqa: BLE001 - search without the cache
        logger.warning("search: the result cache cannot be read", exc_info=True)
        return compute()
    if generation is None:
        return compute()
    now = time.monotonic()
    with _kept_lock:
        entry = _kept.get(key)
        if entry is not None and entry[0] == generation and entry[1] > now:
            _kept.move_to_end(key)
            return dataclasses.replace(
                entry[2], took_ms=(time.perf_counter() - started) * 1000
            )
    results = compute()
    changed_at = float(generation.split(":", 1)[0])
    if time.time() - changed_at < search_settings.RESULT_CACHE_SETTLE:
        return results
    if results.vector_late:  # the next search of these words is fused
        return results
    with _kept_lock:
        _kept[key] = (generation, now + seconds, results)
        _kept.move_to_end(key)
        while len(_kept) > max(0, search_settings.RESULT_CACHE_ENTRIES):
            _kept.popitem(last=False)
    return results
