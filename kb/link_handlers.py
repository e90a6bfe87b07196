"""Rich-text link handlers (imported from wagtail_hooks and the kb template
tags only: they need the app registry ready).

Page links are resolved in a fixed number of statements (issue 16). Wagtail's
own handler fetches the linked pages of one rich-text value together, then
asks, link by link, for the active locale, the page's translation in it and
the site root paths (``page.localized.url``). Here each render resolves its
links with the active locale (one statement), the linked pages and their live
translations in that locale (one statement) and the site root paths (read
once). ``resolved_page_links`` does that for a whole body before its blocks
render one by one, so that the blocks' links cost those statements once.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

from django.conf import settings
from django.db.models import Q
from django.utils.html import escape
from django.utils.translation import get_language
from wagtail.blocks import StreamValue
from wagtail.models import Locale, Page, Site
from wagtail.rich_text import RichText
from wagtail.rich_text.pages import PageLinkHandler
from wagtail.rich_text.rewriters import FIND_A_TAG, extract_attrs

from .richtext import anchor_slug

# Pages resolved ahead of a render: (active language, page id -> href or None
# for a page that no longer exists).
_resolved: contextvars.ContextVar[tuple[str | None, dict[str, str | None]] | None] = (
    contextvars.ContextVar("kb_resolved_page_links", default=None)
)
_PAGE_ID_RE = re.compile(r"\d+")


def resolve_page_hrefs(page_ids: Iterable) -> dict[str, str | None]:
    """The escaped URL of each linked page (by id as a string), None for an id
    that names no page (a deleted page: the link renders as a bare ``<a>``).

    Like Wagtail's ``page.localized.url``: a page links to its live
    translation in the active language when there is one, else to itself. At
    most two statements and a read of the site root paths, whatever the number
    of links; none for pages ``resolved_page_links`` resolved already.
    """
    wanted = {str(page_id) for page_id in page_ids if page_id is not None}
    ahead = _resolved.get()
    known = ahead[1] if ahead is not None and ahead[0] == get_language() else {}
    hrefs = {pk: known[pk] for pk in wanted if pk in known}
    # An id that is not a number names no page (Wagtail's query would fail).
    missing = {pk for pk in wanted - hrefs.keys() if _PAGE_ID_RE.fullmatch(pk)}
    if missing:
        hrefs.update(_fetch_page_hrefs(missing))
    return hrefs


def _active_locale() -> Locale | None:
    if not getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        return None
    try:
        return Locale.get_active()
    except (LookupError, Locale.DoesNotExist):
        return None


def _fetch_page_hrefs(page_ids: set[str]) -> dict[str, str | None]:
    locale = _active_locale()
    linked = Q(pk__in=page_ids)
    if locale is not None:
        # The linked pages and, in the same statement, their live translations
        # in the reader's language.
        keys = Page.objects.filter(pk__in=page_ids).values("translation_key")
        linked |= Q(translation_key__in=keys, locale=locale, live=True)
    # Specific (deferred: no statement per page type) so that a page type
    # with its own URL routing keeps it, as with Wagtail's handler.
    pages = list(Page.objects.filter(linked).specific(defer=True))
    translated = {
        page.translation_key: page
        for page in pages
        if locale is not None and page.locale_id == locale.pk and page.live
    }
    site_root_paths = Site.get_site_root_paths()
    hrefs: dict[str, str | None] = dict.fromkeys(page_ids, None)
    for page in pages:
        if str(page.pk) not in page_ids:
            continue
        target = page
        if locale is not None and page.locale_id != locale.pk:
            target = translated.get(page.translation_key, page)
        # What Page.url would read from the cache, page by page.
        target._wagtail_cached_site_root_paths = site_root_paths
        hrefs[str(page.pk)] = escape(target.url)
    return hrefs


def page_link_ids(value) -> set[str]:
    """The ids of the pages that rich text in ``value`` links to: a
    StreamField value (any nesting of stream, struct and list blocks), a
    RichText, rich text in its stored form, or an iterable of those."""
    ids: set[str] = set()
    for source in _rich_text_sources(value):
        for match in FIND_A_TAG.finditer(source):
            attrs = extract_attrs(match.group(1))
            if attrs.get("linktype") == "page" and attrs.get("id"):
                ids.add(attrs["id"])
    return ids


def _rich_text_sources(value) -> Iterator[str]:
    if isinstance(value, RichText):
        yield value.source
    elif isinstance(value, str):
        if 'linktype="page"' in value:
            yield value
    elif isinstance(value, StreamValue):
        for child in value:
            yield from _rich_text_sources(child.value)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _rich_text_sources(item)
    elif isinstance(value, Iterable):
        for item in value:
            yield from _rich_text_sources(item)


@contextmanager
def resolved_page_links(*values):
    """Resolve the page links of ``values`` (e.g. an article's body) together,
    for the renders inside the block: each rich-text block then expands its
    links without a statement. Resolutions are for the language active on
    entry; a render in another language resolves its own."""
    outer = _resolved.get()
    known = dict(outer[1]) if outer is not None and outer[0] == get_language() else {}
    ids = set().union(*(page_link_ids(value) for value in values)) - known.keys()
    if ids:
        known.update(resolve_page_hrefs(ids))
    token = _resolved.set((get_language(), known))
    try:
        yield
    finally:
        _resolved.reset(token)


class AnchoredPageLinkHandler(PageLinkHandler):
    """Wagtail's page links, resolved in a fixed number of statements (see the
    module docstring), plus an optional ``anchor`` attribute appended to the
    URL as ``#anchor`` (imported ``kb:<key>#anchor`` links). Registered in
    place of Wagtail's own handler (kb/wagtail_hooks.py); the markup is
    Wagtail's. The editor does not show the anchor: an editor who re-saves the
    text keeps the link, to the top of the page."""

    @classmethod
    def expand_db_attributes_many(cls, attrs_list: list[dict]) -> list[str]:
        hrefs = resolve_page_hrefs(attrs.get("id") for attrs in attrs_list)
        tags = []
        for attrs in attrs_list:
            href = hrefs.get(str(attrs.get("id")))
            if href is None:
                tags.append("<a>")
                continue
            anchor = anchor_slug(attrs.get("anchor", ""))
            if anchor:
                href = f"{href}#{escape(anchor)}"
            tags.append(f'<a href="{href}">')
        return tags
