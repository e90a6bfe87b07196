"""The Elasticsearch backend without an Elasticsearch server.

Mappings and request bodies are checked as the JSON the server would receive.
An unreachable server is a real one: a closed local port. The contract tests
run against a live server when ELASTICSEARCH_URL is set (test_contract.py).
"""

import json
import logging
from dataclasses import replace
from datetime import date
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders

from search import services
from search.analysis import camel_case_words, compound_candidates, parse_query
from search.backends.elasticsearch import ElasticsearchSearchBackend
from search.backends.elasticsearch.mapping import document_body, index_definition
from search.backends.elasticsearch.queries import (
    build_known_terms,
    build_search,
    build_suggest,
    compound_parts,
    corrected_text,
    known_terms,
    spelling_suggester,
)
from search.documents import SearchFilters, SearchQuery
from search.providers import register_document_provider, unregister_document_provider
from search.stopwords import STOPWORDS

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

    @pytest.mark.parametrize("lang", ["it", "fi", "en"])
    def test_stopwords_are_the_database_backends_lists(self, lang):
        # Not Elasticsearch's own "_italian_"/"_finnish_"/"_english_" lists:
        # both backends drop the same words ("ja", "miksi", "il", "della").
        settings = analysis(lang)["settings"]["analysis"]
        stop = settings["filter"][f"{lang}_stop"]
        assert stop["type"] == "stop"
        assert stop["stopwords"] == sorted(STOPWORDS[lang])
        for analyzer in (f"{lang}_text", f"{lang}_text_search"):
            filters = settings["analyzer"][analyzer]["filter"]
            # Folded before the lists (which are folded: "perche", "piu").
            assert filters.index("lowercase") < filters.index("asciifolding")
            assert filters.index("asciifolding") < filters.index(f"{lang}_stop")
            assert filters.index(f"{lang}_stop") < filters.index(f"{lang}_stemmer")

    @pytest.mark.parametrize("lang", ["it", "fi", "en"])
    def test_accents_are_folded_everywhere(self, lang):
        settings = analysis(lang)["settings"]["analysis"]
        for analyzer in (f"{lang}_text", f"{lang}_text_search", "folded"):
            assert "asciifolding" in settings["analyzer"][analyzer]["filter"]

    @pytest.mark.parametrize("lang", ["it", "fi", "en"])
    def test_synonym_rules_are_read_with_folded_letters(self, lang):
        # synonym_graph parses its rules with the filters before it: folded
        # ("sähköposti" as "sahkoposti"), and before the stopwords go so that
        # no rule is emptied. No filter that stacks tokens may precede it
        # (Elasticsearch refuses word_delimiter_graph there).
        filters = analysis(lang)["settings"]["analysis"]["analyzer"][
            f"{lang}_text_search"
        ]["filter"]
        synonyms = filters.index(f"{lang}_synonyms")
        assert filters.index("asciifolding") < synonyms < filters.index(f"{lang}_stop")
        assert not any("word_delimiter" in str(f) for f in filters[:synonyms])

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

    def test_titles_whole_and_snippets_escaped_and_marked(self):
        query = SearchQuery(text="saldo", lang="it")
        body = build_search(query, ["saldo"], "and", index="x", offset=0, size=10)
        highlight = body.to_dict()["highlight"]
        # The html encoder escapes the text ("<Errore 12> &"); <mark> is the
        # only markup.
        assert highlight["encoder"] == "html"
        assert (highlight["pre_tags"], highlight["post_tags"]) == (
            ["<mark>"],
            ["</mark>"],
        )
        assert highlight["fields"]["title"] == {"number_of_fragments": 0}
        assert highlight["fields"]["body"]["number_of_fragments"] == 1

    def test_did_you_mean_asks_for_missing_words_only(self):
        body = spelling_suggester(
            build_search(
                SearchQuery(text="stampnte", lang="it"),
                ["stampnte"],
                "and",
                index="x",
                offset=0,
                size=10,
            ),
            "stampnte",
        ).to_dict()
        term = body["suggest"]["spelling"]["term"]
        assert body["suggest"]["spelling"]["text"] == "stampnte"
        # Words as written (folded, not stemmed), first letter kept.
        assert term["field"] == "spell"
        assert term["suggest_mode"] == "missing"
        assert term["prefix_length"] == 1
        entries = [
            {"offset": 0, "length": 8, "options": [{"text": "etichette"}]},
            {"offset": 9, "length": 8, "options": [{"text": "stampante"}]},
        ]
        assert corrected_text("etichete stampnte", entries) == "etichette stampante"
        assert (
            corrected_text("stampante", [{"offset": 0, "length": 9, "options": []}])
            is None
        )

    def test_browse_without_words(self):
        query = SearchQuery(text="", lang="fi")
        body = build_search(query, None, "and", index="x", offset=0, size=10).to_dict()
        assert body["query"]["bool"]["must"] == [{"match_all": {}}]
        assert "highlight" not in body or "fields" not in body["highlight"]

    def test_camel_case_word_matches_as_typed_or_by_its_pieces(self):
        text = "LabelPrinter"
        parsed = parse_query(text, "en")
        camel = camel_case_words(text, "en")
        assert parsed.phrases == ("label printer",)
        assert camel == {"label printer": "labelprinter"}
        query = SearchQuery(text=text, lang="en")
        body = build_search(
            query, parsed.phrases, "and", index="x", offset=0, size=10, camel=camel
        ).to_dict()
        (clause,) = body["query"]["bool"]["must"][0]["bool"]["must"]
        whole, pieces = clause["bool"]["should"]
        assert clause["bool"]["minimum_should_match"] == 1
        assert whole["multi_match"]["query"] == "labelprinter"
        assert whole["multi_match"]["fuzziness"] == "AUTO"
        # The pieces one after the other, as the database matches them.
        assert pieces == {
            "multi_match": {
                "query": "label printer",
                "fields": ["title^4", "keywords^3", "summary^2", "body"],
                "type": "phrase",
            }
        }

    def test_words_without_camel_case_or_parts_stay_one_clause(self):
        query = SearchQuery(text="printers", lang="en")
        body = build_search(
            query, ["printers"], "and", index="x", offset=0, size=10, camel={}
        ).to_dict()
        (clause,) = body["query"]["bool"]["must"][0]["bool"]["must"]
        assert clause["multi_match"]["query"] == "printers"

    def test_compound_parts_are_looked_up_in_one_request(self):
        candidates = compound_candidates("verkkotulostimen")
        # The tail's -ime- form is looked up as the -in word it inflects.
        assert "tulostin" in candidates and "verkko" in candidates
        body = build_known_terms(
            candidates, index="x", visibility={"public", "customers"}
        ).to_dict()
        assert body["size"] == 0
        assert body["query"]["bool"]["filter"] == [
            {"term": {"live": True}},
            {"terms": {"visibility": ["customers", "public"]}},
        ]
        filters = body["aggs"]["known"]["filters"]["filters"]
        assert filters["tulostin"] == {"term": {"spell": "tulostin"}}
        assert set(filters) == set(candidates)

    def test_compounds_are_cut_where_the_index_knows_a_part(self):
        response = {
            "aggregations": {
                "known": {
                    "buckets": {
                        "tulostin": {"doc_count": 1},
                        "verkko": {"doc_count": 0},
                        "kanssa": {"doc_count": 3},
                    }
                }
            }
        }
        known = known_terms(response, "fi")
        # Stopwords are no parts (the database's vocabulary has none).
        assert known == {"tulostin"}
        assert compound_parts(
            ["verkkotulostimen", "verkkotulostin", "tulostin", "label printer"], known
        ) == {
            "verkkotulostimen": ("verkko", "tulostin"),
            "verkkotulostin": ("verkko", "tulostin"),
        }
        assert compound_parts(["laskutus"], {"lasku"}) == {}

    def test_a_compound_matches_as_typed_or_by_either_part(self):
        query = SearchQuery(text="verkkotulostimen ei", lang="fi")
        body = build_search(
            query,
            ["verkkotulostimen"],
            "or",
            index="x",
            offset=0,
            size=10,
            parts={"verkkotulostimen": ("verkko", "tulostin")},
        ).to_dict()
        words = body["query"]["bool"]["must"][0]["bool"]
        assert words["minimum_should_match"] == 1
        (clause,) = words["should"]
        texts = [m["multi_match"]["query"] for m in clause["bool"]["should"]]
        assert texts == ["verkkotulostimen", "verkko", "tulostin"]
        assert clause["bool"]["minimum_should_match"] == 1

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


