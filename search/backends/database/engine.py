"""SQL shared by the SQLite and PostgreSQL engines of the database backend.

An engine turns analysed queries into SQL for its vendor; everything that does
not depend on the vendor (filters, facet counting; the vocabulary in
``vocabulary.py``) lives here. Identifiers in SQL strings come from model
metadata and constants, never from input; values always go in parameters.
"""

from __future__ import annotations

import heapq
import json
import operator
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connections

from ...analysis import Clause, analyse
from ...conf import search_settings
from ...documents import Document, SearchQuery
from ...models import SearchDocument, SearchDocumentBody, SearchDocumentTag, SearchTerm
from .vocabulary import VocabularyMixin, placeholders

DOC = SearchDocument._meta.db_table
BODY = SearchDocumentBody._meta.db_table
TAG = SearchDocumentTag._meta.db_table
TERM = SearchTerm._meta.db_table

# Longer bodies are stored whole but only their beginning is indexed: a
# document that long is found by what it starts with.
INDEX_BODY_MAX_CHARS = 200_000

KEYWORD_FACETS = ("product_line", "area", "doc_type", "audience")

DOCUMENT_FIELDS = (
    "title",
    "summary",
    "url",
    "product_line",
    "area",
    "doc_type",
    "audience",
    "published",
    "visibility",
    "live",
)


def row_values(document: Document) -> dict[str, Any]:
    """Column values of the SearchDocument row for ``document``."""
    values = {name: getattr(document, name) for name in DOCUMENT_FIELDS}
    values["tags"] = list(document.tags)
    values["error_codes"] = list(document.error_codes)
    return values


@dataclass(frozen=True)
class FulltextRow:
    """The analysed text of one live document, as its engine stores it."""

    id: int
    lang: str
    title: str
    keywords: str
    summary: str
    body: str
    #: Title stems marked with the language ("it" + "stampant"), for
    #: suggestions: a typed prefix then only reaches titles of its language.
    suggest_title: str
    # What filters and facets read, kept beside the analysed text so that
    # counting large result sets needs no join (see ``meta_tokens``).
    visibility: str = ""
    product_line: str = ""
    area: str = ""
    doc_type: str = ""
    audience: str = ""
    published: Any = None
    tags: tuple[str, ...] = ()

    @property
    def meta(self) -> str:
        """Filter values as tokens of the SQLite full-text table."""
        return " ".join(
            (
                meta_token("lang", self.lang),
                meta_token("visibility", self.visibility),
                *(meta_token(name, getattr(self, name)) for name in KEYWORD_FACETS),
                *(meta_token("tag", tag) for tag in dict.fromkeys(self.tags)),
            )
        )


META_KINDS = {
    "lang": "l",
    "visibility": "v",
    "product_line": "p",
    "area": "a",
    "doc_type": "d",
    "audience": "u",
    "tag": "t",
}


def meta_token(name: str, value: str) -> str:
    """One filter value as a single full-text token: "0", the kind's letter
    and the value's UTF-8 bytes in hex (exact, letters and digits only, and
    never a word a query can produce)."""
    return "0" + META_KINDS[name] + value.encode().hex()


def analyse_document(document_id: int, document: Any) -> tuple[FulltextRow, dict]:
    """The full-text row and the vocabulary words of ``document`` (a
    ``Document`` or a ``SearchDocument``: the same attribute names)."""
    lang = document.lang
    title, title_words = analyse(document.title, lang)
    summary, summary_words = analyse(document.summary, lang)
    body, body_words = analyse(document.body[:INDEX_BODY_MAX_CHARS], lang)
    keywords, keyword_words = analyse(
        " ".join((*document.tags, *document.error_codes)), lang
    )
    row = FulltextRow(
        id=document_id,
        lang=lang,
        title=" ".join(title),
        keywords=" ".join(keywords),
        summary=" ".join(summary),
        body=" ".join(body),
        suggest_title=" ".join(lang + stem for stem in title),
        # Absent when only the vocabulary of a stored row is wanted.
        visibility=getattr(document, "visibility", ""),
        product_line=getattr(document, "product_line", ""),
        area=getattr(document, "area", ""),
        doc_type=getattr(document, "doc_type", ""),
        audience=getattr(document, "audience", ""),
        published=getattr(document, "published", None),
        tags=tuple(document.tags),
    )
    return row, {**body_words, **summary_words, **keyword_words, **title_words}


