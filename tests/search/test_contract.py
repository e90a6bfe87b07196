"""The contract every search backend passes, through the public services.

``TestDatabaseBackend`` runs on the database the suite runs on (SQLite, or
PostgreSQL with DATABASE_URL). ``TestElasticsearchBackend`` needs a real server
at ELASTICSEARCH_URL and is skipped without one.
"""

import os
import uuid
from dataclasses import replace
from datetime import date

import pytest

from search import services
from search.documents import SearchFilters, SearchQuery

from .corpus import CORPUS, ITALIAN, expected

CUSTOMERS = {"public", "customers"}
EVERYONE = {"public", "customers", "partners"}


def keys(results):
    return [hit.key for hit in results.hits]


def search(text, lang="it", **kwargs):
    return services.search_documents(SearchQuery(text=text, lang=lang, **kwargs))


class SearchBackendContract:
    """Behaviour users rely on, whatever backend answers."""

    @pytest.fixture
    def search_backends(self):
        raise NotImplementedError

    @pytest.fixture(autouse=True)
    def corpus(self, db, settings, search_backends):
        settings.SEARCH_BACKENDS = search_backends
        report = services.rebuild_index(CORPUS)
        assert not report.failed
        assert set(report.counts.values()) == {len(CORPUS)}

    # Ranking and matching -------------------------------------------------------

    def test_title_match_outranks_body_only_match(self):
        results = search("stampante")
        found = keys(results)
        assert found.index("kb-label-printer") < found.index("kb-transport-documents")
        assert results.matched_all_words

    def test_documents_with_every_word_rank_above_those_with_some(self):
        # kb-label-printer holds only "magazzino": it is still found (a
        # partial match is never dropped), after every document holding both.
        results = search("aggiornamento magazzino", page_size=20)
        found = keys(results)
        both = set(keys(search("aggiornamento", page_size=20))) & set(
            keys(search("magazzino", page_size=20))
        )
        assert len(both) > 1 and "kb-label-printer" not in both
        assert set(found[: len(both)]) == both
        assert "kb-label-printer" in found[len(both) :]
        assert results.total == len(found)
        assert "kb-vat-settlement" not in found
        assert results.matched_all_words

    @pytest.mark.parametrize(
        "text",
        [
            "W-220",
            "W-220 (Base) LOG10",
            "errore W-220: stampante?!",
            "stampante LOG10",
            '"stampante" AND (NOT etichette) OR *',
        ],
    )
    def test_punctuation_and_codes_neither_break_nor_narrow(self, text):
        # Operators of the engines' query languages are plain text here, and
        # a word no document holds leaves the others to find their article.
        assert "kb-label-printer" in keys(search(text, page_size=20))

    def test_a_word_as_typed_lifts_its_pages_above_other_forms(self, settings):
        # Stems let "parametrici" find every "parametro" (here in titles, which
        # weigh most); the page holding the index term itself, in its long
        # body only, comes up among the first.
        line = "zz-exact"
        for number in (1, 2, 3):
            services.index_document(
                replace(
                    ITALIAN[0],
                    key=f"kb-parameter-{number}",
                    title=f"Parametro di stampa {number}",
                    summary="Il parametro della stampa.",
                    body="Ogni parametro della stampa. I parametri e il parametro.",
                    product_line=line,
                    tags=[],
                    error_codes=[],
                )
            )
        filler = " ".join(["La forma dei pennelli si sceglie nella finestra."] * 30)
        services.index_document(
            replace(
                ITALIAN[0],
                key="kb-brushes",
                title="Pennelli",
                summary="Le forme dei pennelli.",
                body=f"{filler} I pennelli parametrici hanno una forma regolare.",
                product_line=line,
                tags=[],
                error_codes=[],
            )
        )
        only_line = SearchFilters(product_line=line)
        settings.SEARCH_EXACT_POOL = 0
        stemmed = keys(search("parametrici", filters=only_line))
        assert stemmed.index("kb-brushes") == 3
        settings.SEARCH_EXACT_POOL = 40
        # Fourth by the stems: 2/4 + half of its words found (in the text) =
        # 1.0, above the third's 2/3, level with the second's 2/2 (which
        # keeps its place).
        results = search("parametrici", filters=only_line, page_size=3)
        assert keys(results)[2] == "kb-brushes"
        # Lifted from beyond the page, it is highlighted like the rest.
        assert "<mark>" in results.hits[2].snippet
        assert all(hit.title_html for hit in results.hits)

    def test_texts_for_reads_titles_and_text_as_indexed(self):
        from search.backends import get_search_backend

        document = next(d for d in ITALIAN if d.key == "kb-vat-settlement")
        texts = get_search_backend().texts_for(
            ["kb-vat-settlement", "kb-no-such-page"], "it"
        )
        assert set(texts) == {"kb-vat-settlement"}
        title, text = texts["kb-vat-settlement"]
        assert title == document.title
        assert document.body.split()[0] in text
        services.remove_document("kb-vat-settlement", "it")
        assert get_search_backend().texts_for(["kb-vat-settlement"], "it") == {}

    def test_punctuation_alone_finds_nothing(self):
        for text in ("(", ")))", '"', "-", "*:*", "'; DROP TABLE x; --"):
            assert search(text).total == 0

    def test_italian_plural_finds_singular(self):
        assert "kb-label-printer" in keys(search("stampanti"))

    def test_finnish_inflected_forms_find_base_forms(self):
        assert keys(search("laskuja", lang="fi")) == ["kb-invoice-terms"]

    def test_finnish_compounds_find_their_parts(self):
        # "Network printer": the article only says "tulostin" (printer).
        assert keys(search("verkkotulostin", lang="fi")) == ["kb-label-printer"]

    def test_finnish_question_words_are_not_required(self):
        assert search("miksi ja miten", lang="fi").total == 0
        results = search("Miksi tulostin ei käynnisty?", lang="fi")
        assert keys(results) == ["kb-label-printer"]

    def test_camel_case_words_match_their_pieces(self):
        # Help texts lose the markup between menu names and keys
        # ("LabelPrinter" for "Label ▸ Printer").
        assert keys(search("LabelPrinter", lang="en")) == ["kb-label-printer"]

    def test_english_stemming(self):
        assert keys(search("printers", lang="en")) == ["kb-label-printer"]

    def test_accents_are_optional(self):
        assert "kb-vat-settlement" in keys(search("contabilita"))
        assert "kb-vat-settlement" in keys(search("CONTABILITÀ"))

    def test_synonyms(self):
        assert "kb-label-printer" in keys(search("printer", lang="it"))

    def test_documents_of_other_languages_are_not_returned(self):
        assert search("stampante", lang="fi").total == 0
        assert keys(search("warehouse", lang="en")) == ["kb-label-printer"]

    def test_other_languages_answer_when_the_readers_has_too_little(self, settings):
        # No Finnish document holds "warehouse"; the English one does, and
        # comes marked with its language.
        results = search("warehouse", lang="fi")
        assert [(hit.key, hit.lang) for hit in results.hits] == [
            ("kb-label-printer", "en")
        ]
        assert results.total == 1
        settings.SEARCH_FALLBACK_LANGUAGES = {}
        assert search("warehouse", lang="fi").total == 0

    def test_stopwords_alone_find_nothing(self):
        results = search("il della")
        assert results.total == 0
        assert results.hits == []

    def test_long_description_falls_back_to_any_word(self):
        results = search(
            "Da ieri le etichette non escono più dalla stampante del magazzino, "
            "dopo che abbiamo installato l'aggiornamento del programma: cosa "
            "possiamo fare?"
        )
        assert not results.matched_all_words
        assert keys(results)[0] == "kb-labels-after-update"
        assert "kb-label-printer" in keys(results)

    def test_a_rare_word_weighs_more_than_a_common_one(self):
        template = next(d for d in ITALIAN if d.key == "kb-vat-settlement")
        for n in range(5):
            services.index_document(
                replace(
                    template,
                    key=f"kb-toner-{n}",
                    title=f"Manutenzione periodica {n}",
                    summary="",
                    body="Il toner va sostituito quando il toner è esaurito.",
                    tags=(),
                )
            )
        services.index_document(
            replace(
                template,
                key="kb-zeolite",
                title="Manutenzione del filtro",
                summary="",
                body="Il filtro alla zeolite va sostituito ogni anno.",
                tags=(),
            )
        )

        results = search("toner zeolite")

        assert not results.matched_all_words
        assert keys(results)[0] == "kb-zeolite"
        assert len(results.hits) == 6

    # Access ------------------------------------------------------------------

    def test_visibility(self):
        assert "kb-partner-reinstall" not in keys(
            search("reinstallazione server", visibility=CUSTOMERS)
        )
        assert keys(search("reinstallazione server", visibility=EVERYONE))[0] == (
            "kb-partner-reinstall"
        )
        assert "kb-financial-statements" not in keys(search("bilancio"))
        assert "kb-financial-statements" in keys(
            search("bilancio", visibility=CUSTOMERS)
        )

    def test_documents_not_live_are_never_returned(self):
        assert search("bozza", visibility=EVERYONE).total == 0
        assert "kb-draft-fiscal-printer" not in keys(
            search("bozza registratore fiscale", visibility=EVERYONE)
        )
        assert services.suggest("bozz", "it", visibility=EVERYONE) == []
        assert services.did_you_mean("bozze", "it", visibility=EVERYONE) is None

    def test_removed_documents_disappear(self):
        assert "kb-vat-settlement" in keys(search("liquidazione"))
        services.remove_document("kb-vat-settlement", "it")
        assert search("liquidazione").total == 0
        # Only the Italian entry went.
        services.remove_document("kb-invoice-terms", "fi")
        assert keys(search("invoice", lang="en")) == ["kb-invoice-terms"]

    def test_reindexed_documents_are_found_by_their_new_words(self):
        document = next(d for d in ITALIAN if d.key == "kb-vat-settlement")
        services.index_document(
            replace(
                document,
                title="Versamento IVA mensile",
                summary="",
                body="Il versamento si calcola ogni mese.",
            )
        )
        assert search("liquidazione trimestrale").total == 0
        assert keys(search("versamento mensile")) == ["kb-vat-settlement"]
        assert search("iva").total == 1

    def test_unpublishing_hides_a_document(self):
        document = next(d for d in ITALIAN if d.key == "kb-vat-settlement")
        services.index_document(replace(document, live=False))
        assert search("liquidazione").total == 0

    # Filters and facets --------------------------------------------------------

    @pytest.mark.parametrize(
        "filters",
        [
            {"product_line": "warehouse"},
            {"area": "shipping"},
            {"doc_type": "faq"},
            {"audience": "expert"},
            {"tag": "etichette"},
            {"product_line": "warehouse", "audience": "all"},
        ],
    )
    def test_each_filter(self, filters):
        results = search("", filters=SearchFilters(**filters), page_size=100)
        assert sorted(keys(results)) == sorted(d.key for d in expected("it", **filters))
        assert results.total == len(results.hits)
        with_words = search("aggiornamento", filters=SearchFilters(**filters))
        assert set(keys(with_words)) <= set(keys(results))

    def test_date_filters(self):
        filters = SearchFilters(date_from=date(2024, 3, 1), date_to=date(2024, 6, 1))
        results = search("", filters=filters, page_size=100)
        assert sorted(keys(results)) == [
            "kb-label-printer",
            "kb-labels-after-update",
            "kb-payslip-pdf",
        ]

    def test_facet_counts_honour_the_other_filters(self):
        results = search(
            "",
            filters=SearchFilters(product_line="warehouse"),
            facets=["product_line", "doc_type", "audience", "tag"],
        )
        public = expected("it")
        warehouse = expected("it", product_line="warehouse")
        # Its own filter is left out: the other product lines stay on offer.
        assert dict(results.facets["product_line"]) == {
            "warehouse": len(warehouse),
            "accounting": sum(1 for d in public if d.product_line == "accounting"),
            "payroll": 1,
        }
        assert dict(results.facets["doc_type"]) == {
            "guide": 1,
            "reference": 1,
            "faq": 1,
            "technote": 12,
        }
        assert dict(results.facets["tag"])["etichette"] == 2
        assert dict(results.facets["tag"])["aggiornamento"] == 13
        assert results.facets["tag"][0] == ("aggiornamento", 13)
        assert results.total == len(warehouse)

    def test_facets_with_words_and_a_tag_filter(self):
        results = search(
            "stampante",
            filters=SearchFilters(tag="etichette"),
            facets=["area", "tag"],
        )
        assert sorted(keys(results)) == ["kb-label-printer", "kb-labels-after-update"]
        assert dict(results.facets["area"]) == {"shipping": 2}
        assert dict(results.facets["tag"]) == {
            "etichette": 2,
            "stampa": 1,
            "aggiornamento": 1,
            "ddt": 1,
        }

    # Presentation --------------------------------------------------------------

    def test_snippets_mark_matches_and_escape_the_rest(self):
        results = search("saldo", visibility=CUSTOMERS)
        (hit,) = results.hits
        assert "<mark>saldo</mark>" in hit.snippet
        assert "&lt;Errore 12&gt; &amp;" in hit.snippet
        assert "<Errore" not in hit.snippet
        assert hit.title == "Bilancio d'esercizio: chiusura dei conti"
        assert hit.url == "/it/kb/kb-financial-statements/"
        assert hit.published == date(2023, 12, 28)

    def test_titles_are_highlighted(self):
        (hit, *_rest) = search("stampanti").hits
        assert hit.title_html.startswith("<mark>Stampante</mark> di etichette")

    def test_pagination(self):
        first = search("aggiornamento", page=1, page_size=5)
        second = search("aggiornamento", page=2, page_size=5)
        third = search("aggiornamento", page=3, page_size=5)
        assert first.total == second.total == third.total == 13
        assert len(first.hits) == len(second.hits) == 5
        assert len(third.hits) == 3
        pages = keys(first) + keys(second) + keys(third)
        assert len(set(pages)) == 13
        assert first.num_pages == 3

    def test_page_size_is_capped(self, settings):
        settings.SEARCH_MAX_PAGE_SIZE = 4
        results = search("aggiornamento", page_size=1000)
        assert results.page_size == 4
        assert len(results.hits) == 4
        assert results.total == 13

    def test_browsing_without_words_lists_newest_first(self):
        results = search("", page_size=100)
        assert results.total == len(expected("it"))
        dates = [hit.published for hit in results.hits]
        assert dates == sorted(dates, reverse=True)
        assert results.hits[0].snippet == (
            "Etichette bloccate dopo un aggiornamento: cosa fare."
        )

    def test_nothing_is_readable_without_visibility(self):
        assert search("stampante", visibility=set()).total == 0

    def test_sort_by_date(self):
        results = search("aggiornamento", sort="date", page_size=100)
        dates = [hit.published for hit in results.hits]
        assert dates == sorted(dates, reverse=True)

    # Spelling and suggestions ----------------------------------------------------

    def test_did_you_mean_corrects_a_typo(self):
        results = search("stampnte")
        # A backend may match the misspelt word as it is, or offer the
        # correction because nothing (or too little) was found.
        assert results.did_you_mean == "stampante" or (
            "kb-label-printer" in keys(results) and results.did_you_mean is None
        )
        assert services.did_you_mean("stampnte", "it") == "stampante"
        assert services.did_you_mean("etichete stampnte", "it") == (
            "etichette stampante"
        )
        assert services.did_you_mean("stampante", "it") is None

    def test_did_you_mean_never_reveals_restricted_words(self):
        assert services.did_you_mean("reinstalazione", "it") is None
        assert (
            services.did_you_mean("reinstalazione", "it", visibility=EVERYONE)
            == "reinstallazione"
        )

    def test_suggest_completes_the_last_word(self):
        suggestions = services.suggest("stam", "it")
        assert suggestions[0].title.startswith("Stampante")
        assert suggestions[0].url == "/it/kb/kb-label-printer/"
        assert "<mark>Stam" in suggestions[0].title_html
        assert services.suggest("etichette ins", "it")[0].key == "kb-label-printer"

    def test_suggest_filters(self):
        assert services.suggest("stam", "it", product_line="payroll") == []
        assert [s.key for s in services.suggest("bila", "it")] == []
        assert [
            s.key for s in services.suggest("bila", "it", visibility=CUSTOMERS)
        ] == ["kb-financial-statements"]
        assert services.suggest("tulo", "fi")[0].key == "kb-label-printer"
        assert services.suggest("s", "it") == []


