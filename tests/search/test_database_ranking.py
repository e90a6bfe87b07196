"""Ranking pieces of the database backend: BM25F on PostgreSQL (per-field
word counts read back from ``ts_rank``), the order of the best matches, and
the planner settings of a search outside any transaction."""

import random
from datetime import date

import pytest
from django.db import connection

from search import services
from search.analysis import parse_query
from search.backends import get_search_backend
from search.backends.database import engine as engine_module
from search.backends.database import postgresql
from search.backends.database.engine import Match, best_matches
from search.documents import FACETS, Document, SearchFilters, SearchQuery
from search.models import SearchDocument

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's tsvectors"
)


@pytest.fixture
def database_backend(settings):
    settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database"}}
    return get_search_backend()


def test_occurrences_undo_ts_rank_of_one_word():
    # ts_rank of a word whose first n positions weigh 1, normalisation 0:
    # sum(1/j**2 for j in 1..n) / (pi**2 / 6).
    for n in (0, 1, 2, 3, 7, 40, 255, 256):
        rank = sum(1 / (j * j) for j in range(1, n + 1)) / 1.64493406685
        assert postgresql.occurrences(rank) == n
    # As PostgreSQL returns it (float4).
    assert postgresql.occurrences(0.6079271) == 1
    assert postgresql.occurrences(0.0) == 0


def test_alternatives_of_each_kind_of_term():
    assert postgresql.alternatives("'stampant'") == [("stampant",)]
    assert postgresql.alternatives("('carta' <-> 'inceppat')") == [
        ("carta", "inceppat")
    ]
    assert postgresql.alternatives("('stampant' | ('carta' <-> 'inceppat'))") == [
        ("stampant",),
        ("carta", "inceppat"),
    ]


def _match(pk: int, score: float, published=None) -> Match:
    return Match(pk, score, "", "", "", "", published, ())


def test_best_matches_orders_by_score_then_newest_then_id():
    matches = [
        _match(1, 1.0, date(2024, 1, 1)),
        _match(2, 2.0),
        _match(3, 1.0, date(2025, 1, 1)),
        _match(4, 1.0),
        _match(5, 1.0, date(2025, 1, 1)),
    ]
    assert [m.id for m in best_matches(matches, 10, by_date=False)] == [2, 5, 3, 1, 4]
    assert [m.id for m in best_matches(matches, 2, by_date=False)] == [2, 5]
    # The cut falls among four equal scores: the newest, then the highest id.
    assert [m.id for m in best_matches(matches, 3, by_date=False)] == [2, 5, 3]
    assert [m.id for m in best_matches(iter(matches), 4, False)] == [2, 5, 3, 1]
    assert best_matches(matches, 0, by_date=False) == []
    assert [m.id for m in best_matches(matches, 10, by_date=True)] == [5, 3, 1, 2, 4]
    assert [m.id for m in best_matches(matches, 2, by_date=True)] == [5, 3]


def test_best_matches_agree_with_a_full_sort():
    rng = random.Random(5)
    for _ in range(200):
        matches = [
            _match(
                pk,
                rng.choice([0.5, 1.0, 1.5, rng.random()]),
                rng.choice([None, date(2024, 1, rng.randint(1, 3))]),
            )
            for pk in rng.sample(range(1, 500), rng.randint(0, 40))
        ]
        count = rng.randint(0, 45)
        for by_date in (False, True):
            key = engine_module._by_date if by_date else engine_module._by_score
            expected = sorted(matches, key=key, reverse=True)[:count]
            assert best_matches(matches, count, by_date) == expected


@on_postgresql
@pytest.mark.django_db
def test_field_counts_read_each_fields_occurrences(database_backend):
    services.index_document(
        Document(
            key="counted",
            lang="en",
            title="Printer printer setup",
            summary="How to set up a printer.",
            body="Connect the printer. Printer lights blink. The printer is ready. "
            "Paper goes in the tray.",
            tags=["printer"],
            url="/en/kb/counted/",
        )
    )
    engine = database_backend.engine
    row = engine.connection.cursor()
    row.execute(
        "SELECT v.document_id FROM search_document_tsv v "
        "JOIN search_searchdocument d ON d.id = v.document_id WHERE d.key = %s",
        ["counted"],
    )
    document_id = row.fetchone()[0]
    counted = engine.field_counts([document_id], ["printer", "paper", "absent"])
    counts, lengths = counted[document_id]
    # Title, tags and codes, summary, body.
    assert counts["printer"] == [2, 1, 1, 3]
    assert counts["paper"] == [0, 0, 0, 1]
    assert counts["absent"] == [0, 0, 0, 0]
    # Distinct words per field (stopwords are not indexed).
    assert lengths[0] == 2  # "printer", "setup"
    assert lengths[3] >= 6