@dataclass(frozen=True)
class Combination:
    """How many matched documents share one combination of facet values."""

    product_line: str
    area: str
    doc_type: str
    audience: str
    has_tag: bool
    count: int

    def passes(self, filters: dict[str, str]) -> bool:
        for name, value in filters.items():
            if name == "tag":
                if not self.has_tag:
                    return False
            elif getattr(self, name) != value:
                return False
        return True


class Counts(NamedTuple):
    """The matches of a large result set passing the base filters, and those
    also passing the keyword filters; ``exact`` is false for estimates."""

    matches: int
    total: int
    exact: bool = True


class Match(NamedTuple):
    """One matched document: what ranking, filters and facets need of it
    (a named tuple: thousands are made per search)."""

    id: int
    score: float
    product_line: str
    area: str
    doc_type: str
    audience: str
    published: Any
    tags: Sequence[str]
    #: Whether the document holds every word of the query (see ``coverage``
    #: in ``Engine.collect``).
    complete: bool = True

    def passes(self, filters: dict[str, str]) -> bool:
        for name, value in filters.items():
            if name == "tag":
                if value not in self.tags:
                    return False
            elif getattr(self, name) != value:
                return False
        return True


def combinations_of(matches: Iterable[Match], tag: str | None) -> list[Combination]:
    """The matches counted per combination of facet values (what
    ``Engine.combinations`` answers, from rows already read)."""
    counts = Counter(
        (m.product_line, m.area, m.doc_type, m.audience, not tag or tag in m.tags)
        for m in matches
    )
    return [Combination(*key, count) for key, count in counts.items()]


def tag_counts_of(
    matches: Iterable[Match], filters: dict[str, str], limit: int
) -> list[tuple[str, int]]:
    """Tag facet of the matches passing ``filters`` (all but the tag's own),
    most frequent first, as ``Engine.tag_counts`` orders it."""
    others = {name: value for name, value in filters.items() if name != "tag"}
    counts: Counter[str] = Counter()
    for match in matches:
        if match.tags and match.passes(others):
            counts.update(set(match.tags))
    return sorted(counts.items(), key=lambda i: (-i[1], i[0]))[:limit]


def no_tags(value: Any) -> Sequence[str]:
    """The tags of a row when they are not wanted (not read)."""
    return ()


def _newest_first(match: Match) -> tuple:
    # Undated last, as ``Engine.date_order``.
    return (0,) if match.published is None else (1, match.published)


_score = operator.attrgetter("score")


def _by_score(match: Match) -> tuple:
    return (match.score, _newest_first(match), match.id)


def _by_date(match: Match) -> tuple:
    return (_newest_first(match), match.score, match.id)


def best_matches(matches: Iterable[Match], count: int, by_date: bool) -> list[Match]:
    """The first ``count`` of ``matches`` in the order ``Engine.ranked_ids``
    gives: by score, then newest, then newest id (or by date first when
    ``by_date``); only those are sorted."""
    if by_date:
        return heapq.nlargest(count, matches, key=_by_date)
    matches = list(matches)
    if len(matches) > count > 0:
        # The scores alone (a key in C) find the cut; the matches tied with
        # the last one kept are then ordered by the whole key.
        cut = heapq.nlargest(count, matches, key=_score)[-1].score
        matches = [m for m in matches if m.score >= cut]
    return sorted(matches, key=_by_score, reverse=True)[:count]


