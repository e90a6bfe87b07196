"""Accounts settings, each overridable in Django settings as ``ACCOUNTS_<NAME>``.

``REGISTER_RATE``: (attempts, seconds) per client address for self-registration.
``RESET_RATE``: (attempts, seconds) per client address for password-reset requests.

Read on every access (not once at import), so that a changed setting, e.g. in a
test, takes effect.
"""

from django.conf import settings

DEFAULTS: dict[str, tuple[int, int]] = {
    "REGISTER_RATE": (10, 3600),
    "RESET_RATE": (10, 3600),
}


def __getattr__(name: str) -> tuple[int, int]:
    if name in DEFAULTS:
        return getattr(settings, f"ACCOUNTS_{name}", DEFAULTS[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
