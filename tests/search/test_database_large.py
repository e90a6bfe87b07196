"""Large result sets of the database backend: more matches than it reads
(``EXACT_LIMIT``, lowered here so that a small corpus is "large").

On SQLite the totals stay exact; on PostgreSQL they are the GIN index's own
count, flagged as estimates. Both rank the matches with the word in a title,
tag or summary first, and never return another language or visibility.
"""

import importlib
import random
from datetime import date
from types import SimpleNamespace

import pytest
from django.db import connection

from search import services
from search.backends.database import engine as engine_module
from search.documents import Document, SearchFilters, SearchQuery

LIMIT = 6
EVERYONE = {"public", "customers", "partners"}


def _documents(word: str, rare: str) -> list[Document]:
    documents = []
    for n in range(24):
        documents.append(
            Document(
                key=f"invoice-{n:02d}",
                lang="en",
                title=f"{word} {rare} {n}" if n < 5 else f"Ledger entry {n}",
                body=f"The {word} number {n} follows the year's sequence.",
                product_line="accounting" if n % 3 else "payroll",
                area="general-ledger",
                tags=["closing"] if n % 4 == 0 else [],
                published=date(2024, 1, 1 + n),
                visibility="partners" if n >= 20 else "public",
                url=f"/en/kb/invoice-{n:02d}/",
            )
        )
    # The same word in other languages: never counted in English.
    documents += [
        Document(
            key=f"fattura-{n}",
            lang=lang,
            title=f"{word} {lang} {n}",
            body=word,
            product_line="accounting",
            published=date(2024, 2, 1),
            url=f"/{lang}/kb/fattura-{n}/",
        )
        for n in range(8)
        for lang in ("it", "fi")
    ]
    return documents


def _letters(rng: random.Random) -> str:
    return "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(9))


@pytest.fixture(autouse=True)
def corpus(db, settings, monkeypatch):
    """The corpus, with words no other test indexes: on PostgreSQL the index
    keeps the rows of earlier tests' rolled-back transactions until a vacuum,
    and the estimates count them (as they would count rows deleted since)."""
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database"}}
    monkeypatch.setattr("search.backends.database.EXACT_LIMIT", LIMIT)
    monkeypatch.setattr("search.backends.database.FACET_SAMPLE", LIMIT - 2)
    rng = random.Random()
    word, rare = _letters(rng), _letters(rng)
    documents = _documents(word, rare)
    report = services.rebuild_index(documents)
    assert not report.failed
    return SimpleNamespace(word=word, rare=rare, documents=documents)


def expected(corpus, visibility=frozenset({"public"}), **filters) -> list[Document]:
    return [
        d
        for d in corpus.documents
        if d.lang == "en"
        and d.visibility in visibility
        and all(getattr(d, name) == value for name, value in filters.items())
    ]


def search(corpus, text=None, **kwargs):
    kwargs.setdefault("lang", "en")
    text = corpus.word if text is None else text
    return services.search_documents(SearchQuery(text=text, **kwargs))


def estimates() -> bool:
    return connection.vendor == "postgresql"


def test_total_of_a_large_set(corpus):
    results = search(corpus, facets=["product_line"])

    assert results.total == len(expected(corpus)) == 20
    assert results.total_exact is not estimates()
    assert {hit.lang for hit in results.hits} == {"en"}


def test_total_honours_visibility_and_filters(corpus):
    everyone = search(corpus, visibility=EVERYONE)
    payroll = search(corpus, filters=SearchFilters(product_line="payroll"))
    tagged = search(corpus, filters=SearchFilters(tag="closing"))

    assert everyone.total == len(expected(corpus, EVERYONE)) == 24
    assert payroll.total == len(expected(corpus, product_line="payroll")) == 7
    assert {hit.product_line for hit in payroll.hits} == {"payroll"}
    assert (
        tagged.total == len([d for d in expected(corpus) if "closing" in d.tags]) == 5
    )


