"""Remote assistance settings, each overridable in Django settings as
``REMOTE_<NAME>``.

Session codes
    ``CODE_VALID_MINUTES``: how long a session code may be used after it was
    issued (30). The customer can ask for a new one, which invalidates the old.
    ``CODE_RATE``: code attempts per partner user, as (attempts, seconds)
    (10 per 10 minutes). Every attempt counts, right or wrong.
    ``CODE_IP_RATE``: code attempts per client address (30 per 10 minutes).

Authorisations
    ``AUTHORISE_RATE``: authorisations per client address (10 per hour): the
    form is public and mails a copy to the address typed in it.
    ``SUPPORT_EMAIL``: where the notice of an authorisation goes when no partner
    is responsible for it (anonymous visitors, customers without a reference
    partner). Default: ``DEFAULT_FROM_EMAIL``.
    ``PARTNER_LANGUAGE``: language of the notice to partners and support ("it").
    ``PDF_COMPRESS``: compress the PDF copy's page content (True; tests turn it
    off to read the text).

Pages
    ``POLL_SECONDS``: how often the session pages ask for news (2).
    ``SUGGESTED_ARTICLES``: how many articles the authorisation page offers
    before the form (3).

Read on every access (not once at import), so that a changed setting, e.g. in a
test, takes effect.
"""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "CODE_VALID_MINUTES": 30,
    "CODE_RATE": (10, 600),
    "CODE_IP_RATE": (30, 600),
    "AUTHORISE_RATE": (10, 3600),
    "SUPPORT_EMAIL": None,
    "PARTNER_LANGUAGE": "it",
    "PDF_COMPRESS": True,
    "POLL_SECONDS": 2,
    "SUGGESTED_ARTICLES": 3,
}


def __getattr__(name: str) -> Any:
    if name == "SUPPORT_EMAIL":
        return getattr(settings, "REMOTE_SUPPORT_EMAIL", None) or (
            settings.DEFAULT_FROM_EMAIL
        )
    if name in DEFAULTS:
        return getattr(settings, f"REMOTE_{name}", DEFAULTS[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
