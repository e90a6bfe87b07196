"""Knowledge-base settings, each overridable in Django settings as ``KB_<NAME>``.

``ARTICLES_PER_PAGE``: articles per page of a filtered knowledge-base listing.
``NEWS_PER_PAGE``: news items per page of the Rassegna Info digest.
``NEWEST_COUNT``: articles in "Newest articles" on the knowledge-base index.
``HELPFUL_COUNT``: articles in "Most helpful" on the knowledge-base index.
``FEED_ITEMS``: items in an RSS or Atom feed.
``FEEDBACK_RATE``: (answers, seconds) per client address for "Was this helpful?".
``IMPORT_INDEX_CHUNK``: pages handed to the search backend at once after an import.

The page cache (kb.pagecache) reads its settings on every request, so that
tests may change them: ``KB_PAGE_CACHE`` (True: on), ``KB_PAGE_CACHE_ALIAS``
(``"default"``: the cache that holds the pages), ``KB_PAGE_CACHE_TIMEOUT``
(3600: seconds an entry lives at most), ``KB_PAGE_CACHE_LOCAL_BYTES`` (8 MB
of copies per process) and ``KB_PAGE_CACHE_GENERATION_SECONDS`` (1: how long a
process trusts the generations it read).
"""

from django.conf import settings

ARTICLES_PER_PAGE: int = getattr(settings, "KB_ARTICLES_PER_PAGE", 20)
NEWS_PER_PAGE: int = getattr(settings, "KB_NEWS_PER_PAGE", 10)
NEWEST_COUNT: int = getattr(settings, "KB_NEWEST_COUNT", 6)
HELPFUL_COUNT: int = getattr(settings, "KB_HELPFUL_COUNT", 5)
FEED_ITEMS: int = getattr(settings, "KB_FEED_ITEMS", 30)
FEEDBACK_RATE: tuple[int, int] = getattr(settings, "KB_FEEDBACK_RATE", (30, 3600))
IMPORT_INDEX_CHUNK: int = getattr(settings, "KB_IMPORT_INDEX_CHUNK", 500)
