"""The Elasticsearch backend without an Elasticsearch server.

Mappings and request bodies are checked as the JSON the server would receive.
An unreachable server is a real one: a closed local port. The contract tests
run against a live server when ELASTICSEARCH_URL is set (test_contract.py).
"""

import logging
from dataclasses import replace
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from search import services
from search.backends.elasticsearch.mapping import document_body, index_definition
from search.backends.elasticsearch.queries import build_search, build_suggest
from search.documents import SearchFilters, SearchQuery
from search.providers import register_document_provider, unregister_document_provider

from .corpus import CORPUS, ITALIAN

UNREACHABLE = {
    "default": {
        "BACKEND": "search.backends.elasticsearch",
        # Port 9 (discard) is closed here: connections are refused at once.
        "URLS": ["http://127.0.0.1:9"],
        "TIMEOUT": 0.5,
        "MAX_RETRIES": 0,
    }
}


def analysis(lang):
    return index_definition(f"sportello-{lang}-1", lang).to_dict()


class TestIndexDefinition:
    def test_each_language_has_its_stemmer_and_folds_accents(self):
        for lang, stemmer in (("it", "italian"), ("fi", "finnish"), ("en", "porter2")):
            settings = analysis(lang)["settings"]["analysis"]
            assert settings["filter"][f"{lang}_stemmer"] == {
                "type": "stemmer",
                "language": stemmer,
            }
            filters = settings["analyzer"][f"{lang}_text"]["filter"]
            assert filters.index("asciifolding") < filters.index(f"{lang}_stemmer")

    def test_synonyms_apply_when_searching_only(self):
        settings = analysis("it")["settings"]["analysis"]
        synonyms = settings["filter"]["it_synonyms"]
        assert synonyms["type"] == "synonym_graph"
        assert "stampante, printer" in synonyms["synonyms"]
        assert "it_synonyms" in settings["analyzer"]["it_text_search"]["filter"]
        assert "it_synonyms" not in settings["analyzer"]["it_text"]["filter"]

    def test_finnish_inflected_stems_are_normalised_before_stemming(self):
        settings = analysis("fi")["settings"]["analysis"]
        filters = settings["analyzer"]["fi_text"]["filter"]
        assert filters[-3:] == ["fi_ime_1", "fi_ime_2", "fi_stemmer"]
        assert settings["filter"]["fi_ime_2"]["type"] == "pattern_replace"
        assert settings["filter"]["fi_ime_2"]["replacement"] == "$1in"

    def test_mapping(self):
        mapping = analysis("it")["mappings"]["properties"]
        assert mapping["title"]["analyzer"] == "it_text"
        assert mapping["title"]["search_analyzer"] == "it_text_search"
        assert mapping["title_suggest"]["type"] == "search_as_you_type"
        for field in ("product_line", "area", "doc_type", "audience", "tags"):
            assert mapping[field]["type"] == "keyword"
        assert mapping["published"]["type"] == "date"
        assert mapping["spell"]["analyzer"] == "folded"

    def test_document_source(self):
        source = document_body(ITALIAN[0])
        assert source["title_suggest"] == source["title"]
        assert source["keywords"] == "etichette stampa W-220"
        assert source["published"] == "2024-03-10"