class FakeServer(BaseNode):
    """A node answering as an Elasticsearch server would, from a few words
    and hits set by the test: enough to follow the requests a search makes.
    Relevance is not simulated: the test says what each request finds."""

    vocabulary: set[str] = set()
    all_words_hits: list[dict] = []
    any_word_hits: list[dict] = []
    requests: list[tuple[str, str, dict]] = []

    def perform_request(self, method, target, body=None, headers=None, **kwargs):
        request = json.loads(body) if body else {}
        self.requests.append((method, target, request))
        if target.split("?")[0].endswith("/_count"):
            answer = {"count": 0}
        elif "known" in request.get("aggs", {}):
            filters = request["aggs"]["known"]["filters"]["filters"]
            buckets = {
                word: {"doc_count": int(word in self.vocabulary)} for word in filters
            }
            answer = {
                "hits": {"total": {"value": 0}, "hits": []},
                "aggregations": {"known": {"buckets": buckets}},
            }
        else:
            words = request["query"]["bool"]["must"][0]["bool"]
            hits = self.all_words_hits if "must" in words else self.any_word_hits
            answer = {"hits": {"total": {"value": len(hits)}, "hits": hits}}
            if "suggest" in request:
                text = request["suggest"]["spelling"]["text"]
                answer["suggest"] = {
                    "spelling": [
                        {"text": text, "offset": 0, "length": len(text), "options": []}
                    ]
                }
        meta = ApiResponseMeta(
            status=200,
            http_version="1.1",
            headers=HttpHeaders(
                {
                    "content-type": "application/json",
                    "x-elastic-product": "Elasticsearch",
                }
            ),
            duration=0.0,
            node=self.config,
        )
        return SimpleNamespace(meta=meta, body=json.dumps(answer).encode())


