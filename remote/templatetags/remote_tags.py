from datetime import timedelta

from django import template
from django.utils.translation import gettext as _

from ..models import Authorisation

register = template.Library()


@register.filter
def session_duration(value: timedelta | None) -> str:
    """``0:12:05`` → "12 min 5 s"; hours when there are any."""
    if value is None:
        return "–"
    seconds = max(int(value.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": seconds}


@register.simple_tag(takes_context=True)
def case_remote_assistance(context, case) -> dict:
    """For the case page: the case's authorisations (with their sessions) the
    user may see, and whether they may authorise one for it now."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    authorisations = (
        Authorisation.objects.visible_to(user)
        .filter(case=case)
        .select_related("revocation", "session__opened_by__partner")
    )
    return {
        "authorisations": list(authorisations),
        "can_authorise": bool(
            user is not None
            and user.is_authenticated
            and user.customer_id == case.customer_id
            and case.is_open
        ),
    }
