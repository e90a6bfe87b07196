"""Rendered knowledge-base pages kept in a cache and shared by readers of one
class: an article is read by thousands and changed a few times a day.

**What is cached**: the answers to GET and HEAD of article, news item,
knowledge-base index and news digest pages, the news feeds and the sitemap
(each marks itself with ``mark_cacheable`` or ``cacheable_view``), when the
answer is a 200 that sets no cookie and is not ``private``/``no-store`` (Wagtail
marks every page under a view restriction so), and the request carries only
the query parameters the page reads (the filters, the page number).

**Key**: scheme, host, language, path and sorted query string, and the
*reader class* (``reader_class``): anonymous, customer, partner, or another
logged-in user. Never the user. Staff and editors (anyone who may open
Wagtail's admin) are neither served from nor stored in the cache, and neither
is a request with messages waiting to be shown. A page may add a variant
(``register_variant``): the news digest varies by the product lines the
customer's company licenses, not by company.

**Personal parts** never enter the cache. The account links (the log-out
form's CSRF token) and "Was this helpful?" (its CSRF token, and whether this
session has answered) are *fragments* (``register_fragment``): while a page
is rendered for the cache, the ``{% personal %}`` tag writes a placeholder
comment instead, and the middleware renders each fragment for the reader who
asked, on a hit and on a miss alike: a string substitution per fragment, and
a small template only for a reader whose fragment no other reader shares
(``shape``: every anonymous reader sees the same links; every session that
has not answered, the same form; only the CSRF token differs). Forms keep
working without JavaScript: the token is in the HTML as before. Outside the
cache (editors, cache off) fragments render in place. A page whose body still
holds a CSRF token is not stored.

**Invalidation**: an entry records the generation of every *tag* it depends
on: ``global``; ``tr:<translation key>`` for an article or news item (one tag
for all its translations, since each page links the others); ``listings`` for
index pages, feeds and sitemap; ``feedback`` for the knowledge base's "most
helpful". A change gives its tags a fresh generation (``invalidate_tags``),
and an entry whose generations no longer match is a miss; ``invalidation``
says which change touches which tags.

**Copies**: each process keeps copies of the entries it has served
(``KB_PAGE_CACHE_LOCAL_BYTES``, least recently used dropped first). An entry
is replaced whole, never changed, and whether it may be served is decided by
the current generations, so a copy is as good as the shared entry. Each
process also remembers the generations it read for
``KB_PAGE_CACHE_GENERATION_SECONDS`` (1; 0 reads them on every request) and
those it wrote: a hit mostly reads nothing from the shared cache, a change
shows at once in the process that made it and within that time in the others.
"""

from .fragments import clear_shared_fragments, register_fragment, render_fragment
from .invalidation import (
    connect_signals,
    invalidate_all,
    invalidate_feedback,
    invalidate_page,
    invalidate_tags,
)
from .store import (
    ANONYMOUS,
    CUSTOMER,
    FEEDBACK,
    GLOBAL,
    LISTINGS,
    MEMBER,
    PARTNER,
    cacheable_view,
    depend_on,
    is_recording,
    mark_cacheable,
    reader_class,
    register_variant,
    translation_tag,
)

__all__ = [
    "ANONYMOUS",
    "CUSTOMER",
    "FEEDBACK",
    "GLOBAL",
    "LISTINGS",
    "MEMBER",
    "PARTNER",
    "cacheable_view",
    "clear_shared_fragments",
    "connect_signals",
    "depend_on",
    "invalidate_all",
    "invalidate_feedback",
    "invalidate_page",
    "invalidate_tags",
    "is_recording",
    "mark_cacheable",
    "reader_class",
    "register_fragment",
    "register_variant",
    "render_fragment",
    "translation_tag",
]
