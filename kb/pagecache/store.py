"""Keys, generations and entries of the page cache (see the package's
docstring for the design)."""

from __future__ import annotations

import functools
import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.translation import get_language

# Reader classes: who shares a cached page. A class must decide everything a
# page shows its reader: which visibilities (kb.permissions) and which entry
# points of the navigation (portal.entry_points).
ANONYMOUS = "anonymous"
CUSTOMER = "customer"
PARTNER = "partner"
MEMBER = "member"  # logged in, neither customer nor partner nor editor

# Tags an entry may depend on.
GLOBAL = "global"
LISTINGS = "listings"
FEEDBACK = "feedback"

ENTRY_PREFIX = "kb-pagecache:page:"
GENERATION_PREFIX = "kb-pagecache:gen:"
REQUEST_ATTRIBUTE = "kb_page_cache"
#: Set on a view (``cacheable_view``) whose answers may be cached.
VIEW_ATTRIBUTE = "kb_page_cacheable"

#: Headers of a rendered answer that are not kept: the outer middleware sets
#: them again on every answer.
SKIPPED_HEADERS = frozenset({"content-length", "set-cookie", "vary", "x-page-cache"})
PRIVATE_DIRECTIVES = ("private", "no-store", "no-cache")


def enabled() -> bool:
    return bool(getattr(settings, "KB_PAGE_CACHE", True))


def get_cache() -> BaseCache:
    return caches[getattr(settings, "KB_PAGE_CACHE_ALIAS", "default")]


def entry_timeout() -> int:
    return int(getattr(settings, "KB_PAGE_CACHE_TIMEOUT", 3600))


def local_budget() -> int:
    """Bytes of entries each process keeps in its own memory."""
    return int(getattr(settings, "KB_PAGE_CACHE_LOCAL_BYTES", 8 * 1024 * 1024))


# Each process's own copies of the entries ------------------------------------
#
# An entry never changes under its key but is replaced whole, and whether it
# may be served is decided by the generations it recorded, compared with the
# current ones (below): a copy kept in the process is as good as the shared
# one, and saves a read of the shared cache (a database cache's read costs
# about a quarter of a hit). Least recently used copies go first once
# their contents exceed ``KB_PAGE_CACHE_LOCAL_BYTES``.

_local_lock = threading.Lock()
_local: OrderedDict[str, tuple[float, dict, int]] = OrderedDict()
_local_size = 0


def _local_get(key: str) -> dict | None:
    with _local_lock:
        found = _local.get(key)
        if found is None:
            return None
        if found[0] <= time.monotonic():
            _local_drop(key)
            return None
        _local.move_to_end(key)
        return found[1]


def _local_put(key: str, entry: dict, timeout: float) -> None:
    global _local_size
    size = len(entry.get("content", b"")) + 256
    budget = local_budget()
    if size > budget:
        return
    with _local_lock:
        _local_drop(key)
        _local[key] = (time.monotonic() + timeout, entry, size)
        _local_size += size
        while _local_size > budget:
            _local_drop(next(iter(_local)))


def _local_drop(key: str) -> None:
    global _local_size
    found = _local.pop(key, None)
    if found is not None:
        _local_size -= found[2]


def forget_local_entries() -> None:
    """Drop this process's copies (tests; the shared entries stay)."""
    global _local_size
    with _local_lock:
        _local.clear()
        _local_size = 0


def _read(key: str, *, local: bool = True) -> dict | None:
    """The entry (or variant marker) under ``key``: this process's copy
    (unless ``local`` is false), else the shared cache's, copied for what is
    left of its life."""
    entry = _local_get(key) if local else None
    if entry is None:
        entry = get_cache().get(key)
        if entry is not None:
            stored_at = entry.get("stored_at", time.time())
            left = stored_at + entry_timeout() - time.time()
            if left > 0:
                _local_put(key, entry, left)
    return entry


def _write(key: str, entry: dict, timeout: int) -> None:
    entry = {**entry, "stored_at": time.time()}
    get_cache().set(key, entry, timeout)
    _local_put(key, entry, timeout)


def translation_tag(translation_key) -> str:
    """The tag of an article or news item and all its translations."""
    return f"tr:{translation_key}"


# Generations ----------------------------------------------------------------


def _fresh_token() -> str:
    return secrets.token_hex(8)


def generation_seconds() -> float:
    """How long a process trusts the generations it has read (seconds)."""
    return float(getattr(settings, "KB_PAGE_CACHE_GENERATION_SECONDS", 1.0))


# Each process's memory of the generations it read or wrote: tag -> (token,
# time.monotonic() of the read). A hit would otherwise read the shared cache
# once for its generations (a quarter of a hit's time with the database cache,
# a round trip to Redis); remembered for ``KB_PAGE_CACHE_GENERATION_SECONDS``,
# a change this process makes shows on its next request and a change another
# process makes within that time. 0 reads them on every request.
_memo_lock = threading.Lock()
_memo: dict[str, tuple[str, float]] = {}
_MEMO_PRUNE = 8192