class TestDatabaseBackend(SearchBackendContract):
    @pytest.fixture
    def search_backends(self):
        return {"default": {"BACKEND": "search.backends.database"}}

    def test_hits_beyond_the_highlighted_ones_come_plain(self):
        from search.backends import get_search_backend

        query = SearchQuery(text="stampante", lang="it", page_size=5, highlight=1)
        hits = get_search_backend().search(query).hits
        assert len(hits) > 1
        assert "<mark>" in hits[0].title_html
        assert all(hit.title_html == hit.snippet == "" for hit in hits[1:])

    def test_search_offers_a_correction_when_nothing_is_found(self):
        results = search("stampnte")
        assert results.total == 0
        assert results.did_you_mean == "stampante"
        # Words are matched as typed: the correction is for the user to pick.
        assert search("la stampnte").did_you_mean == "la stampante"


@pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"),
    reason="ELASTICSEARCH_URL is not set: no Elasticsearch server to test against.",
)
class TestElasticsearchBackend(SearchBackendContract):
    @pytest.fixture
    def search_backends(self):
        url = os.environ["ELASTICSEARCH_URL"]
        prefix = f"sportello-test-{uuid.uuid4().hex[:8]}"
        yield {
            "default": {
                "BACKEND": "search.backends.elasticsearch",
                "URLS": [url],
                "INDEX_PREFIX": prefix,
                "REFRESH": True,
            }
        }
        from elasticsearch import Elasticsearch

        Elasticsearch(url).options(ignore_status=404).indices.delete(
            index=f"{prefix}-*"
        )