@on_postgresql
@pytest.mark.django_db
def test_a_short_article_on_the_problem_outranks_a_long_one_in_passing(
    database_backend,
):
    filler = " ".join(
        f"Section {n} explains ledgers, journals, balances and closing entries."
        for n in range(60)
    )
    services.index_document(
        Document(
            key="long",
            lang="en",
            title="Accounting handbook",
            body=f"{filler} A label printer may jam. {filler} Envelopes too. {filler}",
            url="/en/kb/long/",
        )
    )
    services.index_document(
        Document(
            key="short",
            lang="en",
            title="Label printer jams",
            body="When the label printer jams on envelopes, open the cover and "
            "remove the jammed envelopes.",
            url="/en/kb/short/",
        )
    )
    results = services.search_documents(
        SearchQuery(text="my label printer jams with envelopes", lang="en")
    )
    assert [hit.key for hit in results.hits][:2] == ["short", "long"]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_search_outside_a_transaction_leaves_the_planner_as_it_was(
    database_backend,
):
    services.index_document(
        Document(key="planner", lang="en", title="Planner", url="/en/kb/planner/")
    )
    assert not connection.in_atomic_block
    results = services.search_documents(SearchQuery(text="planner", lang="en"))
    assert [hit.key for hit in results.hits] == ["planner"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"
        cursor.execute("SHOW enable_indexscan")
        assert cursor.fetchone()[0] == "on"


@on_postgresql
@pytest.mark.django_db
def test_average_field_lengths_are_forgotten_when_the_index_changes(
    database_backend,
):
    services.index_document(
        Document(key="one", lang="fi", title="Tulostin", url="/fi/kb/one/")
    )
    services.search_documents(SearchQuery(text="tulostin", lang="fi"))
    engine = database_backend.engine
    before = engine.field_lengths("fi")
    services.index_document(
        Document(
            key="two",
            lang="fi",
            title="Tulostin paperi kasetti tukos ohje",
            url="/fi/kb/two/",
        )
    )
    assert engine.field_lengths("fi")[0] > before[0]


def _filtered_corpus() -> None:
    lines = ("accounting", "payroll", "warehouse")
    for n in range(18):
        services.index_document(
            Document(
                key=f"doc-{n:02d}",
                lang="en",
                title=f"Printer {('queue', 'driver', 'tray')[n % 3]} {n}",
                body=f"The printer stops when the {('toner', 'paper', 'cable')[n % 3]} "
                f"runs out; restart the spooler. Symptom: "
                f"{('jam', 'smudge', 'noise', 'stripe', 'fade')[n % 5]}.",
                product_line=lines[n % 3],
                area="setup" if n % 2 else "daily-use",
                tags=["hardware"] if n % 4 == 0 else [],
                published=date(2024, 1, 1 + n),
                url=f"/en/kb/doc-{n:02d}/",
            )
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        "printer",  # one word
        "printer spooler",  # every word
        "my printer leaves a smudge and a stripe after the restart",  # any word
    ],
)
@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(product_line="payroll"),
        SearchFilters(product_line="accounting", area="setup"),
        SearchFilters(tag="hardware"),
        SearchFilters(product_line="warehouse", date_from=date(2024, 1, 6)),
    ],
    ids=["line", "line+area", "tag", "line+dates"],
)
def test_a_search_without_facets_finds_what_the_faceted_search_finds(
    database_backend, text, filters
):
    # Without facets, only the matches passing the filters are read (and on
    # PostgreSQL their facet values are not): the same hits and total. (The
    # scores may differ on PostgreSQL: a word's rarity is measured among the
    # matches read.)
    _filtered_corpus()
    plain = services.search_documents(
        SearchQuery(text=text, lang="en", filters=filters, page_size=20)
    )
    faceted = services.search_documents(
        SearchQuery(text=text, lang="en", filters=filters, page_size=20, facets=FACETS)
    )
    assert plain.total == faceted.total > 0
    assert sorted(h.key for h in plain.hits) == sorted(h.key for h in faceted.hits)
    for hit in plain.hits:
        for name in ("product_line", "area"):
            assert getattr(filters, name) in (None, getattr(hit, name))


@pytest.mark.django_db
def test_narrowed_matches_are_only_those_passing_the_filters(database_backend):
    # What the engine reads when no facets are wanted: nothing outside the
    # filters, counted within them.
    _filtered_corpus()
    engine = database_backend.engine
    query = SearchQuery(text="printer", lang="en")
    parsed = parse_query("printer", "en", 500)
    expression = engine.expression(parsed.clauses, "and")
    narrow = {"product_line": "payroll", "area": "setup"}
    payroll_setup = {f"doc-{n:02d}" for n in range(18) if n % 3 == 1 and n % 2}

    matches = engine.collect(query, expression, 100, narrow=narrow)
    everything = engine.collect(query, expression, 100)

    keys = dict(SearchDocument.objects.values_list("id", "key"))
    assert {keys[m.id] for m in matches} == payroll_setup
    assert len(everything) == 18
    assert all(m.passes(narrow) for m in matches)
    bound = engine.match_bound(query, expression, 100, narrow)
    assert bound is None or bound >= len(payroll_setup)
    if connection.vendor == "postgresql":
        # The GIN index counts within the filters, from its bitmap: an upper
        # bound, since it still lists the rows of rolled-back transactions
        # (earlier tests') until a vacuum, so not an exact count.
        assert bound is not None
