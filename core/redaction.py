"""Removing what identifies a person or a company from text that editors
will read (the deflection step's content gaps, the search log): company and
people's names, customer and installation codes, e-mail addresses and phone
numbers; tax codes (Italian codice fiscale and partita IVA, Finnish
henkilötunnus), IBANs and payment card numbers (each checked by its own
checksum, so that error codes and case numbers stay); a password written
after "password", "pwd" or "salasana"; and a person's name where the text
introduces one ("mi chiamo …", "my name is …", "nimeni on …", a signature
after "Cordiali saluti", "Regards", "Terveisin" …), even when the case does
not know it. Error codes (``SIS-1042``) stay: they are what makes an
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


# Italian codice fiscale: 6 letters, 2 digits, a month letter, 2 digits, a
# letter and 3 digits, then a check letter; a digit may be replaced by one of
# LMNPQRSTUV (omocodia).
_CF_DIGIT = "[0-9LMNPQRSTUV]"
TAX_CODE_RE = re.compile(
    rf"(?<![\w-])[A-Z]{{6}}{_CF_DIGIT}{{2}}[ABCDEHLMPRST]{_CF_DIGIT}{{2}}"
    rf"[A-Z]{_CF_DIGIT}{{3}}[A-Z](?![\w-])",
    re.I,
)
# Partita IVA / VAT numbers written with their name: "P.IVA 01234567890".
VAT_RE = re.compile(
    r"(?i)\b(p\.?\s?iva|partita\s+iva|vat(?:\s+(?:no\.?|number))?|"
    r"alv-?numero|y-tunnus)(\s*[:.]?\s*)(?:[A-Z]{2})?\d[\d\s-]{6,13}\d"
)
# Finnish henkilötunnus: DDMMYY, the century sign, 3 digits, a check character.
HETU_RE = re.compile(r"(?<![\w-])\d{6}[-+A-FU-Y]\d{3}[0-9A-FHJ-NPR-Y](?![\w-])")
_HETU_CHECKS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# IBAN: country, check digits, then 11-30 letters or digits, maybe in groups.
IBAN_RE = re.compile(r"(?<![\w-])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}(?![\w-])", re.I)
# Payment cards: 13-19 digits, maybe grouped with spaces or hyphens.
CARD_RE = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
# A password after the word that announces it, in the three languages:
# "password: x", "la mia password è x", "pwd=x", "salasanani on x".
PASSWORD_RE = re.compile(
    r"(?i)\b(pass(?:word|wd|code)s?|pwd|pw|parola\s+(?:d'ordine|chiave)|"
    r"salasan\w*)"
    r"(\s*(?:[:=]|\s(?:is|was|è|era|e'|on|oli)\b)\s*[:=]?\s*)"
    r"(\S+?)([.,;:!?)]*(?=\s|$))"
)
# Words that introduce a person's name, then the name: up to three words
# that begin with a capital letter.
_NAME_WORD = r"[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)?"
NAME_INTRO_RE = re.compile(
    r"(?i:\b(mi\s+chiamo|il\s+mio\s+nome\s+è|sono|my\s+name\s+is|"
    r"nimeni\s+on|olen|minä\s+olen|"
    r"cordiali\s+saluti|distinti\s+saluti|saluti|grazie|un\s+saluto|"
    r"best\s+regards|kind\s+regards|regards|thanks|thank\s+you|cheers|"
    r"ystävällisin\s+terveisin|terveisin|kiittäen|kiitos|t\.|"
    r"sig\.(?:ra)?|signor[ae]?|dott\.(?:ssa)?|ing\.|avv\.|mr\.?|mrs\.?|ms\.|"
    r"dr\.|herra|rouva|collega|colleague|kollega|referente|yhteyshenkilö))"
    rf"([\s,:-]+)((?:{_NAME_WORD})(?:\s+{_NAME_WORD}){{0,2}})"
)
# Capitalised words after those that are not names.
NOT_NAMES = {
    "i",
    "il",
    "la",
    "lo",
    "the",
    "a",
    "an",
    "in",
    "un",
    "una",
    "per",
    "and",
    "e",
    "ja",
    "for",
    "from",
    "da",
    "di",
    "to",
    "not",
    "non",
    "ei",
}


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if 13 <= len(digits) <= 19 and len(set(digits)) > 1 and _luhn(digits):
        return _("[card number]")
    return match.group(0)


def _iban(match: re.Match) -> str:
    text = match.group(0).replace(" ", "").upper()
    rearranged = text[4:] + text[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    if int(number) % 97 == 1:
        return _("[IBAN]")
    return match.group(0)


def _hetu(match: re.Match) -> str:
    text = match.group(0).upper()
    number = int(text[:6] + text[7:10])
    if _HETU_CHECKS[number % 31] == text[10]:
        return _("[tax code]")
    return match.group(0)


def _password(match: re.Match) -> str:
    value = match.group(3)
    if ":" not in match.group(2) and "=" not in match.group(2):
        # After "is", "è", "on": a plain lower-case word is more likely to say
        # what is wrong ("the password is expired") than to be the password.
        if value.isalpha() and value.islower():
            return match.group(0)
    # (Outside the f-string: makemessages reads no call inside one.)
    placeholder = _("[password]")
    return f"{match.group(1)}{match.group(2)}{placeholder}{match.group(4)}"


def _introduced_name(match: re.Match) -> str:
    words = match.group(3).split()
    kept: list[str] = []
    for word in words:
        if not word[0].isupper() or word.lower() in NOT_NAMES:
            break
        kept.append(word)
    if not kept:
        return match.group(0)
    rest = match.group(3)[len(" ".join(kept)) :]
    placeholder = _("[name]")
    return f"{match.group(1)}{match.group(2)}{placeholder}{rest}"


def redact_personal_data(text: str) -> str:
    """``text`` without the personal data that needs no list of names:
    e-mail addresses, tax codes, IBANs, card numbers, passwords, phone
    numbers and the names a sentence introduces."""
    if not text:
        return ""
    text = EMAIL_RE.sub(_("[e-mail]"), text)
    text = PASSWORD_RE.sub(_password, text)
    text = TAX_CODE_RE.sub(_("[tax code]"), text)
    text = HETU_RE.sub(_hetu, text)
    tax_code = _("[tax code]")
    text = VAT_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{tax_code}", text)
    text = IBAN_RE.sub(_iban, text)
    text = CARD_RE.sub(_card, text)
    text = PHONE_CANDIDATE_RE.sub(_phone, text)
    return NAME_INTRO_RE.sub(_introduced_name, text)


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
    """``text`` with ``names`` (people, companies) and ``codes`` (customer
    and installation codes) replaced by placeholders, and the personal data
    of ``redact_personal_data``."""
    if not text:
        return ""
    text = EMAIL_RE.sub(_("[e-mail]"), text)
    for code in sorted({c for c in codes if c and len(c) >= 3}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(code)}(?!\w)", _("[code]"), text)
    text = redact_personal_data(text)
    for name in name_variants(names):
        text = re.sub(
            rf"(?<!\w){re.escape(name)}(?!\w)", _("[customer]"), text, flags=re.I
        )
    return text
