"""Removing what identifies a customer from text that leaves a case: company
and people's names, customer and installation codes, e-mail addresses and
phone numbers. Error codes (``SIS-1042``) stay: they are what makes an
article findable."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

EMAIL_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits with the separators people write phone numbers with.
PHONE_CANDIDATE_RE = re.compile(r"(?<![\w-])(?:\+|00)?\(?\d[\d\s().\-/]{5,}\d(?![\w-])")
# Things shaped like phone numbers that are not: dates, times, case numbers.
NOT_A_PHONE_RE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}|^\d{4}-\d{6}$")
LEGAL_SUFFIXES = {
    "srl",
    "s.r.l.",
    "spa",
    "s.p.a.",
    "snc",
    "sas",
    "oy",
    "ab",
    "ltd",
    "ltd.",
    "inc",
    "inc.",
    "gmbh",
    "&",
    "c.",
}


def _phone(match: re.Match) -> str:
    text = match.group(0)
    digits = sum(char.isdigit() for char in text)
    if not 7 <= digits <= 15 or NOT_A_PHONE_RE.search(text.strip()):
        return text
    return _("[phone]")


def name_variants(names: Iterable[str]) -> list[str]:
    """Each name, and the name without legal suffixes ("Microbit Srl" →
    "Microbit"), longest first so that the full name is replaced first."""
    variants: set[str] = set()
    for name in names:
        name = " ".join((name or "").split())
        if len(name) < 3:
            continue
        variants.add(name)
        words = [w for w in name.split() if w.lower().strip(",") not in LEGAL_SUFFIXES]
        core = " ".join(words).strip(" ,")
        if len(core) >= 4:
            variants.add(core)
    return sorted(variants, key=len, reverse=True)


def redact_text(text: str, names: Iterable[str] = (), codes: Iterable[str] = ()) -> str:
    """``text`` with e-mail addresses, phone numbers, ``names`` (people,
    companies) and ``codes`` (customer and installation codes) replaced by
    placeholders."""
    if not text:
        return ""
    text = EMAIL_RE.sub(_("[e-mail]"), text)
    for code in sorted({c for c in codes if c and len(c) >= 3}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(code)}(?!\w)", _("[code]"), text)
    text = PHONE_CANDIDATE_RE.sub(_phone, text)
    for name in name_variants(names):
        text = re.sub(
            rf"(?<!\w){re.escape(name)}(?!\w)", _("[customer]"), text, flags=re.I
        )
    return text


def identifiers_of_case(case) -> tuple[list[str], list[str]]:
    """(names, codes) that identify the customer of ``case``: the company, its
    users, the people named on the case, its codes."""
    customer = case.customer
    names = [customer.name]
    codes = [customer.code, getattr(customer, "installation_code", "") or ""]
    people = list(customer.users.all()) if hasattr(customer, "users") else []
    if case.reporter is not None and case.reporter not in people:
        people.append(case.reporter)
    for person in people:
        names += [person.get_full_name(), person.first_name, person.last_name]
        names.append(person.get_username())
        if person.email:
            codes.append(person.email)
    if case.notify_mobile:
        codes.append(case.notify_mobile)
    return [n for n in names if n and len(n) >= 3], [c for c in codes if c]
