"""Who may read which article or news item.

One rule for every place a page can show up (listings, feeds, the sitemap, the
page itself, the search documents): a page's ``visibility`` must be in the set
``visible_visibilities(user)`` returns.

- ``public``: everybody, anonymous visitors included;
- ``customers``: anyone logged in (customers, partners, staff);
- ``partners``: internal notes for partner users and the vendor's staff and
  editors. Customers never see them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wagtail.models import Page

PUBLIC = "public"
CUSTOMERS = "customers"
PARTNERS = "partners"
ALL_VISIBILITIES = frozenset({PUBLIC, CUSTOMERS, PARTNERS})


def is_internal_user(user) -> bool:
    """Partner users, staff and anyone who may use the Wagtail admin (editors,
    reviewers): the people partner-only notes are written for."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if getattr(user, "is_partner", False) or user.is_staff or user.is_superuser:
        return True
    return user.has_perm("wagtailadmin.access_admin")


def visible_visibilities(user) -> set[str]:
    """The visibility values whose pages ``user`` may read."""
    if user is None or not user.is_authenticated or not user.is_active:
        return {PUBLIC}
    if is_internal_user(user):
        return set(ALL_VISIBILITIES)
    return {PUBLIC, CUSTOMERS}


def can_view_article(user, page: Page) -> bool:
    """May ``user`` read ``page`` (an article or a news item)? Only the
    visibility rule: whether the page is live is the caller's business."""
    visibility = getattr(page, "visibility", PUBLIC)
    return visibility in visible_visibilities(user)
