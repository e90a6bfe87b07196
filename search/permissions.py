"""Which indexed documents a user may find.

Documents carry one of three visibilities (see ``search.documents.Visibility``);
the rule matches the knowledge base's own (kb.permissions), so that a search
never lists a page its reader could not open:

- ``public``: everybody;
- ``customers``: anyone logged in;
- ``partners``: partner users, staff and Wagtail editors, never customers.
"""

from __future__ import annotations

from .documents import PUBLIC_ONLY, Visibility

LOGGED_IN: frozenset[str] = frozenset(
    {Visibility.PUBLIC.value, Visibility.CUSTOMERS.value}
)
EVERYTHING: frozenset[str] = frozenset(Visibility.values)


def is_internal_user(user) -> bool:
    """Partner users, staff and anyone who may use the Wagtail admin."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if getattr(user, "is_partner", False) or user.is_staff or user.is_superuser:
        return True
    return user.has_perm("wagtailadmin.access_admin")


def visible_visibilities(user) -> frozenset[str]:
    """The visibilities of the documents ``user`` may find."""
    if user is None or not user.is_authenticated or not user.is_active:
        return PUBLIC_ONLY
    if is_internal_user(user):
        return EVERYTHING
    return LOGGED_IN
