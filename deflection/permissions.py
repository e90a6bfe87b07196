"""Who may see what deflection knows, and turn a case into an article.

- what a customer read before asking: the partner handling the case and
  staff (like internal notes), never other customers;
- the dashboard: superusers, holders of ``deflection.view_dashboard``, and
  the editors and moderators who may change pages;
- a draft article from a case: the partner handling it or staff, once the
  case is resolved or closed.
"""

from wagtail.permissions import page_permission_policy

from cases.models import Status
from cases.permissions import can_see_internal

DRAFTABLE_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})


def can_see_reading(user, case) -> bool:
    return can_see_internal(user, case)


def can_view_dashboard(user) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.has_perm("deflection.view_dashboard"):
        return True
    return user.has_perm("wagtailadmin.access_admin") and (
        page_permission_policy.user_has_any_permission(user, {"change", "publish"})
    )


def can_draft_article(user, case) -> bool:
    return case.status in DRAFTABLE_STATUSES and can_see_internal(user, case)
