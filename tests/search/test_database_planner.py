"""The database engines' statements: PostgreSQL's planner steered to bitmap
scans for the length of a search only (statements the caller runs afterwards
in the same transaction are planned as usual), and the counts of words the
vocabulary leaves out reused from one search to the next."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from search import services
from search.backends import get_search_backend
from search.documents import Document, SearchQuery

from .corpus import CORPUS


@pytest.mark.django_db
def test_search_leaves_the_planner_settings_as_it_found_them():
    if connection.vendor != "postgresql":
        pytest.skip("planner settings are PostgreSQL's")
    services.rebuild_index(CORPUS)

    results = services.search_documents(SearchQuery(text="stampante", lang="it"))

    assert results.total > 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), "
            "current_setting('enable_indexscan')"
        )
        assert cursor.fetchone() == ("on", "on")


def _word_counts(queries, stem: str) -> int:
    """Statements that counted the documents holding ``stem`` (the words the
    vocabulary leaves out: short ones and numbers), on their rows or, on
    PostgreSQL, in the index (``EXPLAIN ANALYZE``)."""
    # (SQLite's match of the stem within the language: '"pc" AND meta: ...';
    # PostgreSQL's tsquery: 'pc' & 'lang...')
    # (PostgreSQL's as the connection logs it: quotes doubled in a literal.)
    signs = (f'"{stem}" AND meta:', f"'{stem}' & '", f"''{stem}'' & ''")
    return sum(
        1
        for query in queries
        if query["sql"].lstrip().upper().startswith(("SELECT COUNT(*)", "EXPLAIN"))
        and any(sign in query["sql"] for sign in signs)
    )


@pytest.mark.django_db
def test_words_the_vocabulary_leaves_out_are_counted_once_until_the_index_changes():
    documents = [
        Document(
            key=f"kb-pc-{n}",
            lang="en",
            title=f"PC setup {n}",
            body="Connect the pc to the printer." if n % 2 else "Invoices.",
            url=f"/en/kb-pc-{n}/",
        )
        for n in range(6)
    ]
    services.rebuild_index(documents)
    backend = get_search_backend()

    def search(text):
        return backend.search(SearchQuery(text=text, lang="en"))

    with CaptureQueriesContext(connection) as first:
        assert search("pc printer").hits
    with CaptureQueriesContext(connection) as again:
        assert search("pc invoices").hits
    assert _word_counts(first.captured_queries, "pc") == 1
    assert _word_counts(again.captured_queries, "pc") == 0

    services.index_document(documents[0])
    with CaptureQueriesContext(connection) as changed:
        assert search("pc printer").hits
    assert _word_counts(changed.captured_queries, "pc") == 1
