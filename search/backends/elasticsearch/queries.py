"""Request bodies of the Elasticsearch backend, built with ``elasticsearch.dsl``
so that tests can read them with ``to_dict()``.

Words reach the server only as analysed text in ``multi_match`` queries, never
through ``query_string``: ``parse_query`` has already cut punctuation, codes
("SIS-1042", "LOG10") and operators into plain words, and a ``multi_match``
has no syntax of its own to break.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from elasticsearch import dsl

from ...analysis import compound_candidates, compound_split
from ...conf import search_settings
from ...documents import SearchQuery
from ...stopwords import STOPWORDS

#: The searched text fields, in the order of ``FIELD_WEIGHTS`` (title, tags and
#: error codes, summary, body).
TEXT_FIELDS = ("title", "keywords", "summary", "body")
#: The field holding each document's embedding (see ``mapping``).
EMBEDDING_FIELD = "embedding"
#: Source fields no hit needs: bodies are long, vectors longer.
UNSHOWN_FIELDS = ["body", "title_suggest", EMBEDDING_FIELD]
#: Elasticsearch refuses a ``num_candidates`` above this.
MAX_NUM_CANDIDATES = 10_000
SUGGEST_FIELDS = ["title_suggest", "title_suggest._2gram", "title_suggest._3gram"]
FACET_FIELDS = {
    "product_line": "product_line",
    "area": "area",
    "doc_type": "doc_type",
    "audience": "audience",
    "tag": "tags",
}


def base_filters(
    visibility: Collection[str], query: SearchQuery | None = None
) -> list[dsl.Query]:
    """Live, readable and (for a query) within its dates."""
    filters = [
        dsl.Q("term", live=True),
        dsl.Q("terms", visibility=sorted(visibility)),
    ]
    if query is not None:
        dates = {}
        if query.filters.date_from:
            dates["gte"] = query.filters.date_from.isoformat()
        if query.filters.date_to:
            dates["lte"] = query.filters.date_to.isoformat()
        if dates:
            filters.append(dsl.Q("range", published=dates))
    return filters


def keyword_filters(filters: dict[str, str]) -> list[dsl.Query]:
    return [
        dsl.Q("term", **{FACET_FIELDS[name]: value}) for name, value in filters.items()
    ]


def query_filters(query: SearchQuery) -> list[dsl.Query]:
    """Everything a document must pass to be found for ``query``: live,
    readable, within its dates and its keyword filters. (The lexical search
    applies the keyword filters as a ``post_filter`` instead, so that facets
    can count what they leave out.)"""
    return [
        *base_filters(query.visibility, query),
        *keyword_filters(query.filters.values_except(None)),
    ]


def text_fields() -> list[str]:
    """The searched fields with their boosts, from ``SEARCH_FIELD_WEIGHTS``
    (read at call time, as every setting): the same weights as the database's
    BM25 columns."""
    weights = search_settings.FIELD_WEIGHTS
    return [
        f"{field}^{float(weight):g}"
        for field, weight in zip(TEXT_FIELDS, weights, strict=True)
    ]


def clause_name(position: int) -> str:
    """The ``_name`` of the query's clause at ``position``: each hit's
    ``matched_queries`` then lists the clauses it holds."""
    return f"word-{position}"


def _fuzzy(text: str, **extra: Any) -> dsl.Query:
    """``text`` in any one field, every word of it, misspellings allowed."""
    return dsl.Q(
        "multi_match",
        query=text,
        fields=text_fields(),
        type="best_fields",
        operator="and",
        fuzziness="AUTO",
        prefix_length=1,
        max_expansions=20,
        **extra,
    )


def clause_query(
    phrase: str,
    camel: Mapping[str, str] | None = None,
    parts: Mapping[str, Sequence[str]] | None = None,
    name: str | None = None,
) -> dsl.Query:
    """One clause of a query: ``phrase`` as ``parse_query`` gives it, with the
    alternatives the database backend also accepts for it.

    - ``camel`` (pieces → word, ``analysis.camel_case_words``): a word typed in
      camel case ("LabelPrinter", phrase "label printer") matches the word as
      typed or its pieces one after the other (a phrase, as on the database).
    - ``parts`` (word → compound parts, ``compound_parts``): a Finnish compound
      ("verkkotulostin") also matches either of its parts ("verkko",
      "tulostin").

    ``name`` becomes the clause's ``_name`` (see ``clause_name``).
    """
    named = {"_name": name} if name else {}
    whole = (camel or {}).get(phrase)
    compound = (parts or {}).get(phrase, ())
    if not whole and not compound:
        return _fuzzy(phrase, **named)
    alternatives = [_fuzzy(whole or phrase)]
    if whole:
        alternatives.append(
            dsl.Q("multi_match", query=phrase, fields=text_fields(), type="phrase")
        )
    alternatives += [_fuzzy(part) for part in compound]
    return dsl.Q("bool", should=alternatives, minimum_should_match=1, **named)


def words_query(
    phrases: Sequence[str],
    *,
    camel: Mapping[str, str] | None = None,
    parts: Mapping[str, Sequence[str]] | None = None,
) -> dsl.Query:
    """Any of ``phrases``, each in any field, documents holding every one of
    them boosted: the database backend's semantics in one query.

    Each phrase is a ``should`` clause named by its position (``clause_name``),
    so that a hit's ``matched_queries`` says which it holds. With several
    phrases, one more ``should`` clause is their conjunction (the same clauses
    in a ``must``) with ``boost`` ``ALL_WORDS_BOOST``. Elasticsearch adds the
    scores of the ``should`` clauses a document matches, and scores a ``bool``
    as the sum of its clauses times its boost; the clauses score alike in both
    places, so a document holding every phrase scores S + ALL_WORDS_BOOST * S,
    exactly ``1 + ALL_WORDS_BOOST`` times the S it would get without the
    conjunction, and the others keep their S: the database's factor, with no
    approximation but the one BM25 itself makes (Elasticsearch's statistics,
    not the database's). The price: documents holding every phrase have
    their clauses scored twice (a ``function_score`` with the conjunction as
    a filter and ``weight`` would multiply the same way, at the price of
    evaluating the conjunction for every candidate instead). One phrase needs
    no conjunction: every match holds it, and multiplying every score would
    change no order.
    """
    clauses = [
        clause_query(phrase, camel, parts, clause_name(position))
        for position, phrase in enumerate(phrases)
    ]
    boost = float(search_settings.ALL_WORDS_BOOST)
    if len(phrases) > 1 and boost > 0:
        every = [clause_query(phrase, camel, parts) for phrase in phrases]
        clauses.append(dsl.Q("bool", must=every, boost=boost))
    return dsl.Q("bool", should=clauses, minimum_should_match=1)


def all_words_query(
    query: SearchQuery,
    phrases: Sequence[str],
    *,
    camel: Mapping[str, str] | None = None,
    parts: Mapping[str, Sequence[str]] | None = None,
) -> dsl.Query:
    """The documents found for ``query`` that hold every one of ``phrases``:
    counted when no hit returned tells whether there are any."""
    return dsl.Q(
        "bool",
        must=[clause_query(phrase, camel, parts) for phrase in phrases],
        filter=query_filters(query),
    )


def build_known_terms(
    words: Collection[str], *, index: str, visibility: Collection[str]
) -> dsl.Search:
    """How many readable documents contain each of ``words`` as it is (folded,
    not stemmed: the ``spell`` field), in one request: the vocabulary look-up
    of ``compound_split``."""
    search = (
        dsl.Search(index=index)
        .query(dsl.Q("bool", filter=base_filters(visibility)))
        .extra(size=0, track_total_hits=False)
    )
    search.aggs.bucket(
        "known",
        "filters",
        filters={word: dsl.Q("term", spell=word) for word in sorted(set(words))},
    )
    return search


def known_terms(response: Mapping[str, Any], lang: str) -> set[str]:
    """The words of a ``build_known_terms`` response that some document
    contains, stopwords left out (the database's vocabulary has none)."""
    buckets = response["aggregations"]["known"]["buckets"]
    stop = STOPWORDS[lang]
    return {
        word
        for word, bucket in buckets.items()
        if bucket["doc_count"] and word not in stop
    }


def compound_words(phrases: Collection[str]) -> dict[str, list[str]]:
    """Words of ``phrases`` that may be compounds, with the parts to look up."""
    found = {}
    for phrase in phrases:
        if " " in phrase:
            continue
        candidates = compound_candidates(phrase)
        if candidates:
            found[phrase] = candidates
    return found


def compound_parts(
    phrases: Collection[str], known: Collection[str]
) -> dict[str, tuple[str, str]]:
    """Each phrase that is a compound of ``known`` words, with its two parts,
    cut as the database backend cuts it (``analysis.compound_split``)."""
    parts = {}
    for phrase in compound_words(phrases):
        split = compound_split(phrase, known)
        if split:
            parts[phrase] = split
    return parts


def _highlighted(
    search: dsl.Search, highlight_query: dsl.Query | None = None
) -> dsl.Search:
    """``search`` asking for the title and summary whole and one snippet of
    the body, the matches marked and everything else HTML-escaped; the words
    marked are those of the search's query, or of ``highlight_query``."""
    options: dict[str, Any] = {
        "pre_tags": ["<mark>"],
        "post_tags": ["</mark>"],
        "encoder": "html",
    }
    if highlight_query is not None:
        options["highlight_query"] = highlight_query.to_dict()
    search = search.highlight_options(**options)
    search = search.highlight("title", number_of_fragments=0)
    search = search.highlight("summary", number_of_fragments=0)
    return search.highlight(
        "body",
        fragment_size=search_settings.SNIPPET_CHARS,
        number_of_fragments=1,
        no_match_size=search_settings.SNIPPET_CHARS,
    )


def build_search(
    query: SearchQuery,
    phrases: Sequence[str] | None,
    *,
    index: str,
    offset: int,
    size: int,
    camel: Mapping[str, str] | None = None,
    parts: Mapping[str, Sequence[str]] | None = None,
) -> dsl.Search:
    """The request for one page of ``query`` (``phrases`` None: browse);
    ``camel`` and ``parts`` as for ``clause_query``."""
    if phrases:
        must = words_query(phrases, camel=camel, parts=parts)
    else:
        must = dsl.Q("match_all")
    search = dsl.Search(index=index).query(
        dsl.Q("bool", must=[must], filter=base_filters(query.visibility, query))
    )
    filters = query.filters.values_except(None)
    if filters:
        search = search.post_filter(dsl.Q("bool", filter=keyword_filters(filters)))
    for name in query.facets:
        others = query.filters.values_except(name)
        search.aggs.bucket(
            name, "filter", filter=dsl.Q("bool", filter=keyword_filters(others))
        ).bucket(
            "values",
            "terms",
            field=FACET_FIELDS[name],
            size=search_settings.FACET_SIZE,
        )
    newest = {"published": {"order": "desc", "missing": "_last"}}
    if not phrases or query.sort == "date":
        search = search.sort(newest, "_score", "key")
    else:
        search = search.sort("_score", newest, "key")
    if phrases:
        search = _highlighted(search)
    else:
        search = search.highlight_options(
            pre_tags=["<mark>"], post_tags=["</mark>"], encoder="html"
        )
    return search.source(excludes=UNSHOWN_FIELDS).extra(
        from_=offset, size=size, track_total_hits=True
    )


def build_nearest(
    vector: Sequence[float], query: SearchQuery, k: int, *, index: str
) -> dsl.Search:
    """The ``k`` documents whose embedding is nearest to ``vector`` among
    those ``query`` may find (``query_filters``: a pre-filter, so that the
    ``k`` all pass it). Elasticsearch looks at ``num_candidates`` per shard,
    about four times ``k`` and at least 100: more finds the true nearest more
    often (the HNSW graph is approximate), at a cost growing with it."""
    k = max(1, min(k, MAX_NUM_CANDIDATES))
    candidates = min(MAX_NUM_CANDIDATES, max(100, 4 * k))
    return (
        dsl.Search(index=index)
        .knn(
            EMBEDDING_FIELD,
            k,
            candidates,
            query_vector=[float(value) for value in vector],
            filter=dsl.Q("bool", filter=query_filters(query)),
        )
        .source(False)
        .extra(size=k)
    )


def build_hits(
    keys: Sequence[str],
    query: SearchQuery,
    phrases: Sequence[str],
    *,
    index: str,
    camel: Mapping[str, str] | None = None,
) -> dsl.Search:
    """The documents ``keys`` that ``query`` may find, highlighted for its
    ``phrases`` as the lexical search highlights them (its words are no part
    of the query, which only selects: ``highlight_query``)."""
    search = dsl.Search(index=index).query(
        dsl.Q("bool", filter=[dsl.Q("terms", key=list(keys)), *query_filters(query)])
    )
    if phrases:
        clauses = [clause_query(phrase, camel) for phrase in phrases]
        search = _highlighted(
            search, dsl.Q("bool", should=clauses, minimum_should_match=1)
        )
    return search.source(excludes=UNSHOWN_FIELDS).extra(
        size=len(keys), track_total_hits=False
    )


def build_texts(keys: Sequence[str], *, index: str) -> dsl.Search:
    """The title, summary and body of the documents ``keys`` (the pipeline
    reads their words' exact forms; filters were applied by the search that
    found them)."""
    return (
        dsl.Search(index=index)
        .query(dsl.Q("bool", filter=[dsl.Q("terms", key=list(keys))]))
        .source(includes=["key", "title", "summary", "body"])
        .extra(size=len(keys), track_total_hits=False)
    )


def spelling_suggester(search: dsl.Search, text: str) -> dsl.Search:
    return search.suggest(
        "spelling",
        text,
        term={
            "field": "spell",
            "suggest_mode": "missing",
            "min_word_length": search_settings.DID_YOU_MEAN_MIN_LENGTH,
            "prefix_length": 1,
            "max_edits": 2,
            "sort": "score",
        },
    )


def build_suggest(
    text: str,
    *,
    index: str,
    product_line: str | None,
    visibility: Collection[str],
    limit: int,
) -> dsl.Search:
    """Titles whose words start with what was typed."""
    filters = base_filters(visibility)
    if product_line:
        filters.append(dsl.Q("term", product_line=product_line))
    return (
        dsl.Search(index=index)
        .query(
            dsl.Q(
                "bool",
                must=[
                    dsl.Q(
                        "multi_match",
                        query=text,
                        type="bool_prefix",
                        operator="and",
                        fields=SUGGEST_FIELDS,
                    )
                ],
                filter=filters,
            )
        )
        .source(["key", "title", "url"])
        .extra(size=limit)
    )


def corrected_text(text: str, entries: list[Any]) -> str | None:
    """``text`` with each suggested word replaced by its best option."""
    changes = [
        (entry["offset"], entry["length"], entry["options"][0]["text"])
        for entry in entries
        if entry["options"]
    ]
    if not changes:
        return None
    for offset, length, replacement in sorted(changes, reverse=True):
        text = text[:offset] + replacement + text[offset + length :]
    return text.strip()
