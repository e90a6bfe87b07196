"""Stored vectors: written by the background task after each index change,
kept across rebuilds, searched through the per-process matrix, and filled by
``manage.py embed_articles``."""

import io
import logging
import time
import types
from datetime import timedelta

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks.signals import task_enqueued

from search import vectors
from search.documents import Document
from search.embedding import HashingEmbedder, passage_text, reset_embedder
from search.models import SearchDocument, SearchVector
from search.services import index_document, rebuild_index, remove_document
from search.vectors import (
    clear_vector_caches,
    hash_text,
    nearest_documents,
    prune_vectors,
    remove_vectors,
    stale_documents,
    store_vectors,
    vector_count,
)

MODEL = HashingEmbedder.name
HERE = "tests.search.test_vectors"


class FailingEmbedder(HashingEmbedder):
    """Stands in for an outside model that is down."""

    name = "failing"

    def embed_passages(self, texts):
        raise RuntimeError("model server unreachable")


@pytest.fixture(autouse=True)
def _fresh_caches():
    reset_embedder()
    clear_vector_caches()
    yield
    clear_vector_caches()
    reset_embedder()


@pytest.fixture
def committed(db, django_capture_on_commit_callbacks):
    """Run what waits for the commit (the embedding tasks) as the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def enqueued():
    """The argument lists of the embedding tasks enqueued during the test."""
    calls = []

    def record(sender, task_result, **kwargs):
        if task_result.task.name == "embed_documents_task":
            calls.append(task_result.args)

    task_enqueued.connect(record)
    yield calls
    task_enqueued.disconnect(record)


def doc(key, lang="en", title=None, summary="", **fields):
    return Document(
        key=key, lang=lang, title=title or f"Title of {key}", summary=summary, **fields
    )


DOCUMENTS = [
    doc("printer", title="Label printer does not print", summary="Check the queue."),
    doc("password", title="Change your password", summary="In account settings."),
    doc("tulostin", "fi", title="Tulostin ei tulosta", summary="Tarkista jono."),
]


def stored(key, lang="en"):
    return SearchVector.objects.get(key=key, lang=lang, model=MODEL)


# A fixed dense basis: the toy vectors below spread over every dimension, as
# real embeddings do, instead of putting all their weight in one or two.
BASIS = np.linalg.qr(np.random.default_rng(3).standard_normal((384, 384)))[0].T


def unit(*values, dimensions=384):
    """The unit vector with ``values`` as its first coordinates in ``BASIS``."""
    coordinates = np.zeros(dimensions)
    coordinates[: len(values)] = values
    vector = (
        coordinates @ BASIS[:dimensions, :dimensions]
        if dimensions == 384
        else coordinates
    )
    return (vector / np.linalg.norm(vector)).astype(np.float32)


# Written after each change -----------------------------------------------------


def test_indexed_documents_get_vectors(committed, enqueued):
    with committed():
        for document in DOCUMENTS:
            index_document(document)

    assert len(enqueued) == 3
    assert vector_count(model=MODEL) == 3
    row = stored("printer")
    assert row.text_hash == hash_text("Label printer does not print. Check the queue.")
    vector = np.frombuffer(bytes(row.vector), dtype="<f4")
    expected = HashingEmbedder().embed_passages([passage_text(DOCUMENTS[0])])[0]
    assert np.allclose(vector, expected)
    assert stale_documents(None, HashingEmbedder()) == []


def test_unchanged_text_is_not_embedded_again(committed, enqueued):
    with committed():
        index_document(DOCUMENTS[0])
    before = stored("printer")

    with committed():
        index_document(
            doc(
                "printer",
                title=DOCUMENTS[0].title,
                summary="Check the queue.",
                body="New body.",
            )
        )

    assert len(enqueued) == 1
    assert stored("printer").updated_at == before.updated_at


def test_changed_text_is_embedded_again(committed, enqueued):
    with committed():
        index_document(DOCUMENTS[0])
    before = stored("printer")

    with committed():
        index_document(doc("printer", title="Label printer prints blank labels"))

    after = stored("printer")
    assert len(enqueued) == 2
    assert after.text_hash == hash_text("Label printer prints blank labels")
    assert after.updated_at > before.updated_at
    assert bytes(after.vector) != bytes(before.vector)


def test_body_characters_hash_alike_from_documents_and_rows(
    settings, committed, enqueued
):
    settings.SEARCH_EMBED_BODY_CHARS = 25
    body = "Open   the print queue\nand remove the stuck job, then print again."
    with committed():
        index_document(doc("printer", title="Printer", body=body))
    with committed():
        index_document(doc("printer", title="Printer", body=body + " More."))

    assert len(enqueued) == 1
    assert stored("printer").text_hash == hash_text("Printer Open the print queue")

    settings.SEARCH_EMBED_BODY_CHARS = 40
    assert [key for key, _lang, _text in stale_documents("en", HashingEmbedder())] == [
        "printer"
    ]


def test_documents_not_live_are_not_embedded(committed, enqueued):
    with committed():
        index_document(doc("draft", live=False))

    assert enqueued == []
    assert vector_count() == 0


def test_removed_document_loses_its_vectors(committed):
    with committed():
        for document in DOCUMENTS:
            index_document(document)

    remove_document("printer", "en")

    assert vector_count() == 2
    assert not SearchVector.objects.filter(key="printer").exists()


def test_rebuild_keeps_vectors_and_embeds_only_what_changed(committed, enqueued):
    with committed():
        for document in DOCUMENTS:
            index_document(document)
    kept = stored("tulostin", "fi")
    enqueued.clear()

    changed = doc("password", title="Reset a forgotten password")
    with committed():
        rebuild_index([DOCUMENTS[2], changed])

    assert enqueued == [[[["password", "en"]], "default"]]
    assert stored("tulostin", "fi").updated_at == kept.updated_at
    assert stored("password").text_hash == hash_text("Reset a forgotten password")
    assert not SearchVector.objects.filter(key="printer").exists()  # pruned


def test_no_embedder_enqueues_nothing(settings, committed, enqueued):
    settings.SEARCH_EMBEDDER = None
    with committed():
        for document in DOCUMENTS:
            index_document(document)
        rebuild_index(DOCUMENTS)

    assert enqueued == []
    assert vector_count() == 0


def test_failing_embedder_leaves_the_index_alone(settings, committed, caplog):
    settings.SEARCH_EMBEDDER = HERE + ".FailingEmbedder"
    with caplog.at_level(logging.WARNING), committed():
        index_document(DOCUMENTS[0])

    assert SearchDocument.objects.filter(key="printer").exists()
    assert vector_count() == 0
    warnings = [r.getMessage() for r in caplog.records if r.name == "search.tasks"]
    assert len(warnings) == 1
    assert "model server unreachable" in warnings[0]


# Storage -----------------------------------------------------------------------


def test_store_replaces_and_prune_drops_orphans(db):
    SearchDocument.objects.create(
        key="kept", lang="en", title="Kept", doc_type="guide", audience="all"
    )
    store_vectors(
        [
            ("kept", "en", "m", "a", unit(1)),
            ("kept", "en", "m", "b", unit(0, 1)),
            ("orphan", "en", "m", "c", unit(1)),
            ("kept", "fi", "m", "d", unit(1)),
        ]
    )
    store_vectors([("kept", "en", "other", "e", unit(1, dimensions=8))])

    assert vector_count("en", "m") == 2
    assert SearchVector.objects.get(key="kept", lang="en", model="m").text_hash == "b"
    assert prune_vectors() == 2
    assert sorted(SearchVector.objects.values_list("lang", "model")) == [
        ("en", "m"),
        ("en", "other"),
    ]
    with pytest.raises(ValueError):
        store_vectors([("kept", "en", "m", "f", np.array([np.nan, 1.0]))])


# Nearest neighbours ------------------------------------------------------------


def test_nearest_documents_best_first(db):
    store_vectors(
        [
            ("east", "en", "m", "h", unit(1, 0)),
            ("north", "en", "m", "h", unit(0, 1)),
            ("north-east", "en", "m", "h", unit(1, 1)),
            ("west", "en", "m", "h", unit(-1, 0.1)),
            ("other-lang", "fi", "m", "h", unit(1, 0)),
            ("other-model", "en", "n", "h", unit(1, 0)),
        ]
    )

    best = nearest_documents(unit(1, 0.2), "en", "m", 2)
    everything = nearest_documents(unit(1, 0.2), "en", "m", 100)

    assert [key for key, _score in best] == ["east", "north-east"]
    assert best[0][1] == pytest.approx(float(unit(1, 0.2) @ unit(1, 0)), abs=1e-3)
    assert [key for key, _score in everything] == [
        "east",
        "north-east",
        "north",
        "west",
    ]
    assert nearest_documents(unit(1), "en", "m", 0) == []
    assert nearest_documents(unit(1), "it", "m", 5) == []
    with pytest.raises(ValueError):
        nearest_documents(unit(1, dimensions=8), "en", "m", 5)


def test_nearest_documents_kept_by_the_caller_best_first(db):
    # A filter that leaves out most of the nearest: the candidates are asked
    # for best first, in growing rounds, until enough are kept.
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(300, 8)).astype(np.float32)
    store_vectors(
        [(f"doc-{n}", "en", "m", "h", vector) for n, vector in enumerate(vectors)]
    )
    query = rng.normal(size=8).astype(np.float32)
    asked: list[int] = []

    def keep(keys):
        asked.append(len(keys))
        return {key for key in keys if key.endswith("7")}

    found = nearest_documents(query, "en", "m", 4, keep=keep, first=8)

    every = nearest_documents(query, "en", "m", 300)
    assert found == [pair for pair in every if pair[0].endswith("7")][:4]
    assert asked[:2] == [8, 32]  # the best 8, then the next 32
    assert sum(asked) <= 300
    assert nearest_documents(query, "en", "m", 4, keep=lambda keys: set()) == []


def test_nearest_documents_at_scale_match_exact_cosines(db):
    rng = np.random.default_rng(7)
    shared = rng.standard_normal(384)  # e5-like: every vector near one direction
    matrix = shared + 0.6 * rng.standard_normal((3000, 384))
    matrix = (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype("f4")
    store_vectors((f"k{i}", "en", "m", "h", matrix[i]) for i in range(3000))
    query = matrix[42] + 0.02 * rng.standard_normal(384).astype("f4")
    query /= np.linalg.norm(query)

    found = nearest_documents(query, "en", "m", 20)

    exact = matrix @ query
    assert found[0][0] == "k42"
    assert [key for key, _ in found[:10]] == [f"k{i}" for i in np.argsort(-exact)[:10]]
    assert max(abs(score - exact[int(key[1:])]) for key, score in found) < 5e-4


def test_a_large_matrix_is_scored_in_two_halves_alike(db):
    # From _SPLIT_ROWS rows on, a second thread scores half of the matrix:
    # every row's score must be its own (16-bit values: close, not exact).
    rng = np.random.default_rng(11)
    count = vectors._SPLIT_ROWS + 3 * vectors._BLOCK_ROWS + 17
    matrix = rng.standard_normal((count, 8)).astype("f4")
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    store_vectors((f"k{i}", "en", "m", "h", matrix[i]) for i in range(count))
    query = rng.standard_normal(8).astype("f4")
    query /= np.linalg.norm(query)

    found = nearest_documents(query, "en", "m", count)

    exact = matrix @ query
    assert len(found) == count
    assert max(abs(score - exact[int(key[1:])]) for key, score in found) < 5e-3
    scores = [score for _key, score in found]
    assert scores == sorted(scores, reverse=True)


def test_own_writes_are_searched_at_once(db, settings):
    settings.SEARCH_VECTOR_STAMP_SECONDS = 3600
    store_vectors([("east", "en", "m", "h", unit(1, 0))])
    assert [k for k, _ in nearest_documents(unit(0, 1), "en", "m", 5)] == ["east"]

    store_vectors([("north", "en", "m", "h", unit(0, 1))])
    assert [k for k, _ in nearest_documents(unit(0, 1), "en", "m", 5)] == [
        "north",
        "east",
    ]

    remove_vectors("north", "en")
    assert [k for k, _ in nearest_documents(unit(0, 1), "en", "m", 5)] == ["east"]


def test_other_processes_writes_are_seen_after_the_stamp_interval(
    db, settings, monkeypatch
):
    settings.SEARCH_VECTOR_STAMP_SECONDS = 30
    store_vectors(
        [("east", "en", "m", "h", unit(1, 0)), ("south", "en", "m", "h", unit(0, -1))]
    )
    assert len(nearest_documents(unit(0, 1), "en", "m", 5)) == 2

    # Another process: the ORM writes below skip this process's invalidation.
    later = timezone.now() + timedelta(seconds=1)
    SearchVector.objects.bulk_create(
        [
            SearchVector(
                key="north",
                lang="en",
                model="m",
                text_hash="h",
                vector=unit(0, 1).tobytes(),
            )
        ]
    )
    SearchVector.objects.filter(key="east").update(
        vector=unit(0.2, 1).tobytes(), updated_at=later
    )
    SearchVector.objects.filter(key="south").delete()
    assert [k for k, _ in nearest_documents(unit(0, 1), "en", "m", 5)] == [
        "east",
        "south",
    ]  # not checked yet: the old matrix

    clock = time.monotonic() + 31
    monkeypatch.setattr(vectors, "time", types.SimpleNamespace(monotonic=lambda: clock))
    found = nearest_documents(unit(0, 1), "en", "m", 5)

    assert [k for k, _ in found] == ["north", "east"]
    assert found[1][1] == pytest.approx(float(unit(0.2, 1) @ unit(0, 1)), abs=1e-3)


# embed_articles ----------------------------------------------------------------


def embed_articles(*args):
    out = io.StringIO()
    call_command("embed_articles", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def indexed(db):
    """The documents indexed, without their vectors (the tasks never ran)."""
    for document in DOCUMENTS:
        index_document(document)
    return DOCUMENTS


def test_embed_articles_missing_by_language(indexed):
    output = embed_articles("--missing", "--language", "fi")

    assert "1 documents to embed with hashing-384." in output
    assert "1/1 (100%)" in output
    assert "1 documents embedded in" in output
    assert "per second" in output
    assert vector_count() == 1

    output = embed_articles("--missing", "--batch", "1")
    assert "2 documents to embed" in output
    assert "1/2 (50%)" in output and "2/2 (100%)" in output
    assert vector_count() == 3

    assert "0 documents embedded" in embed_articles("--missing")


def test_embed_articles_all_reembeds_and_prunes(indexed):
    embed_articles("--missing")
    before = stored("printer").updated_at
    store_vectors([("gone", "en", MODEL, "h", unit(1))])

    output = embed_articles()

    assert "3 documents to embed" in output
    assert "1 vectors of documents no longer indexed removed." in output
    assert "3 documents embedded" in output
    assert stored("printer").updated_at > before
    assert vector_count() == 3


def test_embed_articles_without_embedder(settings, indexed):
    settings.SEARCH_EMBEDDER = None

    with pytest.raises(CommandError, match="No embedder is configured"):
        embed_articles("--missing")
    assert vector_count() == 0


def test_embed_articles_reports_a_failing_model(settings, indexed):
    settings.SEARCH_EMBEDDER = HERE + ".FailingEmbedder"

    with pytest.raises(CommandError, match="model server unreachable"):
        embed_articles()
