"""Which change makes which cached pages stale.

- An article or news item published, unpublished, or put under or out of a
  view restriction: its translation tag (the page, its translations, which
  list it among their languages, and the articles that list it as related)
  and ``listings`` (index pages, feeds, sitemap).
- Any other page published or unpublished (a home page, an index page: their
  titles are in every breadcrumb and language switcher), any page moved to
  another URL, renamed (slug) or deleted (rich text elsewhere may link to it),
  an import, a product line, area, tag or site changed: ``global``.
- A "Was this helpful?" answer: ``feedback`` (the knowledge base's "most
  helpful" list; no page shows counts).

A change bumps its tags at once and again when its transaction commits, so
that a page rendered meanwhile from the old rows cannot stay cached.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from .store import (
    FEEDBACK,
    GLOBAL,
    LISTINGS,
    bump_generations,
    translation_tag,
)

logger = logging.getLogger(__name__)


def invalidate_tags(*tags: str) -> None:
    """Every entry that depends on one of ``tags`` is stale from now on."""
    bump_generations(tags)
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        transaction.on_commit(lambda: bump_generations(tags))


def invalidate_all() -> None:
    """Every cached page is stale (after an import, a deploy)."""
    invalidate_tags(GLOBAL)


def invalidate_page(page) -> None:
    """``page`` changed whether or what it shows: the pages concerned."""
    from ..models import ArticlePage, NewsPage

    if issubclass(page.specific_class or type(page), (ArticlePage, NewsPage)):
        invalidate_tags(translation_tag(page.translation_key), LISTINGS)
    else:
        invalidate_all()


def invalidate_feedback() -> None:
    """An answer to "Was this helpful?" was recorded."""
    invalidate_tags(FEEDBACK)


# Signal receivers ---------------------------------------------------------------


def _on_page_changed(sender, instance, **kwargs) -> None:
    invalidate_page(instance)


def _on_page_moved(sender, instance, url_path_before=None, url_path_after=None, **kw):
    if url_path_before != url_path_after:
        invalidate_all()
    else:  # a new place among its siblings: the sitemap's order
        invalidate_tags(LISTINGS)


def _on_anything_deleted(sender, instance, **kwargs) -> None:
    from wagtail.models import Page

    if isinstance(instance, Page):
        invalidate_all()


def _on_restriction_changed(sender, instance, **kwargs) -> None:
    from wagtail.models import Page

    page = Page.objects.filter(pk=instance.page_id).first()
    if page is None:
        invalidate_all()
    else:
        invalidate_page(page)


def _on_tag_saved(sender, instance, created=False, **kwargs) -> None:
    # A new tag is on no page yet; a renamed one may be on many.
    if not created:
        invalidate_all()


def _on_global_change(sender, **kwargs) -> None:
    invalidate_all()


def connect_signals() -> None:
    from taggit.models import Tag
    from wagtail.models import PageViewRestriction, Site
    from wagtail.signals import (
        page_published,
        page_slug_changed,
        page_unpublished,
        post_page_move,
    )

    from taxonomy.models import Area, ProductLine

    from ..signals import pages_imported

    page_published.connect(_on_page_changed, dispatch_uid="kb_pagecache_published")
    page_unpublished.connect(_on_page_changed, dispatch_uid="kb_pagecache_unpublished")
    post_page_move.connect(_on_page_moved, dispatch_uid="kb_pagecache_moved")
    page_slug_changed.connect(_on_global_change, dispatch_uid="kb_pagecache_slug")
    # Any model: deleting a page deletes a row of each class of its hierarchy.
    post_delete.connect(_on_anything_deleted, dispatch_uid="kb_pagecache_deleted")
    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(
            _on_restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=f"kb_pagecache_restriction_{name}",
        )
        for model in (ProductLine, Area, Site):
            signal.connect(
                _on_global_change,
                sender=model,
                dispatch_uid=f"kb_pagecache_{model.__name__}_{name}",
            )
    post_save.connect(_on_tag_saved, sender=Tag, dispatch_uid="kb_pagecache_tag")
    post_delete.connect(
        _on_global_change, sender=Tag, dispatch_uid="kb_pagecache_tag_deleted"
    )
    pages_imported.connect(_on_global_change, dispatch_uid="kb_pagecache_imported")
