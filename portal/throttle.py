"""A small fixed-window rate limiter on Django's cache, for actions that are not
logins (django-axes handles those): registration, case creation, API calls.

A refusal also tells the client when to come back: ``RetryAfterMiddleware``
(portal.middleware) puts the seconds until the window resets in the 429
response's ``Retry-After`` header, whichever view refused."""

import math
import time
from contextvars import ContextVar

from django.core.cache import cache

# Per request, set by RetryAfterMiddleware: {"seconds": int} once a limit refused.
# A dict mutated in place rather than a value set, so that a view run in a copied
# context (sync_to_async) still reports to the middleware.
_refusal: ContextVar[dict | None] = ContextVar("throttle_refusal", default=None)


def hit_rate_limit(scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt for ``key`` in ``scope``; return True when it is over
    ``limit`` attempts within the current window (the caller should refuse)."""
    cache_key = f"throttle:{scope}:{key}"
    # When the window ends, for Retry-After: the cache cannot tell a key's expiry.
    reset_key = f"{cache_key}:reset"
    now = time.time()
    # add() is atomic: only the first attempt of a window creates the counter.
    if cache.add(cache_key, 1, timeout=window_seconds):
        cache.set(reset_key, now + window_seconds, timeout=window_seconds)
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add() and incr()
            cache.add(cache_key, 1, timeout=window_seconds)
            cache.set(reset_key, now + window_seconds, timeout=window_seconds)
            count = 1
    over = count > limit
    if over:
        resets_at = cache.get(reset_key) or now + window_seconds
        _note_refusal(max(1, math.ceil(resets_at - now)))
    return over


def _note_refusal(seconds: int) -> None:
    refusal = _refusal.get()
    if refusal is not None:
        # Two limits refused one request (e.g. per user and per address): the
        # client may come back only when both have reset.
        refusal["seconds"] = max(refusal.get("seconds", 0), seconds)


def start_request() -> dict:
    """Begin collecting refusals for one request; returns what the limits note."""
    refusal: dict = {}
    _refusal.set(refusal)
    return refusal


def client_ip(request) -> str:
    """The client's address as Django sees it (REMOTE_ADDR; a proxy in front of
    production must set it, e.g. through the WSGI server's forwarded-allow-ips)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"
