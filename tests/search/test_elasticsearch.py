"""The Elasticsearch backend without an Elasticsearch server.

Mappings and request bodies are checked as the JSON the server would receive.
An unreachable server is a real one: a closed local port. The contract tests
run against a live server when ELASTICSEARCH_URL is set (test_contract.py).
"""

import json
import logging
import re
from dataclasses import replace
from datetime import date
from types import SimpleNamespace

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders

from search import services
from search.analysis import camel_case_words, compound_candidates, parse_query
from search.backends import SearchBackendUnavailable
from search.backends.elasticsearch import ElasticsearchSearchBackend
from search.backends.elasticsearch.mapping import (
    document_body,
    index_definition,
    vector_model,
)
from search.backends.elasticsearch.queries import (
    build_hits,
    build_known_terms,
    build_nearest,
    build_search,
    build_suggest,
    build_texts,
    compound_parts,
    corrected_text,
    known_terms,
    spelling_suggester,
)
from search.documents import SearchFilters, SearchQuery
from search.embedding import HashingEmbedder, get_embedder
from search.providers import register_document_provider, unregister_document_provider
from search.stopwords import STOPWORDS
from search.vectors import store_vectors

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


FIELDS = ["title^10", "keywords^6", "summary^3", "body^1"]


def analysis(lang, embedder=None):
    return index_definition(f"sportello-{lang}-1", lang, 0, embedder).to_dict()


def search_body(text, lang="it", phrases=None, **kwargs):
    """The request body of one page of ``text`` (phrases as parsed)."""
    query = SearchQuery(text=text, lang=lang, **kwargs.pop("query", {}))
    if phrases is None:
        phrases = list(parse_query(text, lang).phrases) or None
    return build_search(
        query, phrases, index="x", offset=0, size=10, **kwargs
    ).to_dict()