class TestRequestBodies:
    def test_search_with_filters_and_facets(self):
        query = SearchQuery(
            text="stampante etichette",
            lang="it",
            filters=SearchFilters(
                product_line="warehouse", tag="etichette", date_from=date(2024, 1, 1)
            ),
            visibility={"public", "customers"},
            facets=["product_line", "tag"],
            page=2,
            page_size=5,
        )
        body = build_search(
            query, ["stampante", "etichette"], "and", index="x", offset=5, size=5
        ).to_dict()
        bool_query = body["query"]["bool"]
        assert bool_query["filter"] == [
            {"term": {"live": True}},
            {"terms": {"visibility": ["customers", "public"]}},
            {"range": {"published": {"gte": "2024-01-01"}}},
        ]
        (words,) = bool_query["must"]
        first = words["bool"]["must"][0]["multi_match"]
        assert first["query"] == "stampante"
        assert first["fuzziness"] == "AUTO"
        assert first["prefix_length"] >= 1
        assert first["fields"][0] == "title^4"
        assert body["post_filter"] == {
            "bool": {
                "filter": [
                    {"term": {"product_line": "warehouse"}},
                    {"term": {"tags": "etichette"}},
                ]
            }
        }
        # Each facet honours the other filters, not its own.
        assert body["aggs"]["product_line"]["filter"] == {
            "bool": {"filter": [{"term": {"tags": "etichette"}}]}
        }
        assert body["aggs"]["tag"]["aggs"]["values"]["terms"]["field"] == "tags"
        assert body["highlight"]["pre_tags"] == ["<mark>"]
        assert body["highlight"]["encoder"] == "html"
        assert (body["from"], body["size"]) == (5, 5)
        assert body["sort"][0] == "_score"

    def test_any_word_search_and_date_sort(self):
        query = SearchQuery(text="a b", lang="it", sort="date")
        body = build_search(query, ["a", "b"], "or", index="x", offset=0, size=10)
        words = body.to_dict()["query"]["bool"]["must"][0]["bool"]
        assert words["minimum_should_match"] == 1
        assert len(words["should"]) == 2
        assert body.to_dict()["sort"][0] == {
            "published": {"order": "desc", "missing": "_last"}
        }

    def test_browse_without_words(self):
        query = SearchQuery(text="", lang="fi")
        body = build_search(query, None, "and", index="x", offset=0, size=10).to_dict()
        assert body["query"]["bool"]["must"] == [{"match_all": {}}]
        assert "highlight" not in body or "fields" not in body["highlight"]

    def test_suggest(self):
        body = build_suggest(
            "stam",
            index="x",
            product_line="warehouse",
            visibility={"public"},
            limit=8,
        ).to_dict()
        match = body["query"]["bool"]["must"][0]["multi_match"]
        assert match["type"] == "bool_prefix"
        assert "title_suggest._2gram" in match["fields"]
        assert {"term": {"product_line": "warehouse"}} in body["query"]["bool"][
            "filter"
        ]
        assert body["size"] == 8


class TestUnreachableServer:
    """Elasticsearch configured but down: the database answers."""

    @pytest.fixture(autouse=True)
    def unreachable(self, db, settings):
        settings.SEARCH_BACKENDS = UNREACHABLE

    def test_rebuild_fills_the_database_and_reports_elasticsearch(self, caplog):
        with caplog.at_level(logging.WARNING, logger="search"):
            report = services.rebuild_index(CORPUS)
        assert report.counts == {"database": len(CORPUS)}
        assert set(report.failed) == {"default"}
        assert "Rebuild of search backend 'default' failed" in caplog.text

    def test_searches_are_answered_from_the_database(self, caplog):
        services.rebuild_index(CORPUS)
        with caplog.at_level(logging.WARNING, logger="search"):
            results = services.search_documents(
                SearchQuery(text="stampanti", lang="it", facets=["area"])
            )
            suggestions = services.suggest("stam", "it")
            correction = services.did_you_mean("stampnte", "it")
        assert results.hits[0].key == "kb-label-printer"
        assert "<mark>" in results.hits[0].snippet
        assert dict(results.facets["area"])["shipping"] == 3
        assert suggestions[0].title.startswith("Stampante")
        assert correction == "stampante"
        assert caplog.text.count("unavailable") == 3
        assert "answering from 'database'" in caplog.text

    def test_writes_reach_the_database(self, caplog):
        services.rebuild_index(CORPUS)
        document = replace(ITALIAN[0], key="kb-new", title="Magazzino remoto")
        with caplog.at_level(logging.WARNING, logger="search"):
            services.index_document(document)
            services.remove_document("kb-vat-settlement", "it")
        assert "Could not index kb-new (it)" in caplog.text
        found = services.search_documents(SearchQuery(text="remoto", lang="it"))
        assert [hit.key for hit in found.hits] == ["kb-new"]
        gone = services.search_documents(SearchQuery(text="liquidazione", lang="it"))
        assert gone.total == 0

    def test_rebuild_command_reports_the_failure(self, capsys):
        register_document_provider("corpus", lambda: CORPUS)
        try:
            with pytest.raises(CommandError, match="not rebuilt"):
                call_command("rebuild_search_index")
        finally:
            unregister_document_provider("corpus")
        output = capsys.readouterr()
        assert f"database: {len(CORPUS)} documents indexed" in output.out
        assert "default: not rebuilt" in output.err
