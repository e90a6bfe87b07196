"""Accounts settings, each overridable in Django settings as ``ACCOUNTS_<NAME>``.

``REGISTER_RATE``: (attempts, seconds) per client address for self-registration.
``RESET_RATE``: (attempts, seconds) per client address for password-reset requests.
``RESEND_RATE``: (attempts, seconds) per client address for new verification
links.
``ADDRESS_FAILURE_LIMIT``: failed logins from one client address, whatever the
usernames, before that address is locked out for AXES_COOLOFF_TIME (besides
axes' AXES_FAILURE_LIMIT per username and address; see accounts.lockout).
``JOIN_LINK_MAX_AGE``: seconds the approve / refuse links in a request to join a
company keep working (a week: the company's users may be away for days).

Read on every access (not once at import), so that a changed setting, e.g. in a
test, takes effect.
"""

from django.conf import settings

DEFAULTS: dict[str, tuple[int, int] | int] = {
    "REGISTER_RATE": (10, 3600),
    "RESET_RATE": (10, 3600),
    "RESEND_RATE": (10, 3600),
    "ADDRESS_FAILURE_LIMIT": 20,
    "JOIN_LINK_MAX_AGE": 7 * 24 * 3600,
}


def __getattr__(name: str) -> tuple[int, int] | int:
    if name in DEFAULTS:
        return getattr(settings, f"ACCOUNTS_{name}", DEFAULTS[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