def values_of(node, name):
    """Every value of ``name`` anywhere in a request body."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == name:
                yield value
            yield from values_of(value, name)
    elif isinstance(node, list):
        for item in node:
            yield from values_of(item, name)


def words_of(body):
    """The ``bool`` of the words in a search body."""
    (words,) = body["query"]["bool"]["must"]
    return words["bool"]


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

    def test_finnish_words_go_straight_to_the_stemmer(self):
        # No rewriting of -ime- forms: it mangled everyday words
        # ("tiedostonimi", "käyttäjänimi").
        settings = analysis("fi")["settings"]["analysis"]
        filters = settings["analyzer"]["fi_text"]["filter"]
        assert filters[-2:] == ["fi_stop", "fi_stemmer"]
        assert not any(
            f["type"] == "pattern_replace" for f in settings["filter"].values()
        )

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
        assert "embedding" not in source

    def test_a_document_carries_its_vector_when_it_has_one(self):
        vector = np.array([0.25, -0.5, 0.125], dtype=np.float32)
        source = document_body(ITALIAN[0], vector)
        assert source["embedding"] == [0.25, -0.5, 0.125]
        # Plain floats: the client serialises the source as JSON.
        assert json.loads(json.dumps(source))["embedding"] == [0.25, -0.5, 0.125]

    def test_without_an_embedder_there_is_no_vector_field(self):
        mappings = analysis("it")["mappings"]
        assert "embedding" not in mappings["properties"]
        assert "_meta" not in mappings
        assert vector_model(mappings) is None
        # An undeclared field (a vector pushed to an index built without an
        # embedder) is kept in the source, never mapped as plain floats.
        assert mappings["dynamic"] is False

    def test_with_an_embedder_the_mapping_holds_its_vectors(self):
        embedder = HashingEmbedder()
        mappings = analysis("fi", embedder)["mappings"]
        assert mappings["properties"]["embedding"] == {
            "type": "dense_vector",
            "dims": 384,
            "index": True,
            "similarity": "cosine",
        }
        # The model is named: another model's vectors cannot be compared.
        assert mappings["_meta"] == {"embedder": "hashing-384"}
        assert vector_model(mappings) == ("hashing-384", 384)
        # The text fields are unchanged by it.
        assert mappings["properties"]["title"]["analyzer"] == "fi_text"


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
            query, ["stampante", "etichette"], index="x", offset=5, size=5
        ).to_dict()
        bool_query = body["query"]["bool"]
        assert bool_query["filter"] == [
            {"term": {"live": True}},
            {"terms": {"visibility": ["customers", "public"]}},
            {"range": {"published": {"gte": "2024-01-01"}}},
        ]
        first = words_of(body)["should"][0]["multi_match"]
        assert first["query"] == "stampante"
        assert first["fuzziness"] == "AUTO"
        assert first["prefix_length"] >= 1
        assert first["fields"] == FIELDS
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
        # Neither bodies nor vectors travel back with the hits.
        assert body["_source"] == {"excludes": ["body", "title_suggest", "embedding"]}

    def test_any_word_finds_and_every_word_is_boosted(self):
        words = words_of(search_body("stampante etichette magazzino"))
        # Any word is enough...
        assert words["minimum_should_match"] == 1
        *clauses, every = words["should"]
        assert [c["multi_match"]["query"] for c in clauses] == [
            "stampante",
            "etichette",
            "magazzino",
        ]
        # ... each named, so that a hit tells which it holds ...
        assert [c["multi_match"]["_name"] for c in clauses] == [
            "word-0",
            "word-1",
            "word-2",
        ]
        # ... and holding them all adds ALL_WORDS_BOOST times the same sum:
        # the same clauses (unnamed), all required, boosted.
        assert every["bool"]["boost"] == 0.5
        unnamed = [
            {"multi_match": {k: v for k, v in c["multi_match"].items() if k != "_name"}}
            for c in clauses
        ]
        assert every["bool"]["must"] == unnamed

    def test_the_boost_is_the_setting(self, settings):
        settings.SEARCH_ALL_WORDS_BOOST = 2.0
        *_clauses, every = words_of(search_body("stampante etichette"))["should"]
        assert every["bool"]["boost"] == 2.0
        settings.SEARCH_ALL_WORDS_BOOST = 0
        words = words_of(search_body("stampante etichette"))
        assert [c["multi_match"]["query"] for c in words["should"]] == [
            "stampante",
            "etichette",
        ]

    def test_one_word_needs_no_boost(self):
        words = words_of(search_body("stampante"))
        assert words["minimum_should_match"] == 1
        (clause,) = words["should"]
        assert clause["multi_match"]["_name"] == "word-0"

    def test_field_boosts_are_the_setting(self, settings):
        settings.SEARCH_FIELD_WEIGHTS = (8, 4, 2.5, 0.5)
        body = search_body(
            "LabelPrinter nero", "en", camel=camel_case_words("LabelPrinter", "en")
        )
        fields = list(values_of(body["query"], "fields"))
        # Two words, the first also by its pieces; each named, then boosted.
        assert len(fields) == 6
        assert all(
            f == ["title^8", "keywords^4", "summary^2.5", "body^0.5"] for f in fields
        )

    def test_date_sort(self):
        body = search_body("a b", query={"sort": "date"}, phrases=["a", "b"])
        assert body["sort"][0] == {"published": {"order": "desc", "missing": "_last"}}

    def test_titles_whole_and_snippets_escaped_and_marked(self):
        highlight = search_body("saldo")["highlight"]
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
        body = search_body("", "fi")
        assert body["query"]["bool"]["must"] == [{"match_all": {}}]
        assert "highlight" not in body or "fields" not in body["highlight"]

    def test_camel_case_word_matches_as_typed_or_by_its_pieces(self):
        text = "LabelPrinter"
        parsed = parse_query(text, "en")
        camel = camel_case_words(text, "en")
        assert parsed.phrases == ("label printer",)
        assert camel == {"label printer": "labelprinter"}
        body = search_body(text, "en", camel=camel)
        (clause,) = words_of(body)["should"]
        assert clause["bool"]["_name"] == "word-0"
        whole, pieces = clause["bool"]["should"]
        assert clause["bool"]["minimum_should_match"] == 1
        assert whole["multi_match"]["query"] == "labelprinter"
        assert whole["multi_match"]["fuzziness"] == "AUTO"
        # The pieces one after the other, as the database matches them.
        assert pieces == {
            "multi_match": {
                "query": "label printer",
                "fields": FIELDS,
                "type": "phrase",
            }
        }

    def test_words_without_camel_case_or_parts_stay_one_clause(self):
        body = search_body("printers", "en", camel={})
        (clause,) = words_of(body)["should"]
        assert clause["multi_match"]["query"] == "printers"

    def test_compound_parts_are_looked_up_in_one_request(self):
        candidates = compound_candidates("verkkotulostin")
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
        ) == {"verkkotulostin": ("verkko", "tulostin")}
        assert compound_parts(["laskutus"], {"lasku"}) == {}

    def test_a_compound_matches_as_typed_or_by_either_part(self):
        body = search_body(
            "verkkotulostin ei",
            "fi",
            phrases=["verkkotulostin"],
            parts={"verkkotulostin": ("verkko", "tulostin")},
        )
        words = words_of(body)
        assert words["minimum_should_match"] == 1
        (clause,) = words["should"]
        texts = [m["multi_match"]["query"] for m in clause["bool"]["should"]]
        assert texts == ["verkkotulostin", "verkko", "tulostin"]
        assert clause["bool"]["minimum_should_match"] == 1
        assert clause["bool"]["_name"] == "word-0"

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

    def test_nearest_is_a_filtered_knn_search(self):
        query = SearchQuery(
            text="printer",
            lang="en",
            filters=SearchFilters(
                product_line="warehouse", tag="labels", date_to=date(2025, 6, 30)
            ),
            visibility={"public", "partners"},
        )
        vector = np.linspace(-1, 1, 8, dtype=np.float32)
        body = build_nearest(vector, query, 20, index="x").to_dict()
        knn = body["knn"]
        assert knn["field"] == "embedding"
        assert (knn["k"], knn["num_candidates"], body["size"]) == (20, 100, 20)
        assert knn["query_vector"] == [float(v) for v in vector]
        # The lexical search's filters, keyword filters included: a pre-filter,
        # so that the k nearest all pass it.
        assert knn["filter"] == {
            "bool": {
                "filter": [
                    {"term": {"live": True}},
                    {"terms": {"visibility": ["partners", "public"]}},
                    {"range": {"published": {"lte": "2025-06-30"}}},
                    {"term": {"product_line": "warehouse"}},
                    {"term": {"tags": "labels"}},
                ]
            }
        }
        assert body["_source"] is False
        assert "query" not in body

    def test_more_neighbours_look_at_more_candidates(self):
        query = SearchQuery(text="printer", lang="en")
        wide = build_nearest([1.0, 0.0], query, 60, index="x").to_dict()["knn"]
        assert (wide["k"], wide["num_candidates"]) == (60, 240)
        huge = build_nearest([1.0, 0.0], query, 50_000, index="x").to_dict()["knn"]
        assert (huge["k"], huge["num_candidates"]) == (10_000, 10_000)

    def test_hits_for_keys_select_and_highlight_the_words(self):
        query = SearchQuery(
            text="stampante etichette",
            lang="it",
            filters=SearchFilters(area="shipping"),
            visibility={"public"},
        )
        body = build_hits(
            ["kb-b", "kb-a"], query, ["stampante", "etichette"], index="x"
        ).to_dict()
        assert body["query"] == {
            "bool": {
                "filter": [
                    {"terms": {"key": ["kb-b", "kb-a"]}},
                    {"term": {"live": True}},
                    {"terms": {"visibility": ["public"]}},
                    {"term": {"area": "shipping"}},
                ]
            }
        }
        highlight = body["highlight"]
        # The words mark the text without selecting or ranking anything.
        marked = highlight["highlight_query"]["bool"]
        assert marked["minimum_should_match"] == 1
        assert [m["multi_match"]["query"] for m in marked["should"]] == [
            "stampante",
            "etichette",
        ]
        assert highlight["fields"]["title"] == {"number_of_fragments": 0}
        assert highlight["fields"]["body"]["no_match_size"] > 0
        assert highlight["encoder"] == "html"
        assert body["size"] == 2
        assert body["_source"] == {"excludes": ["body", "title_suggest", "embedding"]}

    def test_texts_read_the_title_summary_and_body_of_the_keys(self):
        body = build_texts(["kb-b", "kb-a"], index="x").to_dict()
        assert body["query"] == {
            "bool": {"filter": [{"terms": {"key": ["kb-b", "kb-a"]}}]}
        }
        assert body["_source"] == {"includes": ["key", "title", "summary", "body"]}
        assert body["size"] == 2


def _not_found(path):
    return 404, {
        "error": {"type": "index_not_found_exception", "reason": f"no {path}"},
        "status": 404,
    }


class FakeServer(BaseNode):
    """A node answering as an Elasticsearch server would, from what the test
    sets: enough to follow the requests an operation makes. Relevance is not
    simulated: the test says what each kind of request finds. Each request is
    kept as (method, path, body), bulk bodies as their list of lines."""

    #: Aliases that exist, with the mappings of the index behind each.
    mappings: dict[str, dict] = {}
    #: Words the readable documents contain (the compound parts' look-up).
    vocabulary: set[str] = set()
    #: What a search for words finds, and how many it says were found.
    hits: list[dict] = []
    total: int | None = None
    #: What a ``_count`` answers.
    count: int = 0
    #: What a ``knn`` search finds, and what a search by keys finds.
    knn_hits: list[dict] = []
    key_hits: list[dict] = []
    #: Ids a bulk update finds missing.
    missing: set[str] = set()
    requests: list[tuple[str, str, object]] = []

    def perform_request(self, method, target, body=None, headers=None, **kwargs):
        path = target.split("?")[0]
        if path.endswith("/_bulk"):
            request = [json.loads(line) for line in body.decode().splitlines()]
        else:
            request = json.loads(body) if body else {}
        self.requests.append((method, path, request))
        status, answer = self.answer(method, path, request)
        meta = ApiResponseMeta(
            status=status,
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

    def answer(self, method, path, request):
        parts = path.strip("/").split("/")
        if method == "HEAD" and parts[0] == "_alias":
            return (200 if parts[1] in self.mappings else 404), {}
        if parts[-1] == "_mapping":
            if parts[0] not in self.mappings:
                return _not_found(path)
            return 200, {f"{parts[0]}-1": {"mappings": self.mappings[parts[0]]}}
        if parts[-1] == "_bulk":
            return 200, self.bulk(request)
        if parts[-1] == "_count":
            return 200, {"count": self.count}
        if parts[-1] == "_search":
            return 200, self.search(request)
        return 200, {"acknowledged": True, "result": "created"}

    def bulk(self, lines):
        items = []
        actions = [line for line in lines if {"index", "update"} & set(line)]
        for action in actions:
            (operation, target), *_ = action.items()
            status = 404 if target["_id"] in self.missing else 200
            item = {**target, "status": status}
            if status == 404:
                item["error"] = {"type": "document_missing_exception"}
            items.append({operation: item})
        errors = any(next(iter(i.values()))["status"] >= 300 for i in items)
        return {"took": 1, "errors": errors, "items": items}

    def search(self, request):
        if "knn" in request:
            return {
                "hits": {"total": {"value": len(self.knn_hits)}, "hits": self.knn_hits}
            }
        if "known" in request.get("aggs", {}):
            filters = request["aggs"]["known"]["filters"]["filters"]
            buckets = {
                word: {"doc_count": int(word in self.vocabulary)} for word in filters
            }
            return {
                "hits": {"total": {"value": 0}, "hits": []},
                "aggregations": {"known": {"buckets": buckets}},
            }
        if "terms" in request["query"]["bool"]["filter"][0]:
            return {"hits": {"total": {"value": 0}, "hits": self.key_hits}}
        total = len(self.hits) if self.total is None else self.total
        answer = {"hits": {"total": {"value": total}, "hits": self.hits}}
        if "suggest" in request:
            text = request["suggest"]["spelling"]["text"]
            answer["suggest"] = {
                "spelling": [
                    {"text": text, "offset": 0, "length": len(text), "options": []}
                ]
            }
        return answer


def source_hit(key, title, matched=(), **extra):
    return {
        "_id": key,
        "_score": 1.0,
        "_source": {"key": key, "title": title, "url": f"/fi/kb/{key}/"},
        "highlight": {"title": [title]},
        "matched_queries": list(matched),
        **extra,
    }


def vector_mappings(embedder):
    """The mappings of an index made for ``embedder``."""
    return index_definition("sportello-x-1", "en", 0, embedder).to_dict()["mappings"]


@pytest.fixture
def server():
    return type(
        "Server",
        (FakeServer,),
        {
            "mappings": {},
            "vocabulary": set(),
            "hits": [],
            "total": None,
            "count": 0,
            "knn_hits": [],
            "key_hits": [],
            "missing": set(),
            "requests": [],
        },
    )


@pytest.fixture
def backend(server):
    return ElasticsearchSearchBackend(
        "default",
        {"URLS": ["http://search.invalid:9200"], "OPTIONS": {"node_class": server}},
    )


@pytest.fixture
def indexed(server):
    """``server`` with every language's index built for the configured
    embedder (the test settings': ``HashingEmbedder``)."""
    mappings = vector_mappings(get_embedder())
    server.mappings = {f"sportello-{lang}": mappings for lang in ("it", "fi", "en")}
    return server


def bodies(server, ending):
    return [body for _m, path, body in server.requests if path.endswith(ending)]


class TestSearchRequests:
    """The requests one search makes, against ``FakeServer``."""

    def test_one_request_finds_any_word(self, server, backend):
        server.hits = [source_hit("kb-a", "A", ["word-0", "word-1"])]
        results = backend.search(SearchQuery(text="stampante etichette", lang="it"))
        assert [hit.key for hit in results.hits] == ["kb-a"]
        ((method, path, body),) = server.requests
        assert path == "/sportello-it/_search"
        words = words_of(body)
        assert words["minimum_should_match"] == 1
        assert words["should"][-1]["bool"]["boost"] == 0.5
        assert results.matched_all_words

    def test_matched_all_words_is_read_from_the_matched_queries(self, server, backend):
        # Every document found was returned: none holds both words.
        server.hits = [
            source_hit("kb-a", "A", ["word-0"]),
            source_hit("kb-b", "B", ["word-1"]),
        ]
        results = backend.search(SearchQuery(text="toner zeolite", lang="it"))
        assert [hit.key for hit in results.hits] == ["kb-a", "kb-b"]
        assert not results.matched_all_words
        assert len(server.requests) == 1

    def test_a_later_page_asks_whether_any_document_holds_every_word(
        self, server, backend
    ):
        server.hits = [source_hit("kb-c", "C", ["word-1"])]
        server.total = 11
        server.count = 4
        query = SearchQuery(
            text="toner zeolite",
            lang="it",
            page=2,
            page_size=10,
            filters=SearchFilters(product_line="warehouse"),
        )
        results = backend.search(query)
        assert results.matched_all_words
        (count,) = bodies(server, "/_count")
        every = count["query"]["bool"]
        assert [m["multi_match"]["query"] for m in every["must"]] == [
            "toner",
            "zeolite",
        ]
        # What the search finds: its filters, the keyword ones included.
        assert every["filter"] == [
            {"term": {"live": True}},
            {"terms": {"visibility": ["public"]}},
            {"term": {"product_line": "warehouse"}},
        ]
        server.count = 0
        assert not backend.search(query).matched_all_words

    def test_one_word_is_always_every_word(self, server, backend):
        server.hits = [source_hit("kb-a", "A")]
        server.total = 50
        assert backend.search(
            SearchQuery(text="stampante", lang="it")
        ).matched_all_words
        assert len(server.requests) == 1

    @pytest.mark.parametrize(
        "text",
        [
            "W-220 (Base) LOG10",
            "SIS-1042",
            '"stampante" AND (NOT etichette) OR *',
            "errore W-220: stampante?!",
            "title:stampante^5 ~2 [a TO z] \\\\ /regex/",
            "'; DROP TABLE x; --",
        ],
    )
    def test_punctuation_and_codes_are_plain_words(self, server, backend, text):
        backend.search(SearchQuery(text=text, lang="it"))
        ((_method, _path, body),) = server.requests
        # No query language: nothing the server would parse for operators.
        assert "query_string" not in json.dumps(body)
        texts = list(values_of(body["query"], "query"))
        assert texts
        # Only analysed words reach the server: letters, digits, spaces.
        assert all(re.fullmatch(r"[^\W_]+( [^\W_]+)*", t) for t in texts)
        expected = list(parse_query(text, "it").phrases)
        named = [
            c["multi_match"]["query"] for c in words_of(body)["should"][: len(expected)]
        ]
        assert named == expected

    @pytest.mark.parametrize("text", ["(", ")))", '"', "-", "*:*", "+-&&||!"])
    def test_punctuation_alone_asks_nothing(self, server, backend, text):
        results = backend.search(SearchQuery(text=text, lang="it"))
        assert results.total == 0
        assert server.requests == []

    def test_a_long_finnish_word_is_also_searched_by_its_parts(self, server, backend):
        server.vocabulary = {"tulostin", "verkkoon", "kaynnisty"}
        server.hits = [source_hit("kb-label-printer", "Tulostin", ["word-0"])]
        results = backend.search(SearchQuery(text="verkkotulostin", lang="fi"))
        assert [hit.key for hit in results.hits] == ["kb-label-printer"]
        # One clause (the word or a part): every word held.
        assert results.matched_all_words
        lookup, search = (request for _m, _t, request in server.requests)
        assert lookup["aggs"]["known"]["filters"]["filters"]["tulostin"] == {
            "term": {"spell": "tulostin"}
        }
        (clause,) = words_of(search)["should"]
        texts = [m["multi_match"]["query"] for m in clause["bool"]["should"]]
        assert texts == ["verkkotulostin", "verkko", "tulostin"]
        assert all(
            target == "/sportello-fi/_search" for _m, target, _r in server.requests
        )

    def test_a_word_without_known_parts_is_not_cut(self, server, backend):
        server.vocabulary = {"kaynnisty"}
        backend.search(SearchQuery(text="verkkotulostin", lang="fi"))
        _lookup, search = (request for _m, _t, request in server.requests)
        (clause,) = words_of(search)["should"]
        assert clause["multi_match"]["query"] == "verkkotulostin"

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


class TestSemanticRequests:
    """``nearest``, ``hits_for`` and the vectors' way in, against
    ``FakeServer``; the test settings' embedder is ``HashingEmbedder``."""

    def test_nearest_answers_keys_and_cosines(self, indexed, backend):
        indexed.knn_hits = [
            {"_id": "kb-a", "_score": 0.9},
            {"_id": "kb-b", "_score": 0.5},
            {"_id": "kb-c", "_score": 0.25},
        ]
        vector = get_embedder().embed_queries(["stampante"])[0]
        query = SearchQuery(text="stampante", lang="it", visibility={"public"})
        found = backend.nearest(vector, query, 3)
        # Elasticsearch's cosine score is (1 + cosine) / 2.
        assert found == [
            ("kb-a", pytest.approx(0.8)),
            ("kb-b", pytest.approx(0.0)),
            ("kb-c", pytest.approx(-0.5)),
        ]
        (body,) = bodies(indexed, "/_search")
        assert body["knn"]["k"] == 3
        assert body["knn"]["num_candidates"] == 100
        assert len(body["knn"]["query_vector"]) == 384
        assert body["knn"]["filter"]["bool"]["filter"][:2] == [
            {"term": {"live": True}},
            {"terms": {"visibility": ["public"]}},
        ]
        assert [path for _m, path, _b in indexed.requests] == [
            "/sportello-it/_mapping",
            "/sportello-it/_search",
        ]
        # The mapping is read once, not per search.
        backend.nearest(vector, query, 3)
        assert len(bodies(indexed, "/_mapping")) == 1

    def test_an_index_of_another_model_is_searched_lexically(
        self, server, backend, caplog
    ):
        class OtherModel(HashingEmbedder):
            name = "other-384"

        server.mappings = {"sportello-it": vector_mappings(OtherModel())}
        query = SearchQuery(text="stampante", lang="it")
        with caplog.at_level(logging.WARNING):
            assert backend.nearest(np.ones(384), query, 5) == []
            assert backend.nearest(np.ones(384), query, 5) == []
        assert bodies(server, "/_search") == []
        assert caplog.text.count("holds vectors of other-384, not of hashing-384") == 1

    def test_nothing_to_compare_without_an_embedder(self, server, backend, settings):
        settings.SEARCH_EMBEDDER = None
        query = SearchQuery(text="stampante", lang="it")
        assert backend.nearest(np.ones(384), query, 5) == []
        assert server.requests == []

    def test_nothing_is_near_for_a_reader_who_may_read_nothing(self, indexed, backend):
        query = SearchQuery(text="stampante", lang="it", visibility=set())
        assert backend.nearest(np.ones(384), query, 5) == []
        assert backend.hits_for(["kb-a"], query) == []
        assert indexed.requests == []

    def test_hits_for_keeps_the_order_asked_and_leaves_out_the_unreadable(
        self, server, backend
    ):
        # The server answers in its own order; kb-gone is unreadable or gone.
        server.key_hits = [
            source_hit("kb-b", "Bolle", highlight={"title": ["<mark>Bolle</mark>"]}),
            source_hit("kb-a", "Archivio"),
        ]
        query = SearchQuery(
            text="bolle di trasporto",
            lang="it",
            filters=SearchFilters(tag="ddt"),
            visibility={"public", "customers"},
        )
        hits = backend.hits_for(["kb-a", "kb-gone", "kb-b", "kb-a"], query)
        assert [hit.key for hit in hits] == ["kb-a", "kb-b"]
        assert hits[1].title_html == "<mark>Bolle</mark>"
        assert all(hit.lang == "it" and hit.score == 0.0 for hit in hits)
        ((_method, path, body),) = server.requests
        assert path == "/sportello-it/_search"
        assert body["query"]["bool"]["filter"] == [
            {"terms": {"key": ["kb-a", "kb-gone", "kb-b"]}},
            {"term": {"live": True}},
            {"terms": {"visibility": ["customers", "public"]}},
            {"term": {"tags": "ddt"}},
        ]
        marked = body["highlight"]["highlight_query"]["bool"]["should"]
        assert [m["multi_match"]["query"] for m in marked] == ["bolle", "trasporto"]
        assert body["size"] == 3
        assert backend.hits_for([], query) == []
        assert len(server.requests) == 1


def stored(key, lang, values, model="hashing-384"):
    vector = np.asarray(values, dtype=np.float32)
    store_vectors([(key, lang, model, "hash", vector)])
    return [float(v) for v in vector]


@pytest.mark.django_db
class TestVectorsReachTheIndex:
    """Vectors are computed into the database after indexing; the index gets
    them with each document written and from ``push_vectors``."""

    def test_push_vectors_updates_the_documents_in_place(self, indexed, backend):
        first = stored("kb-a", "it", np.linspace(0, 1, 384))
        second = stored("kb-b", "fi", np.linspace(1, 0, 384))
        stored("kb-c", "it", np.ones(384), model="another-model")
        indexed.missing = {"kb-gone"}
        stored("kb-gone", "it", np.ones(384))

        pushed = backend.push_vectors(
            [["kb-a", "it"], ["kb-b", "fi"], ["kb-c", "it"], ["kb-gone", "it"]]
        )

        # kb-c has no vector of this model; kb-gone is not in the index.
        assert pushed == 2
        (lines,) = bodies(indexed, "/_bulk")
        updates = dict(
            zip(
                [
                    (line["update"]["_index"], line["update"]["_id"])
                    for line in lines[::2]
                ],
                lines[1::2],
                strict=True,
            )
        )
        assert updates == {
            ("sportello-it", "kb-a"): {"doc": {"embedding": first}},
            ("sportello-it", "kb-gone"): {"doc": {"embedding": [1.0] * 384}},
            ("sportello-fi", "kb-b"): {"doc": {"embedding": second}},
        }

    def test_other_refusals_are_logged(self, indexed, backend, caplog):
        stored("kb-a", "it", np.ones(384))

        class Refusing(indexed):
            def bulk(self, lines):
                answer = super().bulk(lines)
                for item in answer["items"]:
                    item["update"].update(status=400, error={"type": "mapper_parsing"})
                answer["errors"] = True
                return answer

        backend = ElasticsearchSearchBackend(
            "default",
            {
                "URLS": ["http://search.invalid:9200"],
                "OPTIONS": {"node_class": Refusing},
            },
        )
        with caplog.at_level(logging.WARNING):
            assert backend.push_vectors([["kb-a", "it"]]) == 0
        assert "refused 1 of 1 vectors" in caplog.text

    def test_nothing_is_pushed_to_an_index_without_the_field(self, server, backend):
        server.mappings = {"sportello-it": vector_mappings(None)}
        stored("kb-a", "it", np.ones(384))
        assert backend.push_vectors([["kb-a", "it"]]) == 0
        assert bodies(server, "/_bulk") == []

    def test_nothing_is_pushed_without_an_embedder(self, indexed, backend, settings):
        stored("kb-a", "it", np.ones(384))
        settings.SEARCH_EMBEDDER = None
        assert backend.push_vectors([["kb-a", "it"]]) == 0
        assert indexed.requests == []

    def test_a_new_index_is_made_for_the_embedder_and_documents_carry_vectors(
        self, server, backend
    ):
        vector = stored(ITALIAN[0].key, "it", np.linspace(-1, 1, 384))
        backend.index(ITALIAN[0])
        backend.index(ITALIAN[1])  # no vector yet: the task pushes it later
        requests = [(method, path) for method, path, _body in server.requests]
        assert requests[0] == ("HEAD", "/_alias/sportello-it")
        created = server.requests[1]
        assert created[0] == "PUT" and created[1].startswith("/sportello-it-")
        assert created[2]["mappings"]["properties"]["embedding"]["dims"] == 384
        assert created[2]["mappings"]["_meta"] == {"embedder": "hashing-384"}
        documents = [body for _m, path, body in server.requests if "/_doc/" in path]
        assert documents[0]["embedding"] == vector
        assert documents[0]["title"] == ITALIAN[0].title
        assert "embedding" not in documents[1]
        # The index was just made: its mapping is not read back.
        assert bodies(server, "/_mapping") == []

    def test_a_rebuild_writes_the_stored_vectors(self, server, backend):
        vector = stored(ITALIAN[0].key, "it", np.linspace(-1, 1, 384))
        rebuild = backend.start_rebuild()
        rebuild.add([ITALIAN[0], ITALIAN[1], replace(ITALIAN[2], live=False)])
        created = [
            body
            for method, path, body in server.requests
            if method == "PUT" and path.startswith("/sportello-")
        ]
        assert len(created) == 3
        assert all(
            body["mappings"]["properties"]["embedding"]["type"] == "dense_vector"
            for body in created
        )
        (lines,) = bodies(server, "/_bulk")
        sources = {line.get("title"): line for line in lines[1::2]}
        assert set(sources) == {ITALIAN[0].title, ITALIAN[1].title}
        assert sources[ITALIAN[0].title]["embedding"] == vector
        assert "embedding" not in sources[ITALIAN[1].title]
        rebuild.abort()

    def test_without_an_embedder_indices_have_no_vectors(
        self, server, backend, settings
    ):
        settings.SEARCH_EMBEDDER = None
        stored(ITALIAN[0].key, "it", np.ones(384))
        backend.index(ITALIAN[0])
        created = server.requests[1][2]
        assert "embedding" not in created["mappings"]["properties"]
        (document,) = [body for _m, path, body in server.requests if "/_doc/" in path]
        assert "embedding" not in document


class TestUnreachableSemanticSearch:
    """Elasticsearch configured but down: the semantic operations fail as the
    others do, so that the registry answers from the database."""

    @pytest.fixture
    def down(self):
        return ElasticsearchSearchBackend("default", UNREACHABLE["default"])

    def test_nearest_and_hits_for_raise_unavailable(self, down):
        query = SearchQuery(text="stampante", lang="it")
        with pytest.raises(SearchBackendUnavailable):
            down.nearest(np.ones(384), query, 5)
        with pytest.raises(SearchBackendUnavailable, match="marked down"):
            down.hits_for(["kb-a"], query)

    @pytest.mark.django_db
    def test_push_vectors_raises_unavailable(self, down):
        stored("kb-a", "it", np.ones(384))
        with pytest.raises(SearchBackendUnavailable):
            down.push_vectors([["kb-a", "it"]])


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
        # The query's vector is compared in the database too, the candidates'
        # texts read there and the page highlighted there.
        operations = ("search", "nearest", "texts", "hits", "suggest", "did you mean")
        assert caplog.text.count("unavailable") == len(operations)
        for operation in operations:
            assert f"unavailable for {operation} (" in caplog.text
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
