"""Fragments: the personal parts of a cached page, rendered for each reader.

A fragment is a small template plus, optionally, a function that builds its
context from the request and the placeholder's arguments (strings). In a
template, ``{% personal "name" arg=value %}`` (library ``page_cache``) renders
the fragment in place, or, while the page is rendered for the cache, writes a
placeholder comment that ``fill_fragments`` replaces on every answer. Both
paths build the context the same way, so a page looks the same either way.

A fragment that looks the same for many readers (the header's links of every
anonymous reader; "Was this helpful?" for every session that has not answered)
says so with a *shape*: ``shape(request, **arguments)`` returns what tells
its renderings apart, or None when it must be rendered for this reader alone.
Each process keeps the rendering of every shape, language and arguments it
has met (``SHARED_LIMIT`` of them), with the CSRF token left out, and puts the
reader's own token in on every answer: rendering a form with Django's widgets
costs milliseconds, the substitution microseconds.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .store import get_recording

PLACEHOLDER_RE = re.compile(r"<!--kb-pagecache:([a-z0-9-]+)\?([^<>]*)-->")
PLACEHOLDER_MARK = b"<!--kb-pagecache:"


@dataclass(frozen=True)
class Fragment:
    template: str
    context: Callable[..., dict] | None = None
    shape: Callable[..., Hashable | None] | None = None


_FRAGMENTS: dict[str, Fragment] = {}

#: How many shared renderings a process keeps (least recently used dropped).
SHARED_LIMIT = 2048
_shared: OrderedDict[tuple, str] = OrderedDict()
_shared_lock = threading.Lock()
#: Where a shared rendering had its CSRF token.
_TOKEN_MARK = "\x00kb-pagecache-csrf\x00"  # noqa: S105 - a placeholder
_TOKEN_RE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


def register_fragment(
    name: str,
    template: str,
    context: Callable[..., dict] | None = None,
    shape: Callable[..., Hashable | None] | None = None,
) -> None:
    """Make ``{% personal name %}`` available. ``context(request, **arguments)``
    returns the template's context (the context processors add ``user``,
    ``csrf_token`` and the rest); it must tolerate a request without a user
    or session only if such requests render the page (error pages do not).
    ``shape(request, **arguments)``, when given, returns a value that, with
    the language and the arguments, decides everything the fragment shows
    but its CSRF token (readers with equal shapes see the same fragment), or
    None to render it for this reader alone."""
    if not re.fullmatch(r"[a-z0-9-]+", name):
        raise ValueError(f"fragment names are lower-case words and dashes: {name!r}")
    _FRAGMENTS[name] = Fragment(template, context, shape)


def _render(request: HttpRequest | None, fragment: Fragment, arguments: dict) -> str:
    context = dict(arguments)
    if fragment.context is not None and request is not None:
        context = fragment.context(request, **arguments)
    return render_to_string(fragment.template, context, request=request)


def render_fragment(request: HttpRequest | None, name: str, arguments: dict) -> str:
    """The fragment ``name`` for the reader of ``request``."""
    fragment = _FRAGMENTS[name]
    if fragment.shape is None or request is None:
        return _render(request, fragment, arguments)
    shape = fragment.shape(request, **arguments)
    if shape is None:
        return _render(request, fragment, arguments)
    key = (name, tuple(sorted(arguments.items())), get_language(), shape)
    with _shared_lock:
        text = _shared.get(key)
        if text is not None:
            _shared.move_to_end(key)
    if text is None:
        text = _TOKEN_RE.sub(
            lambda match: match.group(1) + _TOKEN_MARK + match.group(2),
            _render(request, fragment, arguments),
        )
        with _shared_lock:
            _shared[key] = text
            while len(_shared) > SHARED_LIMIT:
                _shared.popitem(last=False)
    if _TOKEN_MARK in text:
        # get_token also makes the CSRF middleware send the cookie it needs.
        text = text.replace(_TOKEN_MARK, get_token(request))
    return text


def clear_shared_fragments(**_kwargs) -> None:
    """Forget the shared renderings (templates or translations changed)."""
    with _shared_lock:
        _shared.clear()


setting_changed.connect(clear_shared_fragments)


def personal(request: HttpRequest | None, name: str, arguments: dict) -> SafeString:
    """What ``{% personal %}`` writes: the fragment, or its placeholder."""
    if name not in _FRAGMENTS:
        raise KeyError(f"no page-cache fragment named {name!r}")
    # Placeholders carry text: the in-place rendering sees the same strings.
    arguments = {key: str(value) for key, value in arguments.items()}
    recording = get_recording(request) if request is not None else None
    if recording is None:
        return mark_safe(render_fragment(request, name, arguments))  # noqa: S308
    recording.fragments = True
    return mark_safe(f"<!--kb-pagecache:{name}?{urlencode(arguments)}-->")  # noqa: S308


def fill_fragments(request: HttpRequest, response: HttpResponse) -> None:
    """Replace the placeholders of ``response`` with the fragments rendered
    for ``request``."""
    if response.streaming or PLACEHOLDER_MARK not in response.content:
        return
    charset = response.charset or "utf-8"
    text = response.content.decode(charset)

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in _FRAGMENTS:
            return ""
        return render_fragment(request, name, dict(parse_qsl(match.group(2))))

    response.content = PLACEHOLDER_RE.sub(replace, text).encode(charset)
