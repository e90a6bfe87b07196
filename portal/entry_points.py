"""The entry points the home page and the navigation offer.

Each is a URL name; an entry point whose URL is not installed is left out, so
the home page grows as the portal's parts are added.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class EntryPoint:
    url_name: str
    title: str | Promise
    description: str | Promise
    audience: str = "all"  # "all", "customer" (logged-in customers), "partner"


ENTRY_POINTS = [
    EntryPoint(
        "kb:index",
        _("Knowledge base"),
        _("Guides, FAQs and technical notes for every product line."),
    ),
    EntryPoint(
        "kb:news",
        _("Rassegna Info"),
        _("The latest news about the products you use."),
    ),
    EntryPoint(
        "search:search",
        _("Advanced document search"),
        _("Search all published documentation, with filters."),
    ),
    EntryPoint(
        "cases:list",
        _("My cases"),
        _("Follow your assistance requests and their history."),
        audience="customer",
    ),
    EntryPoint(
        "cases:new",
        _("New case"),
        _("Ask for assistance: describe the problem and attach the logs."),
        audience="customer",
    ),
    EntryPoint(
        "cases:partner_queue",
        _("Partner desk"),
        _("The cases assigned to you."),
        audience="partner",
    ),
    EntryPoint(
        "remote:authorise",
        _("Remote assistance"),
        _("Authorise a technician to connect to your computer."),
    ),
]


def visible_entry_points(user) -> list[dict]:
    """The entry points ``user`` may use, with their URLs, installed ones only."""
    result = []
    for entry in ENTRY_POINTS:
        if entry.audience == "customer" and not getattr(user, "is_customer", False):
            continue
        if entry.audience == "partner" and not getattr(user, "is_partner", False):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        result.append({"entry": entry, "url": url})
    return result
