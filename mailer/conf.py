"""Mailer settings, each overridable in Django settings as ``MAILER_<NAME>``.

``RETRY_BASE_MINUTES``: the wait after the first failed attempt; each further
failure doubles it (1, 2, 4, 8 … minutes).
``RETRY_MAX_MINUTES``: the longest wait between two attempts (the backoff cap).
``MAX_ATTEMPTS``: after this many failed attempts a message is marked *failed*
and no longer retried automatically; it is kept, and
``send_queued_mail --retry-failed`` puts it back in the queue.
``CLAIM_MINUTES``: how long a worker owns a message it is sending; a worker that
died mid-send leaves it claimed, and after this time another one may retry it.

Read on every access (not once at import), so that a changed setting, e.g. in a
test, takes effect.
"""

from django.conf import settings

DEFAULTS: dict[str, int] = {
    "RETRY_BASE_MINUTES": 1,
    "RETRY_MAX_MINUTES": 60,
    "MAX_ATTEMPTS": 48,
    "CLAIM_MINUTES": 10,
}


def __getattr__(name: str) -> int:
    if name in DEFAULTS:
        return getattr(settings, f"MAILER_{name}", DEFAULTS[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