def _remember(tokens: dict[str, str], read_at: float) -> None:
    with _memo_lock:
        if len(_memo) > _MEMO_PRUNE:
            oldest = read_at - generation_seconds()
            for tag in [tag for tag, (_t, at) in _memo.items() if at < oldest]:
                del _memo[tag]
        for tag, token in tokens.items():
            remembered = _memo.get(tag)
            # A read that started before this process wrote a newer token
            # must not bring the older one back.
            if remembered is None or remembered[1] <= read_at:
                _memo[tag] = (token, read_at)


def _generations(tags: Iterable[str], *, create: bool) -> dict[str, str]:
    """The generation of each of ``tags``: remembered when read less than
    ``generation_seconds()`` ago, else read from the shared cache (and, with
    ``create``, made when missing; otherwise left out)."""
    seconds = generation_seconds()
    started = time.monotonic()
    found: dict[str, str] = {}
    wanted = list(dict.fromkeys(tags))
    if seconds > 0:
        with _memo_lock:
            for tag in wanted:
                remembered = _memo.get(tag)
                if remembered is not None and started - remembered[1] < seconds:
                    found[tag] = remembered[0]
        wanted = [tag for tag in wanted if tag not in found]
    if not wanted:
        return found
    cache = get_cache()
    keys = {GENERATION_PREFIX + tag: tag for tag in wanted}
    read = {keys[key]: value for key, value in cache.get_many(list(keys)).items()}
    if create:
        for key, tag in keys.items():
            if tag not in read:
                token = _fresh_token()
                if not cache.add(key, token, timeout=None):
                    token = cache.get(key, token)  # another process made it first
                read[tag] = token
    if seconds > 0:
        _remember(read, started)
    found.update(read)
    return found


def bump_generations(tags: Iterable[str]) -> None:
    """Give ``tags`` fresh generations: every entry that depends on one of them
    is stale from now on. Generation keys do not expire; an evicted one only
    makes its entries stale."""
    tags = set(tags)
    if tags:
        tokens = {tag: _fresh_token() for tag in tags}
        get_cache().set_many(
            {GENERATION_PREFIX + tag: token for tag, token in tokens.items()},
            timeout=None,
        )
        _remember(tokens, time.monotonic())


def current_generations(tags: Iterable[str]) -> dict[str, str]:
    """The generation of each tag, created when missing."""
    return _generations(tags, create=True)


def forget_generations() -> None:
    """Forget the generations this process remembers (tests; after the
    shared cache was emptied)."""
    with _memo_lock:
        _memo.clear()


# Readers --------------------------------------------------------------------