def source_hit(key, title):
    return {
        "_score": 1.0,
        "_source": {"key": key, "title": title, "url": f"/fi/kb/{key}/"},
        "highlight": {"title": [title]},
    }


class TestSearchRequests:
    """The requests one search makes, against ``FakeServer``."""

    @pytest.fixture
    def server(self):
        server = type(
            "Server",
            (FakeServer,),
            {
                "vocabulary": {"tulostin", "verkkoon", "kaynnisty"},
                "all_words_hits": [],
                "any_word_hits": [source_hit("kb-label-printer", "Tulostin")],
                "requests": [],
            },
        )
        return server

    @pytest.fixture
    def backend(self, server):
        return ElasticsearchSearchBackend(
            "default",
            {"URLS": ["http://search.invalid:9200"], "OPTIONS": {"node_class": server}},
        )

    def test_a_finnish_compound_found_nowhere_is_searched_by_its_parts(
        self, server, backend
    ):
        results = backend.search(SearchQuery(text="verkkotulostimen", lang="fi"))
        assert [hit.key for hit in results.hits] == ["kb-label-printer"]
        assert not results.matched_all_words
        all_words, lookup, any_word = (request for _m, _t, request in server.requests)
        assert "must" in all_words["query"]["bool"]["must"][0]["bool"]
        assert lookup["aggs"]["known"]["filters"]["filters"]["tulostin"] == {
            "term": {"spell": "tulostin"}
        }
        (clause,) = any_word["query"]["bool"]["must"][0]["bool"]["should"]
        texts = [m["multi_match"]["query"] for m in clause["bool"]["should"]]
        assert texts == ["verkkotulostimen", "verkko", "tulostin"]
        assert all(
            target == "/sportello-fi/_search" for _m, target, _r in server.requests
        )

    def test_a_found_compound_is_not_cut(self, server, backend):
        server.all_words_hits = [source_hit("kb-label-printer", "Tulostin")]
        results = backend.search(SearchQuery(text="verkkotulostin", lang="fi"))
        assert results.matched_all_words
        assert len(server.requests) == 1

    def test_other_languages_are_not_cut(self, server, backend):
        results = backend.search(SearchQuery(text="stampantelaser", lang="it"))
        assert results.total == 0
        assert len(server.requests) == 1

    @pytest.mark.parametrize(
        ("text", "lang"), [("il della", "it"), ("miksi ja miten", "fi")]
    )
    def test_stopwords_alone_ask_nothing(self, server, backend, text, lang):
        results = backend.search(SearchQuery(text=text, lang=lang))
        assert results.total == 0
        assert server.requests == []


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
