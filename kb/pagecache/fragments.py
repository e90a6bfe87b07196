"""Fragments: the personal parts of a cached page, rendered for each reader.

A fragment is a small template plus, optionally, a function that builds its
context from the request and the placeholder's arguments (strings). In a
template, ``{% personal "name" arg=value %}`` (library ``page_cache``) renders
the fragment in place, or, while the page is rendered for the cache, writes a
placeholder comment that ``fill_fragments`` replaces on every answer. Both
paths build the context the same way, so a page looks the same either way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from .store import get_recording

PLACEHOLDER_RE = re.compile(r"<!--kb-pagecache:([a-z0-9-]+)\?([^<>]*)-->")
PLACEHOLDER_MARK = b"<!--kb-pagecache:"


@dataclass(frozen=True)
class Fragment:
    template: str
    context: Callable[..., dict] | None = None


_FRAGMENTS: dict[str, Fragment] = {}


def register_fragment(
    name: str, template: str, context: Callable[..., dict] | None = None
) -> None:
    """Make ``{% personal name %}`` available. ``context(request, **arguments)``
    returns the template's context (the context processors add ``user``,
    ``csrf_token`` and the rest); it must tolerate a request without a user
    or session only if such requests render the page (error pages do not)."""
    if not re.fullmatch(r"[a-z0-9-]+", name):
        raise ValueError(f"fragment names are lower-case words and dashes: {name!r}")
    _FRAGMENTS[name] = Fragment(template, context)


def render_fragment(request: HttpRequest | None, name: str, arguments: dict) -> str:
    """The fragment ``name`` for the reader of ``request``."""
    fragment = _FRAGMENTS[name]
    context = dict(arguments)
    if fragment.context is not None and request is not None:
        context = fragment.context(request, **arguments)
    return render_to_string(fragment.template, context, request=request)


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
