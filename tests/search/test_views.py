"""The advanced document search page, as readers use it: every state a GET URL,
without JavaScript."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils.html import escape

from kb.models import ArticlePage
from search.models import SearchLog

from .portal import CUSTOMERS, PARTNERS, PUBLIC, page_of

SEARCH = "/en/search/"


def result_titles(response) -> list[str]:
    html = response.content.decode()
    titles = re.findall(
        r'<h3 class="search-result-title"><a [^>]*>(.*?)</a></h3>', html
    )
    return [re.sub(r"</?mark>", "", title) for title in titles]


def result_links(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<h3 class="search-result-title"><a href="([^"]+)"', html)


def option_label(response, name: str, value: str) -> str:
    html = response.content.decode()
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.search(
        rf'<option value="{re.escape(value)}"[^>]*>([^<]*)</option>', select
    ).group(1)


def test_empty_page_shows_the_form_only(client, demo):
    response = client.get(SEARCH)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_q">Search for</label>' in html
    assert "<legend>Narrow the search</legend>" in html
    assert "<legend>Publication date</legend>" in html
    assert 'id="search-results-title"' not in html
    assert not SearchLog.objects.exists()


def test_search_box_in_the_header_of_every_page(client, demo):
    for url in ("/en/", "/it/", "/en/kb/", SEARCH):
        html = client.get(url, follow=True).content.decode()
        assert 'class="site-search"' in html, url
        assert 'name="q"' in html
        assert 'data-suggest-url="/api/search/suggest/"' in html
    assert 'action="/it/search/"' in client.get("/it/").content.decode()


@pytest.mark.parametrize(
    ("user", "visible"),
    [
        ("anonymous", {PUBLIC}),
        ("customer", {PUBLIC, CUSTOMERS}),
        ("partner", {PUBLIC, CUSTOMERS, PARTNERS}),
        ("editor", {PUBLIC, CUSTOMERS, PARTNERS}),
    ],
)
def test_results_respect_visibility(as_user, user, visible):
    client = as_user(user)
    titles = {
        key: page_of(ArticlePage, key).title for key in (PUBLIC, CUSTOMERS, PARTNERS)
    }

    response = client.get(SEARCH, {"q": "archive lock SIS-1042 VAT register"})

    assert response.status_code == 200
    shown = set(result_titles(response))
    for key, title in titles.items():
        assert (escape(title) in shown) == (key in visible), (user, key)


def test_highlighted_snippets_and_escaped_text(client, demo):
    response = client.get(SEARCH, {"q": "inventory <script>alert(1)</script>"})

    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    snippets = re.findall(r'<p class="search-snippet">(.*?)</p>', html, re.S)
    assert snippets
    assert any("<mark>" in snippet for snippet in snippets)
    # Only the marks are markup: nothing else inside a snippet is a tag.
    for snippet in snippets:
        assert not re.search(r"<(?!/?mark>)", snippet)


def test_every_filter_narrows_the_results(client, demo):
    cases = [
        ({"q": "error", "product_line": "warehouse"}, "Error MAG-2001", "SIS-1042"),
        ({"q": "vat", "area": "vat"}, "Monthly VAT settlement", "deadline"),
        ({"q": "vat", "doc_type": "reference"}, "VAT codes and rates", "Monthly VAT"),
        ({"q": "contributions", "audience": "expert"}, "Contribution codes", "Calc"),
        ({"q": "payslip", "tag": "print"}, "reprint a payslip", "by e-mail"),
        ({"q": "vat", "doc_type": "news"}, "Reminder: monthly VAT", "VAT codes"),
        ({"q": "iva", "lang": "it"}, "IVA", "VAT codes and rates"),
        (
            {"q": "payslip", "date_from": "2026-03-01", "date_to": "2026-03-31"},
            "Sending payslips by e-mail",
            "reprint a payslip",
        ),
    ]
    for params, wanted, unwanted in cases:
        response = client.get(SEARCH, params)
        assert response.status_code == 200, params
        titles = " | ".join(result_titles(response))
        assert wanted in titles, (params, titles)
        assert unwanted not in titles, (params, titles)
        # The filter stays selected in the form: the state is the URL.
        for name, value in params.items():
            if name not in ("q", "date_from", "date_to"):
                assert re.search(
                    rf'<option value="{re.escape(value)}"[^>]*selected',
                    response.content.decode(),
                ), (name, value)


def test_facet_counts_beside_the_filters(client, demo):
    response = client.get(SEARCH, {"q": "error", "product_line": "warehouse"})

    # Counts of the other product lines ignore the product-line filter itself.
    warehouse = option_label(response, "product_line", "warehouse")
    accounting = option_label(response, "product_line", "accounting")
    assert re.fullmatch(r"\S.* \(\d+\)", warehouse)
    assert int(accounting.rsplit("(", 1)[1].rstrip(")")) >= 1
    technote = option_label(response, "doc_type", "technote")
    assert technote.startswith("Technical note (")
    assert int(technote.rsplit("(", 1)[1].rstrip(")")) >= 1


def test_sort_by_date_lists_newest_first(client, demo):
    response = client.get(SEARCH, {"q": "payslip", "sort": "date"})

    html = response.content.decode()
    dates = re.findall(r'<time datetime="([\d-]+)">', html)
    assert len(dates) >= 3
    assert dates == sorted(dates, reverse=True)
    assert re.search(r'<option value="date" selected>', html)


def test_pagination_keeps_the_query_and_filters(client, demo):
    first = client.get(
        SEARCH, {"q": "vat", "product_line": "accounting", "page_size": 2}
    )
    html = first.content.decode()
    assert '<nav class="search-pagination"' in html
    next_link = re.search(r'<a href="([^"]+)" rel="next">', html).group(1)
    params = parse_qs(urlsplit(next_link.replace("&amp;", "&")).query)
    assert params["q"] == ["vat"]
    assert params["product_line"] == ["accounting"]
    assert params["page"] == ["2"]

    second = client.get(
        SEARCH, {"q": "vat", "product_line": "accounting", "page_size": 2, "page": 2}
    )
    assert second.status_code == 200
    assert set(result_titles(second)).isdisjoint(result_titles(first))
    assert 'rel="prev"' in second.content.decode()

    assert client.get(SEARCH, {"q": "vat", "page": 99}).status_code == 404


def test_did_you_mean(client, demo):
    response = client.get(SEARCH, {"q": "inventroy"})

    html = response.content.decode()
    assert "Did you mean:" in html
    link = re.search(r'Did you mean: <a href="([^"]+)"', html).group(1)
    assert "q=inventory" in link.replace("&amp;", "&")
    assert "Running a physical inventory count" in result_titles(
        client.get(SEARCH + link.replace("&amp;", "&"))
    )


def test_no_results_suggest_broadening_and_opening_a_case(client, demo):
    response = client.get(
        SEARCH, {"q": "zzxqv printer wobble", "product_line": "payroll"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "0 results for" in html
    assert "Nothing matches your search." in html
    assert "Search again without filters" in html
    assert "Search the documents in Italian" in html
    link = re.search(r'<a class="button" href="([^"]+)">Open a case</a>', html).group(1)
    url = urlsplit(link.replace("&amp;", "&"))
    assert url.path == "/en/cases/new/"
    params = parse_qs(url.query)
    assert params["q"] == ["zzxqv printer wobble"]
    assert params["subject"] == ["zzxqv printer wobble"]
    assert params["product_line"] == ["payroll"]


@pytest.mark.parametrize(
    ("language", "words", "notice"),
    [
        ("en", "the and", "Your search holds only very common or very short words"),
        ("it", "Tutto", "La ricerca contiene solo parole molto comuni o molto brevi"),
        ("fi", "ja se", "Haussa on vain hyvin yleisiä tai hyvin lyhyitä sanoja"),
    ],
)
def test_a_search_of_common_words_only_says_so(client, demo, language, words, notice):
    response = client.get(f"/{language}/search/", {"q": words})

    html = response.content.decode()
    assert response.status_code == 200
    assert notice in html
    # Not the advice for words that match nothing: spelling, other languages.
    assert 'href="?q=' not in html and "lang=" not in html.split("search-no-results")[1]
    # The way on to a case stays.
    assert f"/{language}/cases/new/" in html


def test_a_word_that_matches_nothing_gets_the_usual_advice(client, demo):
    html = client.get(SEARCH, {"q": "the zzxqv"}).content.decode()

    assert "Nothing matches your search." in html
    assert "very common" not in html


def test_the_case_link_is_the_projects_setting(client, demo, settings):
    # Search names no other app: without SEARCH_CASE_URL there is no link.
    settings.SEARCH_CASE_URL = ""

    html = client.get(
        SEARCH, {"q": "zzxqv printer wobble", "product_line": "payroll"}
    ).content.decode()

    assert "Nothing matches your search." in html
    assert "Open a case" not in html and "/cases/new/" not in html


def test_bad_parameters_are_shown_on_the_form(client, demo):
    response = client.get(SEARCH, {"q": "vat", "product_line": "toasters"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()

    response = client.get(
        SEARCH, {"q": "vat", "date_from": "2026-03-01", "date_to": "2026-01-01"}
    )
    assert response.status_code == 400
    assert "The end of the date range is before its start." in response.content.decode()


def test_filters_alone_browse_without_words(client, demo):
    response = client.get(SEARCH, {"doc_type": "news", "product_line": "warehouse"})

    titles = result_titles(response)
    assert "Three more couriers for label printing" in titles
    assert all("VAT" not in title for title in titles)
    assert "documents" in response.content.decode()


def test_result_links_count_clicks_then_open_the_article(client, demo):
    response = client.get(SEARCH, {"q": "inventory count"})
    entry = SearchLog.objects.get()
    assert (entry.query, entry.lang, entry.clicks) == ("inventory count", "en", 0)
    assert entry.results == int(
        re.search(r"(\d+) results? for", response.content.decode()).group(1)
    )
    link = result_links(response)[0].replace("&amp;", "&")
    assert link.startswith("/en/search/click/?")

    opened = client.get(link)

    assert opened.status_code == 302
    article = page_of(ArticlePage, "demo/inventory-count")
    assert opened["Location"] == article.url
    entry.refresh_from_db()
    assert entry.clicks == 1
    assert client.get(opened["Location"]).status_code == 200


def test_click_redirect_refuses_forged_and_hidden_targets(client, demo):
    # A forged token opens the article but counts nothing.
    forged = client.get(
        "/en/search/click/",
        {"t": "forged", "key": "demo/inventory-count", "lang": "en"},
    )
    assert forged.status_code == 302
    # Partner notes and unknown keys are not revealed to anonymous readers.
    hidden = client.get("/en/search/click/", {"key": PARTNERS, "lang": "en"})
    assert hidden.status_code == 404
    assert (
        client.get("/en/search/click/", {"key": "nope", "lang": "en"}).status_code
        == 404
    )


def test_only_first_pages_of_searches_with_words_are_logged(client, demo):
    client.get(SEARCH, {"q": "  VAT   Settlement ", "page_size": 1})
    client.get(SEARCH, {"q": "vat settlement", "page_size": 1, "page": 2})
    client.get(SEARCH, {"doc_type": "faq"})
    client.get(SEARCH, {"q": "mario.rossi@example.com 0451234567 RSSMRA80A01H501U"})
    client.get("/api/search/", {"q": "vat"})
    client.get("/api/search/suggest/", {"q": "vat"})

    logged = list(
        SearchLog.objects.order_by("pk").values_list("query", "lang", "filtered")
    )
    assert logged == [
        ("vat settlement", "en", False),
        ("[e-mail] [phone] [tax code]", "en", False),
    ]


def test_search_page_in_italian(client, demo):
    response = client.get("/it/search/", {"q": "inventario"})

    assert response.status_code == 200
    assert '<html lang="it">' in response.content.decode()
    titles = " ".join(result_titles(response))
    assert "inventario" in titles.lower()


def test_the_filter_selects_are_djangos_own_markup(db, demo):
    """The search page writes its selects directly (search_field): the same
    markup as Django's widgets, the chosen option, errors and all."""
    from django.http import QueryDict

    from search.forms import SearchForm
    from search.templatetags.search_tags import search_field

    form = SearchForm(
        QueryDict("q=x&sort=bogus&product_line=payroll&tag=a%22b"), default_lang="it"
    )
    assert not form.is_valid()
    form.facet_choices({"area": [("a", 3)], "tag": [('a"b', 2)]})
    for name in form.fields:
        django_markup = re.sub(r"\s*\n\s*", "", str(form[name]))
        assert str(search_field(form[name])) == django_markup, name
    assert 'aria-invalid="true"' in str(search_field(form["sort"]))
    assert '<option value="payroll" selected>' in str(
        search_field(form["product_line"])
    )
