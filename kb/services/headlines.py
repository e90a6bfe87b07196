"""The newest news headlines for a set of product lines, kept in memory.

Other apps (the deflection step of "New case") show the few newest Rassegna
Info items next to their own answer, for every request. The news change a
few times a day; reading them costs five statements and about 2 ms. Each
process therefore keeps the headlines it has computed (the last
``HEADLINES_KEPT``, least recently used dropped first) under everything they
depend on (language, the visibilities the reader may see, the product lines,
how many) and the generations of the page cache's ``listings`` and
``global`` tags (``current_generations``: read from the shared cache at most
every ``KB_PAGE_CACHE_GENERATION_SECONDS``): a news item published,
unpublished, restricted or moved, a product line changed or an import makes
every kept list stale, at once in the process that made the change and
within that time in the others (``kb.pagecache.invalidation``). With the
page cache off (``KB_PAGE_CACHE = False``) nothing is kept; a shared cache
that fails is logged and the headlines read from the database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Q

from taxonomy.models import ProductLine

from ..models import NewsPage
from ..pagecache.store import GLOBAL, LISTINGS, current_generations, enabled
from ..permissions import visible_visibilities
from .listings import fetch_listed, news_rows, pick_translations

logger = logging.getLogger(__name__)

#: Lists kept per process, and for how long at most (seconds).
HEADLINES_KEPT = 256
HEADLINES_SECONDS = 600.0

_kept: OrderedDict[tuple, tuple[dict[str, str], float, list[NewsHeadline]]] = (
    OrderedDict()
)
_kept_lock = threading.Lock()


@dataclass(frozen=True)
class NewsHeadline:
    title: str
    url: str
    date: str  # ISO date, "" when the item has none


def _generations() -> dict[str, str] | None:
    if not enabled():
        return None
    try:
        return current_generations((LISTINGS, GLOBAL))
    except Exception:  # noqa: BLE001 - a cache that fails only keeps nothing
        logger.warning("kb: could not read the news' generations", exc_info=True)
        return None


def _read_headlines(
    visibilities: Collection[str], language: str, codes: Collection[str], limit: int
) -> list[NewsHeadline]:
    queryset = NewsPage.objects.visible_in(visibilities)
    if codes:
        lines = ProductLine.objects.filter(code__in=codes)
        queryset = queryset.filter(
            Q(product_lines__in=lines) | Q(product_lines__isnull=True)
        )
    picks = pick_translations(news_rows(queryset), language)[:limit]
    return [
        NewsHeadline(
            title=item.page.title,
            url=item.page.get_url() or "",
            date=item.page.date.isoformat() if item.page.date else "",
        )
        for item in fetch_listed(NewsPage, picks)
    ]


def newest_news_headlines(
    user, language: str, codes: Collection[str], limit: int
) -> list[NewsHeadline]:
    """The ``limit`` newest news items ``user`` may read about the product
    lines ``codes`` (all of them when empty) or about no product line, one
    translation each (``language`` first), newest first."""
    visibilities = tuple(sorted(visible_visibilities(user)))
    key = (language, visibilities, tuple(sorted(set(codes))), limit)
    generations = _generations()
    if generations is not None:
        with _kept_lock:
            found = _kept.get(key)
            if found is not None:
                if found[0] == generations and found[1] > time.monotonic():
                    _kept.move_to_end(key)
                    return list(found[2])
                del _kept[key]
    headlines = _read_headlines(visibilities, language, key[2], limit)
    if generations is not None:
        with _kept_lock:
            _kept[key] = (generations, time.monotonic() + HEADLINES_SECONDS, headlines)
            while len(_kept) > HEADLINES_KEPT:
                _kept.popitem(last=False)
    return list(headlines)


def forget_kept_headlines() -> None:
    """Drop this process's kept headlines (tests)."""
    with _kept_lock:
        _kept.clear()
