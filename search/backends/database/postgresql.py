"""PostgreSQL engine: tsvectors of analysed text with GIN indexes.

The text is analysed in Python (``search.analysis``) exactly as on SQLite and
stored with the ``simple`` configuration, which only lowercases: stemming,
stopwords and accent folding need no extension and no superuser. Weights: title
A, tags and error codes B, summary C, body D. Every tsvector also carries its
document's filter values as lexemes without positions (``FulltextRow.meta``:
language, visibility, product line, area, type, audience, tags), so that the
GIN index alone narrows a common word to one language and visibility. "Did you
mean" uses pg_trgm when the extension is installed, else the vocabulary scan
shared with SQLite.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import operator
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction

from ...analysis import Clause
from ...conf import search_settings
from ...documents import SearchQuery
from .engine import (
    BODY,
    DOC,
    KEYWORD_FACETS,
    TAG,
    TERM,
    Counts,
    Engine,
    FulltextRow,
    Match,
    best_matches,
    meta_token,
    no_tags,
)

TSV = "search_document_tsv"

# ts_rank weights for D, C, B, A (body, summary, keywords, title).
WEIGHTS = "'{0.1, 0.3, 0.6, 1.0}'"

# Re-ranking (see ``PostgreSQLEngine.rerank``) -------------------------------
#: How many of the best matches of the first ranking BM25F ranks again, at
#: least: never fewer than the pipeline's exact-forms stage reorders
#: (``SEARCH_EXACT_POOL``), whose pool must be the BM25 order.
RERANK_DEPTH = 30
#: BM25's term-frequency saturation and length normalisation.
K1 = 1.6
B = 0.75
#: ts_rank weights (D, C, B, A) that count the title only, the title and the
#: keywords, and so on: a word's positions are in that order in a tsvector.
PREFIX_WEIGHTS = ("'{0,0,0,1}'", "'{0,0,1,1}'", "'{0,1,1,1}'", "'{1,1,1,1}'")
FIELDS = "abcd"
#: How long the average field lengths of a language may be reused.
FIELD_LENGTHS_SECONDS = 600.0
FIELD_LENGTHS_SAMPLE = 500
# ts_rank of one word whose first n positions all weigh 1 is
# sum(1/j**2 for j in 1..n) / (pi**2 / 6), normalisation 0 (a tsvector keeps
# at most 256 positions of a word): the midpoints between successive sums turn
# a rank back into n.
_ZETA2 = 1.64493406685
_SUMS = [0.0, *itertools.accumulate(1 / (j * j) for j in range(1, 257))]
_MIDPOINTS = [(a + b) / 2 / _ZETA2 for a, b in itertools.pairwise(_SUMS)]
_QUOTED = re.compile(r"'([^']*)'")


def occurrences(rank: float) -> int:
    """How many positions of a word ``rank`` (ts_rank of the word alone,
    normalisation 0, the counted positions first) stands for."""
    return bisect.bisect(_MIDPOINTS, rank)


def alternatives(term: str) -> list[tuple[str, ...]]:
    """The alternatives of one of ``term_expressions``' terms, each the
    stems of a phrase: "'a'", "('a' <-> 'b')", "('a' | ('b' <-> 'c'))"."""
    if " | " in term:
        return [tuple(_QUOTED.findall(alt)) for alt in term[1:-1].split(" | ")]
    return [tuple(_QUOTED.findall(term))]


def _lexemes(stems: tuple[str, ...], prefix: bool = False) -> str:
    # Stems hold letters and digits only, so quoting them is enough.
    quoted = [f"'{stem}'" for stem in stems]
    if prefix:
        quoted[-1] += ":*"
    if len(quoted) == 1:
        return quoted[0]
    return "(" + " <-> ".join(quoted) + ")"


def scope_tsquery(query: SearchQuery, filters: dict[str, str] | None = None) -> str:
    """The language and visibilities of ``query`` (and the keyword and tag
    ``filters``) as a tsquery of the filter lexemes each tsvector carries,
    quoted as they are: no parsing."""
    visibility = " | ".join(
        f"'{meta_token('visibility', value)}'" for value in sorted(query.visibility)
    )
    parts = [f"'{meta_token('lang', query.lang)}'", f"( {visibility} )"]
    for name in (*KEYWORD_FACETS, "tag"):
        if filters and name in filters:
            parts.append(f"'{meta_token(name, filters[name])}'")
    return " & ".join(parts)


def _bitmap_index_rows(plan: Any) -> int | None:
    """Rows of the one bitmap index scan of an ``EXPLAIN (ANALYZE, FORMAT
    JSON)`` plan, or None when the plan has none or several."""
    if isinstance(plan, str):
        plan = json.loads(plan)
    found: list[int] = []
    stack = [plan[0]["Plan"]]
    while stack:
        node = stack.pop()
        if node.get("Node Type") == "Bitmap Index Scan":
            found.append(int(node["Actual Rows"]))
        stack.extend(node.get("Plans", ()))
    return found[0] if len(found) == 1 else None


class PostgreSQLEngine(Engine):
    vendor = "postgresql"
    fulltext_table = TSV
    date_order = "d.published DESC NULLS LAST"

    def __init__(self, using: str) -> None:
        super().__init__(using)
        self._trigrams: bool | None = None
        self._field_lengths: dict[str, tuple[float, tuple[float, ...]]] = {}

    # A match reads the tsvector table alone: it holds its own copy of the
    # filter and facet columns (migration 0005), and only live documents.

    def match_from(self, expression: str) -> tuple[str, list[object]]:
        return f"{TSV} d CROSS JOIN to_tsquery('simple', %s) q", [expression]

    def match_where(self, expression: str) -> tuple[str, list[object]]:
        return "d.document @@ q", []

    def score(self) -> str:
        # Normalisation 1: divide by 1 + log(length), as BM25 favours the
        # shorter of two documents with the same matches.
        return f"ts_rank({WEIGHTS}, d.document, q, 1)"

    def id_sql(self, matched: bool) -> str:
        return "d.document_id" if matched else "d.id"

    def live_sql(self, matched: bool) -> tuple[str, list[object]]:
        return ("", []) if matched else super().live_sql(matched)

    def base_where(
        self, query: SearchQuery, matched: bool = False, column: str = "document"
    ) -> tuple[str, list[object]]:
        if not matched:
            return super().base_where(query, matched)
        return self.scope_where(query, column)

    def scope_where(
        self,
        query: SearchQuery,
        column: str = "document",
        filters: dict[str, str] | None = None,
    ) -> tuple[str, list[object]]:
        """Language, visibility (and ``filters``) as a second ``@@`` on the
        tsvector ``column`` the words are matched in: the GIN index
        intersects the words' documents with them before any row is read.
        The date range is checked on the rows."""
        conditions = [f"d.{column} @@ %s::tsquery"]
        params: list[object] = [scope_tsquery(query, filters)]
        self.add_date_range(query, conditions, params)
        return " AND ".join(conditions), params

    def _where(self, query, expression, filters):
        if expression is None:
            return super()._where(query, expression, filters)
        # The keyword and tag filters too are lexemes of the tsvector: the
        # GIN index leaves out the rows they would reject.
        from_clause, params = self.match_from(expression)
        scope, scope_params = self.scope_where(query, filters=filters)
        return from_clause, f"d.document @@ q AND {scope}", [*params, *scope_params]

    def has_tag_sql(self, matched: bool) -> str:
        return "%s = ANY(d.tags)" if matched else super().has_tag_sql(matched)

    def tag_join_sql(self, matched: bool) -> str:
        if matched:
            return "CROSS JOIN LATERAL unnest(d.tags) AS tg(tag)"
        return super().tag_join_sql(matched)

    # Large result sets --------------------------------------------------------
    #
    # Counting thousands of matches exactly means reading each one's row (the
    # GIN index cannot tell a count alone): 20-60 ms for the commonest words
    # of 100,000 documents. The number of documents the index itself finds is
    # known as soon as its bitmap is built, and ``EXPLAIN ANALYZE`` reports
    # it: an upper bound of the matches (the index may still list rows
    # deleted since the last vacuum, and phrases are checked on the rows).
    # Up to ``limit`` matches the caller counts them exactly anyway; beyond,
    # the totals are these estimates, and flagged as such.

    def index_count(
        self, query: SearchQuery, expression: str, filters: dict[str, str]
    ) -> int | None:
        """Documents the GIN index finds for ``expression`` within the
        language, visibility and ``filters`` of ``query``, without reading
        their rows; None when the plan is not one bitmap index scan."""
        # One tsquery holds the words and the scope: one condition of the
        # index scan, whatever plan is chosen (with two, the planner may
        # check the scope on the rows, and the scan count the words alone).
        with self.connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF, FORMAT JSON) "  # noqa: S608 (fixed identifiers)
                f"SELECT 1 FROM {TSV} d WHERE d.document @@ "
                "(to_tsquery('simple', %s) && %s::tsquery) LIMIT 1",
                [expression, scope_tsquery(query, filters)],
            )
            return _bitmap_index_rows(cursor.fetchone()[0])

    def _counted(
        self, query: SearchQuery, expression: str, limit: int, filters: dict[str, str]
    ) -> int:
        """Matches passing ``filters`` counted on their rows, stopping after
        ``limit + 1``."""
        from_clause, where, params = self._where(query, expression, filters)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT 1 FROM {from_clause} "  # noqa: S608 (fixed identifiers)
                f"WHERE {where} LIMIT %s) m",
                [*params, limit + 1],
            )
            return cursor.fetchone()[0]

    def match_bound(self, query, expression, limit, narrow=None):
        narrow = narrow or {}
        if query.filters.date_from or query.filters.date_to:
            # The index knows no dates: count the rows, up to limit + 1.
            return self._counted(query, expression, limit, narrow)
        found = self.index_count(query, expression, narrow)
        if found is None:
            return self._counted(query, expression, limit, narrow)
        return found

    def match_counts(self, query, expression, filters, bound=None):
        if not (query.filters.date_from or query.filters.date_to):
            matches = (
                self.index_count(query, expression, {}) if bound is None else bound
            )
            total = self.index_count(query, expression, filters) if filters else matches
            if matches is not None and total is not None:
                return Counts(matches, total, exact=False)
        # One pass over the matches counts both exactly.
        base, base_params = self.base_where(query, matched=True)
        keywords, keyword_params = self.keyword_where(filters, matched=True)
        filtered = f"COUNT(*) FILTER (WHERE {keywords})" if keywords else "COUNT(*)"
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*), {filtered} FROM {TSV} d "  # noqa: S608 (fixed identifiers)
                "CROSS JOIN to_tsquery('simple', %s) q "
                f"WHERE d.document @@ q AND {base}",
                [*keyword_params, expression, *base_params],
            )
            matches, total = cursor.fetchone()
            return Counts(matches, total)

    def head_ranked_ids(self, query, expression, offset, limit):
        filters = query.filters.values_except(None)

        def where(column: str) -> tuple[str, list[object]]:
            sql, params = self.scope_where(query, column, filters)
            return sql, [expression, *params]

        source = f"{TSV} d CROSS JOIN to_tsquery('simple', %s) q"
        in_head_where, in_head_params = where("head")
        with self.connection.cursor() as cursor:
            # Ranking the head matches reads them all anyway; they are only
            # counted when the page goes past them.
            cursor.execute(
                f"SELECT d.document_id, ts_rank({WEIGHTS}, d.head, q, 1) AS score "  # noqa: S608 (fixed identifiers)
                f"FROM {source} WHERE d.head @@ q AND {in_head_where} "
                f"ORDER BY score DESC, {self.date_order}, d.document_id DESC "
                "LIMIT %s OFFSET %s",
                [*in_head_params, limit, offset],
            )
            rows = [(row[0], float(row[1])) for row in cursor.fetchall()]
            if len(rows) == limit:
                return rows
            if rows or not offset:
                in_head = offset + len(rows)
            else:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {source} "  # noqa: S608 (fixed identifiers)
                    f"WHERE d.head @@ q AND {in_head_where}",
                    in_head_params,
                )
                in_head = cursor.fetchone()[0]
            rest_where, rest_params = where("document")
            cursor.execute(
                f"SELECT d.document_id FROM {source} "  # noqa: S608 (fixed identifiers)
                f"WHERE d.document @@ q AND NOT d.head @@ q AND {rest_where} "
                f"ORDER BY {self.date_order}, d.document_id DESC "
                "LIMIT %s OFFSET %s",
                [*rest_params, limit - len(rows), max(0, offset - in_head)],
            )
            rows.extend((row[0], 0.0) for row in cursor.fetchall())
        return rows

    def expression(self, clauses: Iterable[Clause], operator: str) -> str:
        return (" | " if operator == "or" else " & ").join(
            self.term_expressions(list(clauses), operator)
        )

    def term_expressions(self, clauses, operator):
        if operator == "or":
            # Any word will do: the words of a multi-word alternative
            # (synonym, camel-case pieces) count one by one.
            return list(
                dict.fromkeys(
                    _lexemes((stem,))
                    for clause in clauses
                    for alt in clause
                    for stem in alt
                )
            )
        parts = []
        for clause in clauses:
            alternatives = [_lexemes(alt) for alt in clause]
            if len(alternatives) == 1:
                parts.append(alternatives[0])
            else:
                parts.append("(" + " | ".join(alternatives) + ")")
        return parts

    def capped_frequencies(self, words, lang, stems, cap):
        # The GIN index's own count (``index_count``'s way: 2-3 ms), not the
        # rows read one by one up to ``cap`` (20-40 ms for a short word
        # thousands of documents hold); an upper bound, which is all the
        # choice of words to look for needs.
        found = {}
        language = f"'{meta_token('lang', lang)}'"
        with self.connection.cursor() as cursor:
            for word, stem in zip(words, stems, strict=True):
                terms = f"'{stem}' & {language}"
                cursor.execute(
                    "EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF, FORMAT JSON) "  # noqa: S608 (fixed identifiers)
                    f"SELECT 1 FROM {TSV} d WHERE d.document @@ %s::tsquery LIMIT 1",
                    [terms],
                )
                counted = _bitmap_index_rows(cursor.fetchone()[0])
                if counted is None:
                    cursor.execute(
                        f"SELECT COUNT(*) FROM (SELECT 1 FROM {TSV} d "  # noqa: S608 (fixed identifiers)
                        "WHERE d.document @@ %s::tsquery LIMIT %s) m",
                        [terms, cap],
                    )
                    counted = cursor.fetchone()[0]
                found[word] = min(counted, cap)
        return found

    def complete_matches(self, query, expression, coverage):
        # (``collect`` here answers "every word" in its own statement; this
        # is the hook's plain form.)
        scope, scope_params = self.scope_where(query)
        words = " & ".join(f"({clause})" for clause in coverage)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.document_id FROM {TSV} d "  # noqa: S608 (fixed identifiers)
                "WHERE d.document @@ to_tsquery('simple', %s) "
                f"AND d.document @@ %s::tsquery AND {scope}",
                [expression, words, *scope_params],
            )
            return {row[0] for row in cursor.fetchall()}

    def collect(
        self,
        query,
        expression,
        limit,
        scored=True,
        tagged=True,
        terms=(),
        documents=0,
        filters=None,
        narrow=None,
        coverage=(),
    ):
        if not (scored and terms):
            return super().collect(
                query,
                expression,
                limit,
                scored,
                tagged,
                narrow=narrow,
                coverage=coverage,
            )
        # ``ts_rank`` knows nothing of how rare a word is: "printer" in a
        # title counts as much as "the". Each term is therefore ranked on its
        # own and weighted by its inverse document frequency among the
        # matches read here (all the documents holding any of the terms, as
        # long as there are no more than ``limit``): BM25's weighting with
        # ts_rank's field weights. The ``RERANK_DEPTH`` best are then ranked
        # again by BM25F (``rerank``). The same statement tells which matches
        # hold every word of the query (``coverage``).
        from_clause, where, params = self._where(query, expression, narrow or {})
        several = len(terms) > 1
        ranks = (
            "ARRAY["
            + ", ".join(
                f"ts_rank({WEIGHTS}, d.document, %s::tsquery, 1)" for _term in terms
            )
            + "]::float4[]"
            if several
            else "NULL"
        )
        holds = (
            "ARRAY[" + ", ".join("d.document @@ %s::tsquery" for _c in coverage) + "]"
            if coverage
            else "NULL"
        )
        # Without facets (``narrow`` given), every row read passes the
        # keyword filters: their values are known, the others are not needed.
        keywords = "d.product_line, d.area, d.doc_type, d.audience, "
        facets = keywords if narrow is None else ""
        tags = "d.tags" if tagged and narrow is None else "NULL"
        sql = (
            f"SELECT d.document_id, {self.score()}, {facets}d.published, {tags}, "  # noqa: S608 (fixed identifiers)
            f"{ranks}, {holds} FROM {from_clause} WHERE {where} LIMIT %s"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(
                sql,
                [*(terms if several else ()), *coverage, *params, limit],
            )
            rows = cursor.fetchall()
        total = max(documents, len(rows))
        if several:
            # Thousands of rows times a dozen terms: the loops run in C.
            matched = [
                sum(map(bool, c)) for c in zip(*(row[-2] for row in rows), strict=True)
            ]
        else:
            matched = [len(rows)] * len(terms)
        weights = [
            math.log(1 + (total - found + 0.5) / (found + 0.5)) for found in matched
        ]
        boost = 1.0 + search_settings.ALL_WORDS_BOOST

        def score(row) -> float:
            value = (
                sum(map(operator.mul, weights, row[-2])) if several else float(row[1])
            )
            return value * boost if coverage and all(row[-1]) else value

        if narrow is None:
            tag_values = self.tag_values if tagged else no_tags
            matches = [
                Match(
                    row[0],
                    score(row),
                    *row[2:7],
                    tag_values(row[7]),
                    not coverage or all(row[-1]),
                )
                for row in rows
            ]
        else:
            known = [narrow.get(name, "") for name in KEYWORD_FACETS]
            tag = (narrow["tag"],) if "tag" in narrow else ()
            matches = [
                Match(
                    row[0],
                    score(row),
                    *known,
                    row[2],
                    tag,
                    not coverage or all(row[-1]),
                )
                for row in rows
            ]
        # (One word: BM25F would order its matches much as ts_rank does.)
        if several and len(rows) < limit and query.sort != "date":
            # (Narrowed, every match passes the filters.)
            left = (filters or {}) if narrow is None else {}
            matches = self.rerank(query, matches, list(terms), weights, left)
        return matches

    # BM25F ----------------------------------------------------------------------
    #
    # ``ts_rank`` adds up a word's occurrences with a weight per field but
    # saturates after two or three of them, and divides by the length of the
    # whole document: a long article mentioning the words of a description
    # here and there outranks the short one about the problem. BM25F counts
    # each word's occurrences per field, normalises each field by its length
    # against the language's average, and saturates the weighted sum (what
    # Elasticsearch's ``combined_fields`` query does). Counting per field costs
    # four ``ts_rank`` per word and row, too much for thousands of matches: the
    # first ranking chooses the ``RERANK_DEPTH`` best (passing the keyword
    # filters) and only those are counted and ranked again, above the others.

    def rerank(
        self,
        query: SearchQuery,
        matches: list[Match],
        terms: list[str],
        idf: list[float],
        filters: dict[str, str],
    ) -> list[Match]:
        """``matches`` with the first ``RERANK_DEPTH`` (or ``EXACT_POOL``) of
        those passing ``filters`` scored again by BM25F, above all the others;
        ``idf`` is the weight of each of ``terms``."""
        passing = (m for m in matches if m.passes(filters)) if filters else matches
        depth = max(RERANK_DEPTH, search_settings.EXACT_POOL)
        candidates = best_matches(passing, depth, by_date=False)
        if not candidates:
            return matches
        phrases = [alternatives(term) for term in terms]
        stems = list(dict.fromkeys(s for alts in phrases for alt in alts for s in alt))
        counted = self.field_counts([m.id for m in candidates], stems)
        averages = self.field_lengths(query.lang)
        scores = {}
        for document_id, (counts, lengths) in counted.items():
            norms = [
                weight / (1 - B + B * length / average) if average else weight
                for weight, length, average in zip(
                    search_settings.FIELD_WEIGHTS, lengths, averages, strict=True
                )
            ]
            score = 0.0
            for weight, alts in zip(idf, phrases, strict=True):
                # A phrase occurs as often as its rarest word; alternatives
                # (synonyms) count together, as one word.
                per_field = [
                    sum(min(counts[stem][field] for stem in alt) for alt in alts)
                    for field in range(len(FIELDS))
                ]
                frequency = sum(map(operator.mul, norms, per_field))
                if frequency:
                    score += weight * frequency * (K1 + 1) / (K1 + frequency)
            scores[document_id] = score
        chosen = {m.id for m in candidates}
        floor = max((m.score for m in matches if m.id not in chosen), default=0.0)
        boost = 1.0 + search_settings.ALL_WORDS_BOOST
        return [
            m._replace(
                score=floor
                + 1e-6
                + scores.get(m.id, 0.0) * (boost if m.complete else 1.0)
            )
            if m.id in chosen
            else m
            for m in matches
        ]

    def field_counts(
        self, document_ids: list[int], stems: list[str]
    ) -> dict[int, tuple[dict[str, list[int]], list[int]]]:
        """Per document: the occurrences of each stem in each field (title,
        keywords, summary, body) and each field's length in distinct words."""
        ranks = ", ".join(
            f"ts_rank({weights}, d.document, to_tsquery('simple', %s), 0)"
            for _stem in stems
            for weights in PREFIX_WEIGHTS
        )
        lengths = ", ".join(
            f"length(ts_filter(d.document, '{{{field}}}'))" for field in FIELDS
        )
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.document_id, ARRAY[{ranks}]::float4[], "  # noqa: S608 (fixed identifiers)
                f"ARRAY[{lengths}] FROM {TSV} d WHERE d.document_id = ANY(%s)",
                [*(f"'{s}'" for s in stems for _ in PREFIX_WEIGHTS), document_ids],
            )
            rows = cursor.fetchall()
        counted = {}
        width = len(PREFIX_WEIGHTS)
        for document_id, ranks_row, lengths_row in rows:
            counts = {}
            for position, stem in enumerate(stems):
                # Positions in the first one, two, three and four fields.
                within = [0, *map(occurrences, ranks_row[position * width :][:width])]
                counts[stem] = [b - a for a, b in itertools.pairwise(within)]
            counted[document_id] = (counts, lengths_row)
        return counted

    def field_lengths(self, lang: str) -> tuple[float, ...]:
        """Average length of each field in the documents of ``lang`` (from a
        sample), reused for ``FIELD_LENGTHS_SECONDS``."""
        now = time.monotonic()
        cached = self._field_lengths.get(lang)
        if cached is None or now - cached[0] > FIELD_LENGTHS_SECONDS:
            averages = ", ".join(
                f"avg(length(ts_filter(s.document, '{{{field}}}')))" for field in FIELDS
            )
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {averages} FROM (SELECT d.document FROM {TSV} d "  # noqa: S608 (fixed identifiers)
                    "WHERE d.document @@ %s::tsquery LIMIT %s) s",
                    [f"'{meta_token('lang', lang)}'", FIELD_LENGTHS_SAMPLE],
                )
                values = tuple(float(value or 0) for value in cursor.fetchone())
            cached = self._field_lengths[lang] = (now, values)
        return cached[1]

    def forget(self) -> None:
        self._field_lengths.clear()

    def suggest_rows(self, stems, prefix, base_where, params, limit):
        terms = [_lexemes((stem,)) for stem in stems]
        if prefix:
            terms.append(_lexemes((prefix,), prefix=True))
        if not terms:
            return []
        sql = (
            f"SELECT d.key, d.title, d.url FROM {TSV} v "  # noqa: S608 (fixed identifiers)
            f"JOIN {DOC} d ON d.id = v.document_id "
            "CROSS JOIN to_tsquery('simple', %s) q "
            f"WHERE v.title @@ q AND {base_where} "
            "ORDER BY ts_rank(v.title, q) DESC, length(d.title), d.id LIMIT %s"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [" & ".join(terms), *params, limit])
            return cursor.fetchall()

    def write_fulltext(self, cursor, rows: list[FulltextRow]) -> None:
        cursor.executemany(
            f"INSERT INTO {TSV} (document_id, head, document, title, lang, "  # noqa: S608 (fixed identifiers)
            "visibility, product_line, area, doc_type, audience, published, tags) "
            "SELECT id, head, head || setweight(to_tsvector('simple', body), 'D'), "
            "to_tsvector('simple', suggest), lang, visibility, product_line, "
            "area, doc_type, audience, published, tags FROM (SELECT "
            "%s::bigint AS id, setweight(to_tsvector('simple', %s), 'A') || "
            "setweight(to_tsvector('simple', %s), 'B') || "
            "setweight(to_tsvector('simple', %s), 'C') || "
            "array_to_tsvector(%s::text[]) AS head, %s AS body, "
            "%s AS suggest, %s AS lang, %s AS visibility, %s AS product_line, "
            "%s AS area, %s AS doc_type, %s AS audience, %s::date AS published, "
            "%s::text[] AS tags) AS r",
            [
                (
                    r.id,
                    r.title,
                    r.keywords,
                    r.summary,
                    r.meta.split(),
                    r.body,
                    r.suggest_title,
                    r.lang,
                    r.visibility,
                    r.product_line,
                    r.area,
                    r.doc_type,
                    r.audience,
                    r.published,
                    list(dict.fromkeys(r.tags)),
                )
                for r in rows
            ],
        )

    def delete_fulltext(self, cursor, document_id: int) -> None:
        cursor.execute(f"DELETE FROM {TSV} WHERE document_id = %s", [document_id])  # noqa: S608 (fixed identifiers)

    def clear_fulltext(self, cursor) -> None:
        cursor.execute(f"DELETE FROM {TSV}")  # noqa: S608 (fixed identifiers)

    def remove_orphans(self, cursor) -> None:
        cursor.execute(
            f"DELETE FROM {TSV} v WHERE NOT EXISTS "  # noqa: S608 (fixed identifiers)
            f"(SELECT 1 FROM {DOC} d WHERE d.id = v.document_id)"
        )

    def refresh_statistics(self, cursor) -> None:
        # Statistics of the replaced rows would mislead the planner until
        # autovacuum catches up (seen: ten times slower searches meanwhile).
        tables = f"{DOC}, {BODY}, {TAG}, {TERM}, {TSV}"
        if self.connection.in_atomic_block:
            cursor.execute(f"ANALYZE {tables}")
        else:
            # Also drops the replaced rows from the GIN indexes, which the
            # estimated totals of large result sets would count meanwhile.
            cursor.execute(f"VACUUM (ANALYZE) {tables}")

    @contextmanager
    def reading(self) -> Iterator[None]:
        # The planner does not know that evaluating ``@@`` on a row means
        # reading its toasted tsvector: for a word in thousands of documents
        # it would rather scan the table (or the language's rows) and test
        # each tsvector, ten to fifty times slower than the GIN index (with
        # the language checked on the heap row). A search therefore reads
        # through bitmap scans only, in a transaction of its own; inside an
        # outer transaction the previous settings are put back afterwards, so
        # the caller's later statements are planned as usual.
        nested = self.connection.in_atomic_block
        with transaction.atomic(using=self.using), self.connection.cursor() as cur:
            if not nested:
                # The settings end with the transaction.
                cur.execute(
                    "SELECT set_config('enable_seqscan', 'off', true), "
                    "set_config('enable_indexscan', 'off', true)"
                )
                yield
                return
            cur.execute(
                "SELECT current_setting('enable_seqscan'), "
                "current_setting('enable_indexscan'), "
                "set_config('enable_seqscan', 'off', true), "
                "set_config('enable_indexscan', 'off', true)"
            )
            seqscan, indexscan, _, _ = cur.fetchone()
            yield
            # (On an error the savepoint's rollback reverts the settings.)
            cur.execute(
                "SELECT set_config('enable_seqscan', %s, true), "
                "set_config('enable_indexscan', %s, true)",
                [seqscan, indexscan],
            )

    def has_trigrams(self, cursor) -> bool:
        if self._trigrams is None:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            self._trigrams = cursor.fetchone() is not None
        return self._trigrams

    def similar_terms(self, word: str, max_distance: int) -> tuple[str, list[object]]:
        sql, params = super().similar_terms(word, max_distance)
        with self.connection.cursor() as cursor:
            trigrams = self.has_trigrams(cursor)
        if not trigrams:
            return sql, params
        # Trigram similarity (pg_trgm's default threshold) widens the net; its
        # GIN index also serves the LIKE pieces.
        return f"term %% %s OR {sql}", [word, *params]
