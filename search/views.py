"""The advanced document search page and the result-click redirect.

Every state of the page is its GET query string (shareable, the back button
works) and the page works without JavaScript.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from core.throttle import client_ip, rate_limit_wait, retry_message

from . import services
from .conf import search_settings
from .forms import SearchForm
from .providers import field_choices, find_document
from .querylog import click_token
from .services import reader_visibilities


def _open_case_url(text: str, product_line: str) -> str | None:
    """The new-case form with the search carried over (``q`` and
    ``product_line``; ``subject`` for the form's first field)."""
    if not search_settings.CASE_URL:
        return None
    try:
        url = reverse(search_settings.CASE_URL)
    except NoReverseMatch:
        return None
    params = {"q": text, "subject": text[:200]}
    if product_line:
        params["product_line"] = product_line
    return f"{url}?{urlencode(params)}"


def _result_items(
    form: SearchForm, search: services.ReaderSearch, lang: str
) -> list[dict]:
    lines = form.lines
    areas = {(area.product_line.code, area.code): area.name for area in form.areas}
    doc_types = dict(field_choices("doc_type"))
    audiences = dict(field_choices("audience"))
    token = click_token(search.log_entry) if search.log_entry else ""
    items = []
    for position, hit in enumerate(search.results.hits, start=1):
        url = hit.url
        if token:
            params = {"t": token, "key": hit.key, "lang": hit.lang, "pos": position}
            url = f"{reverse('search:click')}?{urlencode(params)}"
        line = lines.get(hit.product_line)
        items.append(
            {
                "hit": hit,
                "url": url,
                "promoted": hit.key in search.promoted,
                "product_line": line.name if line else "",
                "area": areas.get((hit.product_line, hit.area), ""),
                "doc_type": doc_types.get(hit.doc_type, ""),
                "audience": audiences.get(hit.audience, ""),
                # A document of another language (none was found in the
                # reader's): named in its own language.
                "other_language": (
                    translation.get_language_info(hit.lang)["name_local"]
                    if hit.lang != lang
                    else ""
                ),
            }
        )
    return items


def _page_numbers(page: int, num_pages: int) -> list[int | None]:
    """Page links to offer: the first, the last and two around the current
    one; None where numbers are skipped."""
    wanted = {1, num_pages, *range(page - 2, page + 3)}
    numbers: list[int | None] = []
    for number in range(1, num_pages + 1):
        if number in wanted:
            numbers.append(number)
        elif numbers and numbers[-1] is not None:
            numbers.append(None)
    return numbers


@require_GET
def search(request):
    form = SearchForm(request.GET, default_lang=translation.get_language())
    context: dict = {"form": form, "searched": False}
    if not form.is_valid():
        return render(request, "search/search.html", context, status=400)
    if not form.has_query:
        return render(request, "search/search.html", context)
    wait = rate_limit_wait("search", client_ip(request), *search_settings.RATE)
    if wait:
        # The form stays as typed, with when to try again.
        form.add_error(None, retry_message(wait))
        return render(request, "search/search.html", context, status=429)
    query = form.to_query(reader_visibilities(request.user))
    found = services.search_for_reader(query, log=True)
    results = found.results
    if query.page > results.num_pages:
        raise Http404
    form.facet_choices(results.facets)
    context.update(
        searched=True,
        query=query,
        results=results,
        items=_result_items(form, found, query.lang),
        page_numbers=_page_numbers(query.page, results.num_pages),
        previous_page=query.page - 1,
        next_page=query.page + 1,
        first_number=(query.page - 1) * results.page_size + 1,
        other_languages=[
            {"code": code, "name": name}
            for code, name in form.fields["lang"].choices
            if code != query.lang
        ]
        if not results.total
        else [],
        filtered=form.has_filters,
        common_words_only=found.common_words_only,
        open_case_url=_open_case_url(query.text, query.filters.product_line or ""),
    )
    return render(request, "search/search.html", context)


@require_GET
def click(request):
    """A result link: count the click on its search, then open the document.
    Only documents of the index the reader may see are redirected to."""
    key = request.GET.get("key", "")
    lang = request.GET.get("lang", "")
    document = find_document(key, lang) if key and lang else None
    if (
        document is None
        or not document.live
        or document.visibility not in reader_visibilities(request.user)
        or not url_has_allowed_host_and_scheme(
            document.url,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        )
    ):
        raise Http404
    services.record_click(request.GET.get("t", ""))
    return HttpResponseRedirect(document.url)