def reader_class(user) -> str | None:
    """The class of readers who see the same pages as ``user``, or None when
    ``user`` is staff or an editor (never cached)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    if not user.is_active or user.is_staff or user.is_superuser:
        return None
    # Editors and reviewers see internal notes and may preview: keep them out.
    if user.has_perm("wagtailadmin.access_admin"):
        return None
    if getattr(user, "is_partner", False):
        return PARTNER
    if getattr(user, "is_customer", False):
        return CUSTOMER
    return MEMBER


_VARIANTS: dict[str, Callable[[HttpRequest], str]] = {}


def register_variant(name: str, function: Callable[[HttpRequest], str]) -> None:
    """Let pages vary by ``name``: ``function(request)`` returns a short string
    shared by many readers (never one user's identity)."""
    _VARIANTS[name] = function


# Recording: the state of one request -----------------------------------------


@dataclass
class Recording:
    """What the middleware learns while a cacheable request is answered."""

    key: str
    active: bool = True
    cacheable: bool = False
    params: frozenset[str] = frozenset()
    vary: tuple[str, ...] = ()
    generations: dict[str, str] = field(default_factory=dict)
    fragments: bool = False


def get_recording(request) -> Recording | None:
    recording = getattr(request, REQUEST_ATTRIBUTE, None)
    return recording if recording is not None and recording.active else None


def is_recording(request) -> bool:
    """Is ``request`` being answered for the cache (fragments deferred)?"""
    return get_recording(request) is not None


def depend_on(request, *tags: str) -> None:
    """The answer being rendered depends on ``tags``. Their generations are
    read now, before the data they stand for, so that a change made during
    the rendering leaves the entry stale rather than wrong."""
    recording = get_recording(request)
    if recording is None:
        return
    missing = [tag for tag in tags if tag not in recording.generations]
    if missing:
        recording.generations.update(current_generations(missing))


def mark_cacheable(
    request,
    *,
    tags: Iterable[str] = (),
    params: Iterable[str] = (),
    vary: Iterable[str] = (),
) -> None:
    """Called by a page or view whose answer readers of one class share.
    ``params``: the query parameters it reads (a request with any other is
    answered but not stored); ``vary``: registered variants it depends on."""
    recording = get_recording(request)
    if recording is None:
        return
    recording.cacheable = True
    recording.params = frozenset(params)
    recording.vary = tuple(vary)
    depend_on(request, *tags)


def cacheable_view(*, tags: Iterable[str] = (), params: Iterable[str] = ()):
    """Decorator of a view (or any callable view, such as a ``Feed``) whose
    answers may be cached, depending on ``tags``."""
    tags, params = tuple(tags), tuple(params)

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            mark_cacheable(request, tags=tags, params=params)
            return view(request, *args, **kwargs)

        setattr(wrapper, VIEW_ATTRIBUTE, True)
        return wrapper

    return decorator


@functools.lru_cache(maxsize=4096)
def _is_cacheable_path(path_info: str, urlconf: str | None) -> bool:
    """Does ``path_info`` reach a view whose answers may be cached? The URL
    configuration does not change while a process runs: asked once per path."""
    try:
        match = resolve(path_info, urlconf)
    except Resolver404:
        return False
    from wagtail.views import serve as wagtail_serve  # needs the app registry

    return match.func is wagtail_serve or getattr(match.func, VIEW_ATTRIBUTE, False)


def _forget_paths(*, setting: str = "", **_kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _is_cacheable_path.cache_clear()


setting_changed.connect(_forget_paths)


def _serves_cacheable_view(request) -> bool:
    return _is_cacheable_path(request.path_info, getattr(request, "urlconf", None))


def _has_messages(request) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def start_recording(request) -> Recording | None:
    """A recording for ``request`` when the cache may answer it, else None."""
    if not enabled() or request.method not in ("GET", "HEAD"):
        return None
    if getattr(request, "is_preview", False) or not _serves_cacheable_view(request):
        return None
    if _has_messages(request):
        return None
    audience = reader_class(getattr(request, "user", None))
    if audience is None:
        return None
    query = urlencode(sorted(parse_qsl(request.META.get("QUERY_STRING", ""), True)))
    raw = "|".join(
        (
            request.scheme,
            request.get_host(),
            get_language() or "",
            audience,
            request.path,
            query,
        )
    )
    key = ENTRY_PREFIX + hashlib.sha256(raw.encode()).hexdigest()
    recording = Recording(key=key)
    setattr(request, REQUEST_ATTRIBUTE, recording)
    return recording


# Entries ----------------------------------------------------------------------


def _variant_key(key: str, names: Iterable[str], request) -> str | None:
    values = []
    for name in names:
        function = _VARIANTS.get(name)
        if function is None:
            return None
        values.append(f"{name}={function(request)}")
    suffix = hashlib.sha256("&".join(values).encode()).hexdigest()[:32]
    return f"{key}:{suffix}"


def _lookup(request, key: str, *, local: bool) -> dict | None:
    entry = _read(key, local=local)
    if entry is not None and "vary" in entry:
        variant_key = _variant_key(key, entry["vary"], request)
        entry = _read(variant_key, local=local) if variant_key else None
    return entry


def _is_current(entry: dict) -> bool:
    recorded = entry["generations"]
    current = _generations(recorded, create=False)
    return all(current.get(tag) == token for tag, token in recorded.items())


def find_entry(request, recording: Recording) -> dict | None:
    """The entry stored for this request, if every generation it recorded is
    still current. This process's copy is tried first; when it is stale, the
    shared entry (another process may have stored a fresher one)."""
    entry = _lookup(request, recording.key, local=True)
    if entry is None or _is_current(entry):
        return entry
    entry = _lookup(request, recording.key, local=False)
    return entry if entry is not None and _is_current(entry) else None


def may_store(request, recording: Recording, response: HttpResponse) -> bool:
    if not recording.cacheable or response.status_code != 200:
        return False
    if response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(directive in cache_control for directive in PRIVATE_DIRECTIVES):
        return False
    if not set(request.GET) <= recording.params:
        return False
    # The safety net of the fragments: a token baked into a page would be
    # served to everybody of its class.
    return b"csrfmiddlewaretoken" not in response.content


def store_entry(request, recording: Recording, response: HttpResponse) -> None:
    entry = {
        "status": response.status_code,
        "content": response.content,
        "headers": [
            (name, value)
            for name, value in response.items()
            if name.lower() not in SKIPPED_HEADERS
        ],
        "generations": recording.generations,
        "fragments": recording.fragments,
    }
    key, timeout = recording.key, entry_timeout()
    if recording.vary:
        variant_key = _variant_key(key, recording.vary, request)
        if variant_key is None:
            return
        _write(key, {"vary": list(recording.vary)}, timeout)
        key = variant_key
    _write(key, entry, timeout)


def response_from_entry(entry: dict) -> HttpResponse:
    response = HttpResponse(entry["content"], status=entry["status"])
    for name, value in entry["headers"]:
        response[name] = value
    return response
