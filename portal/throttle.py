"""A small fixed-window rate limiter on Django's cache, for actions that are not
logins (django-axes handles those): registration, case creation, API calls."""

from django.core.cache import cache


def hit_rate_limit(scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt for ``key`` in ``scope``; return True when it is over
    ``limit`` attempts within the current window (the caller should refuse)."""
    cache_key = f"throttle:{scope}:{key}"
    # add() is atomic: only the first attempt of a window creates the counter.
    if cache.add(cache_key, 1, timeout=window_seconds):
        return limit < 1
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, timeout=window_seconds)
        count = 1
    return count > limit


def client_ip(request) -> str:
    """The client's address as Django sees it (REMOTE_ADDR; a proxy in front of
    production must set it, e.g. through the WSGI server's forwarded-allow-ips)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"
