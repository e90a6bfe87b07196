"""Kept answers (``search.resultcache``): a search asked again is answered
from the cache without touching the index, until the index changes; readers
of different visibility classes, other filters and other settings never share
an answer; the search log still counts every search."""

import re
from datetime import date

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from search import resultcache, services
from search.documents import Document, SearchFilters, SearchQuery
from search.models import SearchLog


def doc(key, title, body="", lang="en", **fields):
    fields.setdefault("published", date(2025, 3, 1))
    return Document(
        key=key, lang=lang, title=title, body=body, url=f"/{lang}/{key}/", **fields
    )


CORPUS = [
    doc("kb-spooler", "Printer spooler stops", "Restart the spooler service."),
    doc("kb-labels", "Label printer settings", "Paper size for the printer."),
    doc(
        "kb-partner",
        "Printer driver internals",
        "Partners reinstall the printer driver.",
        visibility="partners",
    ),
    doc(
        "kb-payroll",
        "Payslip printer",
        "Print payslips on the printer.",
        product_line="payroll",
    ),
]


@pytest.fixture
def index(db, settings, django_capture_on_commit_callbacks):
    settings.SEARCH_EMBEDDER = None
    # Keep answers at once after a change (the settling delay has its test).
    settings.SEARCH_RESULT_CACHE_SETTLE = 0
    with django_capture_on_commit_callbacks(execute=True):
        services.rebuild_index(CORPUS)


def search(text="printer", **kwargs):
    return services.search_documents(SearchQuery(text=text, lang="en", **kwargs))


def keys(results):
    return [hit.key for hit in results.hits]


def statements(text="printer", **kwargs):
    """The answer and the SQL statements it ran."""
    with CaptureQueriesContext(connection) as captured:
        results = search(text, **kwargs)
    return results, len(captured)


def test_an_answer_asked_again_comes_from_the_cache(index):
    first, ran = statements()
    assert ran > 0
    again, ran_again = statements()
    assert ran_again == 0
    assert keys(again) == keys(first)
    assert again.total == first.total
    assert again.facets == first.facets


def test_indexing_removing_and_rebuilding_are_seen_at_once(
    index, django_capture_on_commit_callbacks
):
    assert "kb-new" not in keys(search("spooler"))
    services.index_document(doc("kb-new", "Spooler queue full", "Clear it."))
    assert "kb-new" in keys(search("spooler"))
    services.remove_document("kb-spooler", "en")
    assert "kb-spooler" not in keys(search("spooler"))
    with django_capture_on_commit_callbacks(execute=True):
        services.rebuild_index(CORPUS[1:])
    assert keys(search("spooler")) == []


def test_readers_of_other_visibilities_never_share_an_answer(index):
    everyone = keys(search())
    assert "kb-partner" not in everyone
    partners = keys(search(visibility={"public", "customers", "partners"}))
    assert "kb-partner" in partners
    # Asked again in the other order, each class still gets its own.
    assert "kb-partner" not in keys(search())


def test_filters_pages_and_settings_are_part_of_the_answer(index, settings):
    search()
    payroll, ran = statements(filters=SearchFilters(product_line="payroll"))
    assert ran > 0
    assert keys(payroll) == ["kb-payroll"]
    _results, ran = statements(page_size=1)
    assert ran > 0
    settings.SEARCH_FIELD_WEIGHTS = (1.0, 1.0, 1.0, 1.0)
    _results, ran = statements()
    assert ran > 0


def test_each_process_keeps_its_last_answers(index, settings):
    settings.SEARCH_RESULT_CACHE_ENTRIES = 1
    search("printer")
    search("spooler")  # the printer's answer is dropped
    _results, ran = statements("printer")
    assert ran > 0
    _results, ran = statements("printer")
    assert ran == 0


def test_a_kept_answer_expires(index, settings, monkeypatch):
    import time

    settings.SEARCH_RESULT_CACHE_SECONDS = 60
    search()
    later = time.monotonic() + 61
    monkeypatch.setattr(time, "monotonic", lambda: later)
    _results, ran = statements()
    assert ran > 0


def test_nothing_is_kept_when_the_setting_is_zero(index, settings):
    settings.SEARCH_RESULT_CACHE_SECONDS = 0
    search()
    _results, ran = statements()
    assert ran > 0


def test_answers_right_after_a_change_are_not_kept(index, settings):
    settings.SEARCH_RESULT_CACHE_SETTLE = 3600
    services.index_document(doc("kb-other", "Scanner", "Scan."))
    search()
    _results, ran = statements()
    assert ran > 0


def test_a_change_marks_the_cache_stale_again_when_it_commits(
    index, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.index_document(doc("kb-other", "Scanner", "Scan."))
        at_change = cache.get(resultcache.GENERATION_KEY)
    for callback in callbacks:
        callback()
    # (A search in another process between the change and the commit may
    # have kept an answer that does not show it yet.)
    assert cache.get(resultcache.GENERATION_KEY) not in (None, at_change)


class BrokenCache(LocMemCache):
    """A cache server that is down (outside the project)."""

    def get(self, *args, **kwargs):
        raise ConnectionError("cache server unreachable")

    add = set = get_many = get


def test_a_failing_cache_leaves_the_search_answering(index, settings, caplog):
    settings.CACHES = {
        **settings.CACHES,
        "broken": {
            "BACKEND": "tests.search.test_result_cache.BrokenCache",
            "LOCATION": "broken",
        },
    }
    settings.SEARCH_RESULT_CACHE_ALIAS = "broken"
    assert "kb-spooler" in keys(search("spooler"))
    services.index_document(doc("kb-new", "Spooler queue full", "Clear it."))
    assert "kb-new" in keys(search("spooler"))
    assert "result cache" in caplog.text


def test_the_search_page_logs_every_search_served_from_the_cache(
    client, demo, settings
):
    settings.SEARCH_RESULT_CACHE_SETTLE = 0
    pages = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/en/search/", {"q": "inventory count"})
        assert response.status_code == 200
        pages.append((response.content.decode(), len(captured)))
    (first, ran), (second, ran_again) = pages
    assert 'class="search-result' in first
    titles = re.findall(r'class="search-result-title"><a [^>]*>(.*?)</a>', first)
    assert titles
    assert re.findall(r'class="search-result-title"><a [^>]*>(.*?)</a>', second) == (
        titles
    )
    assert ran_again < ran
    assert SearchLog.objects.filter(query="inventory count").count() == 2
