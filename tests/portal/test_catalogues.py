"""The it and fi message catalogues are complete, not fuzzy, and compiled."""

import gettext
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ["it", "fi"]


def catalogue(language: str) -> polib.POFile:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"missing catalogue {path}"
    return polib.pofile(str(path))


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_no_untranslated_entries(language):
    missing = [entry.msgid for entry in catalogue(language).untranslated_entries()]
    assert missing == [], f"{language}: untranslated: {missing[:20]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_no_fuzzy_entries(language):
    fuzzy = [entry.msgid for entry in catalogue(language).fuzzy_entries()]
    assert fuzzy == [], f"{language}: fuzzy: {fuzzy[:20]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_source(language):
    """The committed .mo holds every translation of the .po (run `make messages`)."""
    mo_path = LOCALE_DIR / language / "LC_MESSAGES" / "django.mo"
    assert mo_path.exists(), f"{mo_path} is missing: run `make messages`"
    with mo_path.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in catalogue(language).translated_entries():
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            got = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
            want = entry.msgstr_plural[0]
        elif entry.msgctxt:
            got = compiled.pgettext(entry.msgctxt, entry.msgid)
            want = entry.msgstr
        else:
            got = compiled.gettext(entry.msgid)
            want = entry.msgstr
        if got != want:
            stale.append(entry.msgid)
    assert stale == [], f"{language}: .mo out of date for {stale[:20]}"
