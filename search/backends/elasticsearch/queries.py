"""Request bodies of the Elasticsearch backend, built with ``elasticsearch.dsl``
so that tests can read them with ``to_dict()``."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from elasticsearch import dsl

from ...conf import search_settings
from ...documents import SearchQuery

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


def words_query(phrases: Collection[str], operator: str) -> dsl.Query:
    """Every phrase (``operator="and"``) or any of them, each in any field."""
    clauses = [
        dsl.Q(
            "multi_match",
            query=phrase,
            fields=TEXT_FIELDS,
            type="best_fields",
            operator="and",
            fuzziness="AUTO",
            prefix_length=1,
            max_expansions=20,
        )
        for phrase in phrases
    ]
    if operator == "and":
        return dsl.Q("bool", must=clauses)
    return dsl.Q("bool", should=clauses, minimum_should_match=1)


def build_search(
    query: SearchQuery,
    phrases: Collection[str] | None,
    operator: str,
    *,
    index: str,
    offset: int,
    size: int,
) -> dsl.Search:
    """The request for one page of ``query`` (``phrases`` None: browse)."""
    must = words_query(phrases, operator) if phrases else dsl.Q("match_all")
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
