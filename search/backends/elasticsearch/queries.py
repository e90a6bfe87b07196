"""Request bodies of the Elasticsearch backend, built with ``elasticsearch.dsl``
so that tests can read them with ``to_dict()``."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from elasticsearch import dsl

from ...analysis import compound_candidates, compound_split
from ...conf import search_settings
from ...documents import SearchQuery
from ...stopwords import STOPWORDS

#: Searched text fields and their boosts: a title match counts most.
TEXT_FIELDS = ["title^4", "keywords^3", "summary^2", "body"]
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


def _fuzzy(text: str) -> dsl.Query:
    """``text`` in any one field, every word of it, misspellings allowed."""
    return dsl.Q(
        "multi_match",
        query=text,
        fields=TEXT_FIELDS,
        type="best_fields",
        operator="and",
        fuzziness="AUTO",
        prefix_length=1,
        max_expansions=20,
    )


def clause_query(
    phrase: str,
    camel: Mapping[str, str] | None = None,
    parts: Mapping[str, Sequence[str]] | None = None,
) -> dsl.Query:
    """One clause of a query: ``phrase`` as ``parse_query`` gives it, with the
    alternatives the database backend also accepts for it.

    - ``camel`` (pieces → word, ``analysis.camel_case_words``): a word typed in
      camel case ("LabelPrinter", phrase "label printer") matches the word as
      typed or its pieces one after the other (a phrase, as on the database).
    - ``parts`` (word → compound parts, ``compound_parts``): a Finnish compound
      ("verkkotulostimen") also matches either of its parts ("verkko",
      "tulostin").
    """
    alternatives = []
    whole = (camel or {}).get(phrase)
    if whole:
        alternatives.append(_fuzzy(whole))
        alternatives.append(
            dsl.Q("multi_match", query=phrase, fields=TEXT_FIELDS, type="phrase")
        )
    else:
        alternatives.append(_fuzzy(phrase))
    alternatives += [_fuzzy(part) for part in (parts or {}).get(phrase, ())]
    if len(alternatives) == 1:
        return alternatives[0]
    return dsl.Q("bool", should=alternatives, minimum_should_match=1)


def words_query(
    phrases: Collection[str],
    operator: str,
    *,
    camel: Mapping[str, str] | None = None,
    parts: Mapping[str, Sequence[str]] | None = None,
) -> dsl.Query:
    """Every phrase (``operator="and"``) or any of them, each in any field."""
    clauses = [clause_query(phrase, camel, parts) for phrase in phrases]
    if operator == "and":
        return dsl.Q("bool", must=clauses)
    return dsl.Q("bool", should=clauses, minimum_should_match=1)


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


def build_search(
    query: SearchQuery,
    phrases: Collection[str] | None,
    operator: str,
    *,
    index: str,
    offset: int,
    size: int,
    camel: Mapping[str, str] | None = None,
    parts: Mapping[str, Sequence[str]] | None = None,
) -> dsl.Search:
    """The request for one page of ``query`` (``phrases`` None: browse);
    ``camel`` and ``parts`` as for ``clause_query``."""
    must = (
        words_query(phrases, operator, camel=camel, parts=parts)
        if phrases
        else dsl.Q("match_all")
    )
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
    search = search.highlight_options(
        pre_tags=["<mark>"], post_tags=["</mark>"], encoder="html"
    )
    if phrases:
        search = search.highlight("title", number_of_fragments=0)
        search = search.highlight("summary", number_of_fragments=0)
        search = search.highlight(
            "body",
            fragment_size=search_settings.SNIPPET_CHARS,
            number_of_fragments=1,
            no_match_size=search_settings.SNIPPET_CHARS,
        )
    return search.source(excludes=["body", "title_suggest"]).extra(
        from_=offset, size=size, track_total_hits=True
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
