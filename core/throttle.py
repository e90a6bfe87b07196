"""A small fixed-window rate limiter, for actions that are not logins
(django-axes handles those): registration, case creation, searches, API calls.

A window starts with its first attempt and lasts ``window_seconds``, whatever
happens during it. Counting is atomic wherever the counter lives, so that
concurrent requests cannot slip past the limit:

- Redis (``RedisCache``, production with ``CACHE_URL``): one Lua script
  increments the key and gives it its expiry only when it has none, so later
  attempts never move the window's end.
- Local memory (``LocMemCache``, dev and tests): the cache's own add() and
  incr(), atomic under its lock within one process (and one process is all it
  serves).
- Any other cache (``DatabaseCache``, production's default): a row of
  ``core.RateCounter``, counted by one ``INSERT ... ON CONFLICT DO UPDATE``
  statement on SQLite and PostgreSQL. ``DatabaseCache.incr`` itself is a read
  then a write and would give every window the cache's default timeout.

A refusal also tells the client when to come back: ``RetryAfterMiddleware``
(portal.middleware) puts the seconds until the window resets in the 429
response's ``Retry-After`` header, whichever view refused."""

import hashlib
import math
import time
from contextvars import ContextVar

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils.translation import ngettext

# Per request, set by RetryAfterMiddleware: {"seconds": int} once a limit refused.
# A dict mutated in place rather than a value set, so that a view run in a copied
# context (sync_to_async) still reports to the middleware.
_refusal: ContextVar[dict | None] = ContextVar("throttle_refusal", default=None)

# Keys longer than the counter's column are hashed (long IPv6 scopes, e-mails).
_MAX_KEY_LENGTH = 200


