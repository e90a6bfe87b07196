"""The deflection JSON API (mounted at /api/deflection/, no language prefix):

- ``GET suggest/?q=&product_line=&lang=`` → the first step's suggestions for
  ``q`` (as-you-type): ``{"articles": [{"key", "lang", "title", "url",
  "open_url", "summary", "snippet", "matched_codes"}], "news": [{"title",
  "url", "date"}], "search_url", "codes"}``. Visibility follows the session's
  user (anonymous visitors: public articles).
- ``POST log/`` (multipart ``error_log``, optional ``product_line`` and
  ``lang`` (the page's language; else the request's); session
  login and CSRF token) → ``{"codes", "entries": [{"code", "message",
  "count"}], "articles": […]}``: the articles that list the codes the log
  reports. The file is read, not kept.

Bad parameters answer 400 with ``{"error", "parameter"}``.
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.permissions import can_open_cases
from cases.uploads import streamed_uploads
from core.throttle import client_ip, rate_limit_wait, retry_message
from search.documents import LANGUAGES
from taxonomy.models import ProductLine

from . import conf
from .forms import LogUploadForm
from .services import (
    build_suggestions,
    load_flow,
    remember_suggestions,
    save_flow,
    suggest_for_log,
    suggestion_language,
)
from .views import open_url


def _error(message: str, parameter: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message, "parameter": parameter}, status=status)


def _throttled(request) -> JsonResponse | None:
    """A JSON 429 when the user (anonymous: the address) or the address is over
    its limit, else None. Both are counted, so that both windows hold."""
    address = client_ip(request)
    if request.user.is_authenticated:
        waits = [
            rate_limit_wait("deflection_api", f"user:{request.user.pk}", *conf.RATE),
            rate_limit_wait("deflection_api_address", address, *conf.ADDRESS_RATE),
        ]
    else:
        waits = [rate_limit_wait("deflection_api", address, *conf.RATE)]
    wait = max(waits)
    if not wait:
        return None
    return JsonResponse(
        {"error": retry_message(wait), "parameter": "", "retry_after": wait},
        status=429,
    )


def _article_json(article, tracked: bool) -> dict:
    data = article.as_dict()
    data["open_url"] = open_url(article) if tracked else article.url
    return data


@require_GET
def suggest(request):
    refused = _throttled(request)
    if refused:
        return refused
    text = request.GET.get("q", "")
    if len(text) > 2000:
        return _error(_("The text is too long (2,000 characters at most)."), "q")
    lang = request.GET.get("lang") or suggestion_language(request.LANGUAGE_CODE)
    if lang not in LANGUAGES:
        return _error(_("Unknown language."), "lang")
    line = request.GET.get("product_line", "")
    if line and not ProductLine.objects.filter(code=line).exists():
        return _error(_("Unknown product line."), "product_line")
    # A customer at the first step: note what they were shown, so that their
    # case records it and the links count as "opened from a suggestion".
    tracked = can_open_cases(request.user)
    flow = load_flow(request.session) if tracked else None
    suggestions = build_suggestions(
        text,
        lang=lang,
        user=request.user,
        product_line=line,
        codes=flow.codes if flow else (),
    )
    if flow is not None:
        flow.language = lang
        flow.product_line = line or flow.product_line
        remember_suggestions(flow, suggestions.articles)
        save_flow(request.session, flow)
    return JsonResponse(
        {
            "articles": [_article_json(a, tracked) for a in suggestions.articles],
            "news": [
                {"title": n.title, "url": n.url, "date": n.date}
                for n in suggestions.news
            ],
            "search_url": suggestions.search_url,
            "codes": suggestions.codes,
        }
    )


@require_POST
@streamed_uploads
def log_check(request):
    if not can_open_cases(request.user):
        return _error(_("Only users of a customer company can open cases."), "", 403)
    refused = _throttled(request)
    if refused:
        return refused
    form = LogUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _error(_("Attach the error log."), "error_log")
    found = suggest_for_log(
        request,
        form.cleaned_data["error_log"],
        form.cleaned_data["product_line"],
        lang=request.POST.get("lang", "")[:10] or request.LANGUAGE_CODE,
    )
    report = found.report
    return JsonResponse(
        {
            "codes": report.codes,
            "entries": [
                {"code": e.code, "message": e.message, "count": e.count}
                for e in report.entries
            ],
            "binary": report.binary,
            "articles": [_article_json(a, True) for a in found.articles],
        }
    )
