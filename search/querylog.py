"""The search log: what readers look for, whether they find it, and whether
they open a result (click-through), for the editors' "Search queries" report.

Searches made on the search page are logged (the first page of results only,
so that paging does not count twice); the JSON API and the as-you-type
suggestions are not. A result link goes through ``search:click``, which adds
a click to its search and redirects to the document. Nothing personal is
kept: no user, address or session, and the query's personal data is masked
as everywhere editors read customers' words (``core.redaction``: e-mail
addresses, phone numbers, tax codes, IBANs, card numbers, passwords,
introduced names), and any other long number too.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.core import signing
from django.db.models import Avg, Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Cast

from core.redaction import redact_personal_data

from .models import SearchLog

MAX_QUERY_CHARS = 200
_SALT = "search.click"
# What is left of numbers of seven digits or more, maybe separated by spaces,
# dots or dashes (installation numbers, account numbers). Error codes
# (SIS-1042) stay readable.
_LONG_NUMBER_RE = re.compile(r"\+?\d(?:[\s./-]?\d){6,}")


def normalise_logged_query(text: str) -> str:
    """``text`` as the log keeps it: lower case, single spaces, personal
    details masked, at most 200 characters."""
    text = redact_personal_data(text)
    text = _LONG_NUMBER_RE.sub("[number]", text)
    return " ".join(text.lower().split())[:MAX_QUERY_CHARS]


def log_search(text: str, lang: str, results: int, filtered: bool) -> SearchLog | None:
    """Record one search; None (nothing logged) when ``text`` has no words."""
    query = normalise_logged_query(text)
    if not query:
        return None
    return SearchLog.objects.create(
        query=query, lang=lang, results=results, filtered=filtered
    )


def click_token(entry: SearchLog) -> str:
    """The signed reference to ``entry`` a result link carries, so that
    clicks can only be added to searches that happened."""
    return signing.dumps(entry.pk, salt=_SALT, compress=True)


def record_click(token: str) -> bool:
    """Count a click on a result of the search ``token`` names; False when the
    token is not one we made (or the search is gone)."""
    try:
        pk = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return False
    if not isinstance(pk, int):
        return False
    return bool(SearchLog.objects.filter(pk=pk).update(clicks=F("clicks") + 1))


def query_report(
    entries: QuerySet | None = None, since: datetime | None = None
) -> QuerySet:
    """Per query and language of ``entries`` (default: the whole log, or what
    was searched ``since``): searches, searches with no results, average
    results, clicks, searches with at least one click and the click-through
    rate (share of searches with a click), most searched first."""
    if entries is None:
        entries = SearchLog.objects.all()
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    return (
        entries.values("query", "lang")
        .annotate(
            searches=Count("id"),
            zero_results=Count("id", filter=Q(results=0)),
            average_results=Avg("results"),
            total_clicks=Sum("clicks"),
            clicked_searches=Count("id", filter=Q(clicks__gt=0)),
            ctr=Cast(Count("id", filter=Q(clicks__gt=0)), FloatField())
            / Cast(Count("id"), FloatField()),
        )
        .order_by("-searches", "query", "lang")
    )