def hit_rate_limit(scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt for ``key`` in ``scope``; return True when it is over
    ``limit`` attempts within the current window (the caller should refuse)."""
    return rate_limit_wait(scope, key, limit, window_seconds) > 0


def rate_limit_wait(scope: str, key: str, limit: int, window_seconds: int) -> int:
    """Count one attempt like ``hit_rate_limit``; return 0 when it is within the
    limit, else the seconds until the window resets (at least 1), for a page
    that tells the user when to try again."""
    counter_key = f"throttle:{scope}:{key}"
    if len(counter_key) > _MAX_KEY_LENGTH:
        digest = hashlib.sha256(counter_key.encode()).hexdigest()
        counter_key = f"throttle:{scope[:100]}:#{digest}"
    count, resets_in = _count(counter_key, window_seconds)
    if count <= limit:
        return 0
    # A thread that read the clock before the window opened sees a bit more.
    seconds = max(1, min(window_seconds, math.ceil(resets_in)))
    _note_refusal(seconds)
    return seconds


def retry_message(seconds: int) -> str:
    """'Try again in …', translated, for a form refused by a rate limit."""
    if seconds < 90:
        return ngettext(
            "Too many attempts: try again in %(count)d second.",
            "Too many attempts: try again in %(count)d seconds.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many attempts: try again in %(count)d minute.",
        "Too many attempts: try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


def check_rate_limit_cache(app_configs=None, **kwargs) -> list:
    """Deploy check (``manage.py check --deploy``): a per-process cache would
    give every worker process its own counters, multiplying each limit."""
    from django.conf import settings
    from django.core import checks

    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    }:
        return [
            checks.Error(
                f"The default cache ({backend}) cannot count rate limits across "
                "processes.",
                hint="Use Redis (CACHE_URL) or the database cache.",
                id="core.E001",
            )
        ]
    return []


def _count(key: str, window_seconds: int) -> tuple[int, float]:
    """Add one attempt to ``key``; return the count in the current window and
    the seconds until the window ends."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return _count_in_redis(cache, key, window_seconds)
    if isinstance(cache, LocMemCache):
        return _count_in_local_memory(cache, key, window_seconds)
    return _count_in_database(key, window_seconds)


# INCR creates a missing key at 1; the expiry is set only when the key has none,
# i.e. when this attempt opened the window. Returns the count and the
# milliseconds left.
_REDIS_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
    left = tonumber(ARGV[1])
    redis.call('PEXPIRE', KEYS[1], left)
end
return {count, left}
"""


def _count_in_redis(
    cache: RedisCache, key: str, window_seconds: int
) -> tuple[int, float]:
    full_key = cache.make_and_validate_key(key)
    # RedisCache exposes no atomic "increment or create with expiry": use its
    # client (the same connection pool) to run one script on the server.
    client = cache._cache.get_client(full_key, write=True)
    count, left_ms = client.eval(
        _REDIS_SCRIPT, 1, full_key, max(1, int(window_seconds * 1000))
    )
    return int(count), int(left_ms) / 1000


def _count_in_local_memory(
    cache: LocMemCache, key: str, window_seconds: int
) -> tuple[int, float]:
    # When the window ends, for Retry-After: the cache cannot tell a key's expiry.
    reset_key = f"{key}:reset"
    now = time.time()
    # add() is atomic: only the first attempt of a window creates the counter.
    if cache.add(key, 1, timeout=window_seconds):
        cache.set(reset_key, now + window_seconds, timeout=window_seconds)
        return 1, window_seconds
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window_seconds)
        cache.set(reset_key, now + window_seconds, timeout=window_seconds)
        return 1, window_seconds
    resets_at = cache.get(reset_key) or now + window_seconds
    return count, resets_at - now


def _count_in_database(key: str, window_seconds: int) -> tuple[int, float]:
    from .models import RateCounter

    if connection.vendor not in {"sqlite", "postgresql"}:
        raise ImproperlyConfigured(
            "Rate limits count in the database only on SQLite and PostgreSQL: "
            "set CACHE_URL to a Redis server."
        )
    now = time.time()
    quote = connection.ops.quote_name
    table = quote(RateCounter._meta.db_table)
    key_col, count_col, resets_col = (
        quote(RateCounter._meta.get_field(name).column)
        for name in ("key", "count", "resets_at")
    )
    expired = f"{table}.{resets_col} <= %s"
    # One statement: a new key starts a window; an expired one starts the next;
    # a current one is incremented and keeps its end. Both databases take the
    # row's lock for the update, so concurrent attempts are counted one by one.
    sql = (
        f"INSERT INTO {table} ({key_col}, {count_col}, {resets_col}) "  # noqa: S608 - names quoted, values bound
        f"VALUES (%s, 1, %s) "
        f"ON CONFLICT ({key_col}) DO UPDATE SET "
        f"{count_col} = CASE WHEN {expired} THEN 1 "
        f"ELSE {table}.{count_col} + 1 END, "
        f"{resets_col} = CASE WHEN {expired} THEN excluded.{resets_col} "
        f"ELSE {table}.{resets_col} END "
        f"RETURNING {count_col}, {resets_col}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, now + window_seconds, now, now])
        count, resets_at = cursor.fetchone()
        if count == 1:
            # A window opened: forget the ones that ended, so that the table
            # holds about one row per key active in its window.
            cursor.execute(
                f"DELETE FROM {table} WHERE {resets_col} < %s",  # noqa: S608
                [now],
            )
    return count, resets_at - now


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


def refusal_seconds() -> int | None:
    """The seconds until the limits that refused the current request let it
    through again; None when no limit refused it (or outside a request)."""
    refusal = _refusal.get()
    return refusal.get("seconds") if refusal else None


def client_ip(request) -> str:
    """The client's address as Django sees it (REMOTE_ADDR; a proxy in front of
    production must set it, e.g. through the WSGI server's forwarded-allow-ips)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class ThrottledFormMixin:
    """For a ``FormView``: every POST counts against ``throttle_scope`` (per
    client address unless ``throttle_key`` says otherwise, ``throttle_rate()``
    attempts per window). Once over the limit the form comes back as typed
    (passwords excepted, as Django's widgets never show them) with when to
    retry, answered 429, and nothing of it is checked or done: a refused
    attempt must not tell a guesser whether the codes it tried were right."""

    throttle_scope: str

    def throttle_rate(self) -> tuple[int, int]:
        raise NotImplementedError

    def throttle_key(self) -> str:
        return client_ip(self.request)

    def post(self, request, *args, **kwargs):
        wait = rate_limit_wait(
            self.throttle_scope, self.throttle_key(), *self.throttle_rate()
        )
        if not wait:
            return super().post(request, *args, **kwargs)
        form = refused_form(self.get_form(), wait)
        return self.render_to_response(self.get_context_data(form=form), status=429)


def refused_form(form, wait: int):
    """``form`` (bound to what was typed) refused by a rate limit for ``wait``
    seconds: its only error says when to retry. Nothing is validated (errors
    set by hand: ``Form.errors`` would check what was typed)."""
    from django.forms.utils import ErrorDict

    form._errors = ErrorDict()
    form.cleaned_data = {}
    form.add_error(None, retry_message(wait))
    return form
