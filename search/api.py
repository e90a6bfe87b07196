"""The search JSON API (docs/search.md): ``GET /api/search/`` and
``GET /api/search/suggest/``.

Authentication is the portal session, if any: results are those its user may
read (anonymous callers get public documents). A bad parameter answers 400
with ``{"error": message, "parameter": name}``.
"""

from __future__ import annotations

from functools import wraps

from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from core.throttle import client_ip, rate_limit_wait, retry_message

from . import services
from .conf import search_settings
from .documents import SearchHit, SearchQuery
from .forms import SearchForm
from .services import reader_visibilities


def bad_parameter(name: str, message: str) -> JsonResponse:
    return JsonResponse({"error": message, "parameter": name}, status=400)


def json_get(view):
    """GET (and HEAD) only, answered in JSON even when refused."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in {"GET", "HEAD"}:
            response = JsonResponse({"error": _("Only GET is allowed.")}, status=405)
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return wrapped


def throttled(request, scope: str, rate: tuple[int, int]) -> JsonResponse | None:
    """A JSON 429 when the client's address is over ``rate`` in ``scope``
    (``Retry-After`` is added by the middleware), else None."""
    wait = rate_limit_wait(scope, client_ip(request), *rate)
    if not wait:
        return None
    return JsonResponse(
        {"error": retry_message(wait), "retry_after": wait},
        status=429,
    )


def _hit_json(hit: SearchHit) -> dict:
    return {
        "key": hit.key,
        "lang": hit.lang,
        "title": hit.title,
        "url": hit.url,
        "snippet": hit.snippet,
        "product_line": hit.product_line,
        "area": hit.area,
        "doc_type": hit.doc_type,
        "audience": hit.audience,
        "published": hit.published.isoformat() if hit.published else None,
        "score": round(float(hit.score), 4),
    }


def _check_window(query: SearchQuery) -> JsonResponse | None:
    page_size = query.page_size or search_settings.PAGE_SIZE
    if (query.page - 1) * page_size >= search_settings.MAX_RESULT_WINDOW:
        return bad_parameter(
            "page",
            _("Results beyond the first %(count)d cannot be paged to.")
            % {"count": search_settings.MAX_RESULT_WINDOW},
        )
    return None


@json_get
def search_endpoint(request):
    form = SearchForm(request.GET, default_lang=translation.get_language())
    if not form.is_valid():
        return bad_parameter(*form.first_error())
    if not form.has_query:
        return bad_parameter("q", _("Give words to search for, or a filter."))
    query = form.to_query(reader_visibilities(request.user))
    refused = _check_window(query) or throttled(request, "search", search_settings.RATE)
    if refused:
        return refused
    results = services.search_for_reader(query).results
    if query.page > results.num_pages:
        return bad_parameter(
            "page",
            _("There are only %(count)d pages of results.")
            % {"count": results.num_pages},
        )
    return JsonResponse(
        {
            "total": results.total,
            "total_exact": results.total_exact,
            "page": results.page,
            "results": [_hit_json(hit) for hit in results.hits],
            "facets": {
                name: [{"value": value, "count": count} for value, count in values]
                for name, values in results.facets.items()
            },
            "did_you_mean": results.did_you_mean,
            "took_ms": round(results.took_ms, 1),
        }
    )


@json_get
def suggest_endpoint(request):
    form = SearchForm(request.GET, default_lang=translation.get_language())
    if not form.is_valid():
        return bad_parameter(*form.first_error())
    text = form.cleaned_data["q"]
    if not text:
        return bad_parameter("q", _("Type some letters to get suggestions."))
    refused = throttled(request, "search_suggest", search_settings.SUGGEST_RATE)
    if refused:
        return refused
    suggestions = services.suggest(
        text,
        form.cleaned_data["lang"],
        product_line=form.cleaned_data.get("product_line") or None,
        visibility=reader_visibilities(request.user),
    )
    return JsonResponse(
        [{"key": s.key, "title": s.title, "url": s.url} for s in suggestions],
        safe=False,
    )