def test_title_matches_rank_first_and_pages_cover_every_match(corpus):
    pages = [search(corpus, page=page, page_size=LIMIT).hits for page in range(1, 5)]
    keys = [hit.key for hits in pages for hit in hits]

    assert set(keys[:5]) == {f"invoice-{n:02d}" for n in range(5)}
    # Then the others, newest first, each once.
    assert keys[5:] == [f"invoice-{n:02d}" for n in range(19, 4, -1)]
    assert sorted(keys) == sorted(d.key for d in expected(corpus))


def test_facets_of_a_large_set_are_scaled_from_a_sample(corpus):
    results = search(corpus, facets=["product_line", "area"])

    counts = dict(results.facets["product_line"])
    assert set(counts) <= {"accounting", "payroll"}
    assert sum(counts.values()) == pytest.approx(results.total, abs=2)
    assert dict(results.facets["area"]) == {"general-ledger": results.total}


def test_date_ranges_are_counted_exactly(corpus):
    filters = SearchFilters(date_from=date(2024, 1, 3))

    results = search(corpus, filters=filters)

    assert results.total == len(
        [d for d in expected(corpus) if d.published >= filters.date_from]
    )
    assert results.total_exact


def test_removed_documents_never_come_back(corpus):
    services.remove_document("invoice-19", "en")

    results = search(corpus, page_size=50)

    assert "invoice-19" not in {hit.key for hit in results.hits}
    assert len(results.hits) == 19
    if estimates():
        # The index may still list the row until it is vacuumed.
        assert results.total in (19, 20)
    else:
        assert results.total == 19


def test_a_search_with_fewer_matches_than_the_limit_stays_exact(corpus):
    results = search(corpus, corpus.rare)

    assert results.total == 5
    assert results.total_exact


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the tsvectors are PostgreSQL's"
)
class TestPostgreSQLScopeLexemes:
    def _scope_lexemes(self, column: str) -> dict[int, set[str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT document_id, ARRAY(SELECT lexeme FROM unnest({column}) "  # noqa: S608 (fixed identifiers)
                "WHERE positions IS NULL) FROM search_document_tsv"
            )
            return {pk: set(lexemes) for pk, lexemes in cursor.fetchall()}

    def _python_meta(self) -> dict[int, set[str]]:
        from search.models import SearchDocument

        rows = {}
        for document in SearchDocument.objects.filter(live=True):
            document.body = ""
            row, _words = engine_module.analyse_document(document.pk, document)
            rows[document.pk] = set(row.meta.split())
        return rows

    def test_rows_keep_their_tsvectors_inline(self, corpus):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reloptions FROM pg_class WHERE relname = 'search_document_tsv'"
            )
            assert "toast_tuple_target=8160" in cursor.fetchone()[0]

    def test_every_tsvector_carries_its_filter_values(self, corpus):
        meta = self._python_meta()

        assert len(meta) == len(corpus.documents)
        assert self._scope_lexemes("head") == meta
        assert self._scope_lexemes("document") == meta

    def test_the_migration_adds_the_same_lexemes(self, corpus):
        migration = importlib.import_module(
            "search.migrations.0007_fulltext_scope_lexemes"
        )
        meta = self._python_meta()
        with connection.cursor() as cursor:
            for statement in migration.BACKWARD:
                cursor.execute(statement)
            assert set().union(*self._scope_lexemes("document").values()) == set()
            for statement in migration.FORWARD:
                cursor.execute(statement)

        assert self._scope_lexemes("head") == meta
        assert self._scope_lexemes("document") == meta
        # The rows the updates replaced stay in the index until a vacuum:
        # the total is an upper bound, the hits are exact.
        results = search(corpus, page_size=50)
        assert len(results.hits) == 20
        assert results.total >= 20


def test_the_api_and_the_page_say_when_the_total_is_an_estimate(client, corpus):
    response = client.get("/api/search/", {"q": corpus.word, "lang": "en"})
    page = client.get("/en/search/", {"q": corpus.word}).content.decode()

    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 20
    assert data["total_exact"] is not estimates()
    if estimates():
        assert f"About 20 results for “{corpus.word}”" in page
    else:
        assert f"20 results for “{corpus.word}”" in page
        assert "About" not in page
