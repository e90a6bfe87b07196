"""The middleware that answers from the page cache and fills it."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse

from .fragments import fill_fragments
from .store import (
    GLOBAL,
    depend_on,
    find_entry,
    may_store,
    response_from_entry,
    start_recording,
    store_entry,
)

logger = logging.getLogger(__name__)

HEADER = "X-Page-Cache"


class PageCacheMiddleware:
    """Last in ``MIDDLEWARE``: sessions, language, CSRF, user and messages are
    known, and every outer middleware (security headers, the CSRF cookie,
    ``Vary: Cookie``) treats a cached answer like a fresh one.

    A hit answers ``X-Page-Cache: hit``, an answer just stored ``miss``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        recording = start_recording(request)
        if recording is None:
            return self.get_response(request)
        try:
            entry = find_entry(request, recording)
            if entry is not None:
                response = response_from_entry(entry)
                response[HEADER] = "hit"
                if entry["fragments"]:
                    fill_fragments(request, response)
                return response
            # Read before rendering, like every tag the page depends on.
            depend_on(request, GLOBAL)
            response = self.get_response(request)
            if may_store(request, recording, response):
                store_entry(request, recording, response)
                response[HEADER] = "miss"
            if recording.fragments:
                fill_fragments(request, response)
            return response
        finally:
            # Templates rendered after this point (by outer middleware) render
            # their fragments in place.
            recording.active = False