class Engine(VocabularyMixin):
    """Vendor-neutral part of the database backend; see the subclasses."""

    vendor = ""
    #: The table whose presence shows that migration 0002 has run.
    fulltext_table = ""
    #: Newest first, undated last: written as the browse index (migration
    #: 0004) is ordered, so that browsing reads it instead of sorting.
    date_order = "d.published DESC"
    #: The publication date as ``collect`` reads it: only compared with the
    #: other matches' (a newer one ranks first among equal scores).
    published_sql = "d.published"

    def __init__(self, using: str) -> None:
        self.using = using

    @property
    def connection(self):
        return connections[self.using]

    # Vendor hooks ------------------------------------------------------------

    def match_from(self, expression: str) -> tuple[str, list[object]]:
        """FROM clause joining the full-text table to ``d`` (the documents)."""
        raise NotImplementedError

    def match_where(self, expression: str) -> tuple[str, list[object]]:
        """Condition selecting the documents ``expression`` matches."""
        raise NotImplementedError

    def score(self) -> str:
        """Relevance of a matched row, higher is better (after match_from)."""
        raise NotImplementedError

    def expression(self, clauses: Iterable[Clause], operator: str) -> str:
        """Full-text query for ``clauses`` joined by "and" or "or"."""
        raise NotImplementedError

    def clause_expressions(self, clauses: Sequence[Clause]) -> list[str]:
        """One expression per clause, matching the documents holding any of
        its words (``collect``'s ``coverage``)."""
        return [self.expression([clause], "or") for clause in clauses]

    def capped_frequencies(
        self, words: list[str], lang: str, stems: list[str], cap: int
    ) -> dict[str, int]:
        """Live documents of ``lang`` holding each stem of ``words``, counted
        in the index up to ``cap``."""
        raise NotImplementedError

    def complete_matches(
        self, query: SearchQuery, expression: str, coverage: Sequence[str]
    ) -> set[int]:
        """The ids of the matches of ``expression`` holding every one of
        ``coverage`` (``clause_expressions``)."""
        raise NotImplementedError

    def term_expressions(self, clauses: Sequence[Clause], operator: str) -> list[str]:
        """The terms of ``expression(clauses, operator)`` one by one, for
        engines that weigh each term by its rarity themselves (see
        ``collect``); empty when the engine's own score does (SQLite's BM25)."""
        return []

    def suggest_rows(
        self,
        stems: list[str],
        prefix: str,
        base_where: str,
        params: list[object],
        limit: int,
    ) -> list[tuple[str, str, str]]:
        """(key, title, url) of titles matching the stems and prefix."""
        raise NotImplementedError

    def write_fulltext(self, cursor, rows: list[FulltextRow]) -> None:
        raise NotImplementedError

    def delete_fulltext(self, cursor, document_id: int) -> None:
        raise NotImplementedError

    def clear_fulltext(self, cursor) -> None:
        raise NotImplementedError

    def remove_orphans(self, cursor) -> None:
        """Drop full-text rows whose document is gone (after a flush)."""
        raise NotImplementedError

    def refresh_statistics(self, cursor) -> None:
        """After a rebuild: let the query planner see the new tables."""

    def forget(self) -> None:
        """After a change of the index: drop what was cached about it."""

    def reading(self) -> AbstractContextManager:
        """Context of the statements of one search (planner settings)."""
        return nullcontext()

    # Filters -------------------------------------------------------------------
    #
    # ``matched`` says whether ``d`` is the source of a full-text match
    # (``match_from``) rather than the documents table: PostgreSQL then reads
    # its own copies of the filter columns beside the tsvector.

    def id_sql(self, matched: bool) -> str:
        return "d.id"

    def live_sql(self, matched: bool) -> tuple[str, list[object]]:
        return "d.live = %s", [True]

    def has_tag_sql(self, matched: bool) -> str:
        return (
            f"EXISTS (SELECT 1 FROM {TAG} t "  # noqa: S608 (fixed identifiers)
            "WHERE t.document_id = d.id AND t.tag = %s)"
        )

    def tag_join_sql(self, matched: bool) -> str:
        return f"JOIN {TAG} tg ON tg.document_id = d.id"

    def tag_values(self, value: Any) -> Sequence[str]:
        """The tags of a row as ``collect`` reads them (``d.tags``)."""
        if isinstance(value, str):  # JSON text on SQLite
            if value == "[]":
                return ()
            if "\\" not in value:
                # json.dumps's own layout: no escapes, so no quote inside a
                # tag (a third of json.loads's time for thousands of rows).
                return value[2:-2].split('", "')
            return json.loads(value)
        return value or ()

    def base_where(
        self, query: SearchQuery, matched: bool = False
    ) -> tuple[str, list[object]]:
        """Language, live, visibility and date range: what every count obeys."""
        visibility = sorted(query.visibility)
        live, live_params = self.live_sql(matched)
        conditions = ["d.lang = %s", f"d.visibility IN ({placeholders(visibility)})"]
        params: list[object] = [query.lang, *visibility]
        if live:
            conditions.append(live)
            params.extend(live_params)
        self.add_date_range(query, conditions, params)
        return " AND ".join(conditions), params

    def add_date_range(
        self, query: SearchQuery, conditions: list[str], params: list[object]
    ) -> None:
        if query.filters.date_from:
            conditions.append("d.published >= %s")
            params.append(query.filters.date_from)
        if query.filters.date_to:
            conditions.append("d.published <= %s")
            params.append(query.filters.date_to)

    def keyword_where(
        self, filters: dict[str, str], matched: bool = False
    ) -> tuple[str, list[object]]:
        conditions: list[str] = []
        params: list[object] = []
        for name in KEYWORD_FACETS:
            if name in filters:
                conditions.append(f"d.{name} = %s")
                params.append(filters[name])
        if "tag" in filters:
            conditions.append(self.has_tag_sql(matched))
            params.append(filters["tag"])
        return " AND ".join(conditions), params

    def _where(
        self, query: SearchQuery, expression: str | None, filters: dict[str, str]
    ) -> tuple[str, str, list[object]]:
        """FROM clause, WHERE clause and parameters."""
        conditions: list[str] = []
        params: list[object] = []
        matched = expression is not None
        if expression is None:
            from_clause = f"{DOC} d"
        else:
            from_clause, from_params = self.match_from(expression)
            params.extend(from_params)
            sql, match_params = self.match_where(expression)
            conditions.append(sql)
            params.extend(match_params)
        sql, base_params = self.base_where(query, matched)
        conditions.append(sql)
        params.extend(base_params)
        sql, keyword_params = self.keyword_where(filters, matched)
        if sql:
            conditions.append(sql)
            params.extend(keyword_params)
        return from_clause, " AND ".join(conditions), params

    # Large result sets ---------------------------------------------------------

    def match_count(
        self, query: SearchQuery, expression: str, filters: dict[str, str]
    ) -> int | None:
        """Exact number of matches, when the engine can count them without
        reading every match's row (else None)."""
        from_clause, where, params = self._where(query, expression, filters)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM {from_clause} WHERE {where}",  # noqa: S608 (fixed identifiers)
                params,
            )
            return cursor.fetchone()[0]

    def match_bound(
        self,
        query: SearchQuery,
        expression: str,
        limit: int,
        narrow: dict[str, str] | None = None,
    ) -> int | None:
        """A cheap upper bound of the matches of ``expression`` (any number
        above ``limit`` when there are more), or None: when it is ``limit``
        or less, the exact path is quicker. The bound may count only the
        matches passing the keyword filters ``narrow`` (``collect`` then reads
        no others)."""
        return None

    def match_counts(
        self,
        query: SearchQuery,
        expression: str,
        filters: dict[str, str],
        bound: int | None = None,
    ) -> Counts | None:
        """The matches passing the base filters and those also passing
        ``filters``, when they can be counted without reading every match
        (else None); ``bound`` is what ``match_bound`` answered."""
        matches = self.match_count(query, expression, {})
        if matches is None:
            return None
        if not filters:
            return Counts(matches, matches)
        return Counts(matches, self.match_count(query, expression, filters))

    def collect(
        self,
        query: SearchQuery,
        expression: str,
        limit: int,
        scored: bool = True,
        tagged: bool = True,
        terms: Sequence[str] = (),
        documents: int = 0,
        filters: dict[str, str] | None = None,
        narrow: dict[str, str] | None = None,
        coverage: Sequence[str] = (),
    ) -> list[Match]:
        """Up to ``limit`` matches passing the base filters (language,
        visibility, dates), with their score unless not ``scored``: one
        statement gives the total, every facet and the ranking of a result set
        of normal size. The keyword filters are left to the caller (the facets
        count what they leave out), unless ``narrow`` gives them: no facets
        are wanted then, and engines may leave the facet values of the matches
        unread. Without ``tagged`` the tags are not read (no tag filter, no
        tag facet).
        ``terms`` (``term_expressions``) and ``documents`` (live documents of
        the language) are for engines that weigh the terms themselves, and
        ``filters`` (the keyword filters) for those that rank the best of the
        matches passing them again. ``coverage`` (``clause_expressions`` of
        the query's words, when it has several) marks the matches holding
        every word and scores them ``1 + ALL_WORDS_BOOST`` times higher:
        documents holding all the words rank above those holding some of
        them, unless the latter match far better."""
        from_clause, where, params = self._where(query, expression, narrow or {})
        score = self.score() if scored else "0"
        sql = (
            f"SELECT {self.id_sql(True)}, {score}, d.product_line, d.area, "  # noqa: S608 (fixed identifiers)
            f"d.doc_type, d.audience, {self.published_sql}, d.tags "
            f"FROM {from_clause} "
            f"WHERE {where} LIMIT %s"
        )
        tag_values = self.tag_values if tagged else no_tags
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit])
            rows = cursor.fetchall()
        if not (coverage and rows and scored and len(rows) < limit):
            return [Match(*row[:7], tag_values(row[7])) for row in rows]
        # One pass: thousands of rows, most of them holding some words only.
        complete = self.complete_matches(query, expression, coverage)
        factor = 1.0 + search_settings.ALL_WORDS_BOOST
        return [
            Match(row[0], row[1] * factor, *row[2:7], tag_values(row[7]), True)
            if row[0] in complete
            else Match(*row[:7], tag_values(row[7]), False)
            for row in rows
        ]

    def head_ranked_ids(
        self, query: SearchQuery, expression: str, offset: int, limit: int
    ) -> list[tuple[int, float]]:
        """One page of a large result set: the matches in a title, tag or
        summary ranked first, then the others newest first (score 0)."""
        raise NotImplementedError

    # Reading -------------------------------------------------------------------

    def combinations(
        self, query: SearchQuery, expression: str | None
    ) -> list[Combination]:
        """Matched documents counted per combination of facet values: one
        GROUP BY gives the total and every keyword facet."""
        tag = query.filters.tag
        from_clause, where, params = self._where(query, expression, {})
        matched = expression is not None
        if tag:
            has_tag = f"CASE WHEN {self.has_tag_sql(matched)} THEN 1 ELSE 0 END"
            params = [tag, *params]
        else:
            has_tag = "1"
        sql = (
            f"SELECT d.product_line, d.area, d.doc_type, d.audience, {has_tag}, "  # noqa: S608 (fixed identifiers)
            f"COUNT(*) FROM {from_clause} WHERE {where} "
            "GROUP BY d.product_line, d.area, d.doc_type, d.audience, 5"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [
                Combination(pl, area, doc_type, audience, bool(flag), count)
                for pl, area, doc_type, audience, flag, count in cursor.fetchall()
            ]

    def ranked_ids(
        self,
        query: SearchQuery,
        expression: str | None,
        offset: int,
        limit: int,
    ) -> list[tuple[int, float]]:
        """(id, score) of one page of hits, in order."""
        filters = query.filters.values_except(None)
        from_clause, where, params = self._where(query, expression, filters)
        by_date = self.date_order
        doc_id = self.id_sql(expression is not None)
        if expression is None:
            score = "0.0"
            order = f"{by_date}, {doc_id} DESC"
        else:
            score = self.score()
            order = (
                f"{by_date}, score DESC, {doc_id} DESC"
                if query.sort == "date"
                else f"score DESC, {by_date}, {doc_id} DESC"
            )
        sql = (
            f"SELECT {doc_id}, {score} AS score FROM {from_clause} "  # noqa: S608 (fixed identifiers)
            f"WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit, offset])
            return [(row[0], float(row[1])) for row in cursor.fetchall()]

    def tag_counts(
        self,
        query: SearchQuery,
        expression: str | None,
        limit: int,
    ) -> list[tuple[str, int]]:
        filters = query.filters.values_except("tag")
        from_clause, where, params = self._where(query, expression, filters)
        matched = expression is not None
        sql = (
            f"SELECT tg.tag, COUNT(*) FROM {from_clause} "  # noqa: S608 (fixed identifiers)
            f"{self.tag_join_sql(matched)} WHERE {where} "
            "GROUP BY tg.tag ORDER BY COUNT(*) DESC, tg.tag LIMIT %s"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit])
            return [(tag, count) for tag, count in cursor.fetchall()]

    def suggestions(
        self,
        stems: list[str],
        prefix: str,
        lang: str,
        product_line: str | None,
        visibility: list[str],
        limit: int,
    ) -> list[tuple[str, str, str]]:
        conditions = [
            "d.lang = %s",
            "d.live = %s",
            f"d.visibility IN ({placeholders(visibility)})",
        ]
        params: list[object] = [lang, True, *visibility]
        if product_line:
            conditions.append("d.product_line = %s")
            params.append(product_line)
        return self.suggest_rows(
            [lang + stem for stem in stems],
            lang + prefix if prefix else "",
            " AND ".join(conditions),
            params,
            limit,
        )

    def live_count(self, lang: str) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM {DOC} WHERE lang = %s AND live = %s",  # noqa: S608 (fixed identifiers)
                [lang, True],
            )
            return cursor.fetchone()[0]

    # Writing -------------------------------------------------------------------

    def insert_bodies(self, cursor, rows: list[tuple[int, str]]) -> None:
        cursor.executemany(
            f"INSERT INTO {BODY} (document_id, text) VALUES (%s, %s)",  # noqa: S608 (fixed identifiers)
            rows,
        )

    def insert_tags(self, cursor, rows: list[tuple[int, str]]) -> None:
        cursor.executemany(
            f"INSERT INTO {TAG} (document_id, tag) VALUES (%s, %s)",  # noqa: S608 (fixed identifiers)
            rows,
        )

    def clear(self, cursor) -> None:
        """Empty every table of the index (inside the rebuild's transaction)."""
        self.clear_fulltext(cursor)
        for table in (TAG, BODY, DOC, TERM):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed identifiers)


def facet_counts(
    combinations: list[Combination], filters: dict[str, str], facet: str
) -> Counter[str]:
    """Counts of ``facet``'s values among the combinations passing every
    filter but the facet's own."""
    others = {name: value for name, value in filters.items() if name != facet}
    counts: Counter[str] = Counter()
    for combination in combinations:
        value = getattr(combination, facet)
        if value and combination.passes(others):
            counts[value] += combination.count
    return counts
