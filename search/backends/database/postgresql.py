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

import json
import math
import operator
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction

from ...analysis import Clause
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
    meta_token,
    no_tags,
)

TSV = "search_document_tsv"

# ts_rank weights for D, C, B, A (body, summary, keywords, title).
WEIGHTS = "'{0.1, 0.3, 0.6, 1.0}'"


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
        scope, params = self.scope_where(query, filters=filters)
        with self.connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF, FORMAT JSON) "  # noqa: S608 (fixed identifiers)
                f"SELECT 1 FROM {TSV} d CROSS JOIN to_tsquery('simple', %s) q "
                f"WHERE d.document @@ q AND {scope} LIMIT 1",
                [expression, *params],
            )
            return _bitmap_index_rows(cursor.fetchone()[0])

    def _counted(self, query: SearchQuery, expression: str, limit: int) -> int:
        """Matches counted on their rows, stopping after ``limit + 1``."""
        base, params = self.base_where(query, matched=True)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT 1 FROM {TSV} d "  # noqa: S608 (fixed identifiers)
                "CROSS JOIN to_tsquery('simple', %s) q "
                f"WHERE d.document @@ q AND {base} LIMIT %s) m",
                [expression, *params, limit + 1],
            )
            return cursor.fetchone()[0]

    def match_bound(self, query, expression, limit):
        if query.filters.date_from or query.filters.date_to:
            # The index knows no dates: count the rows, up to limit + 1.
            return self._counted(query, expression, limit)
        found = self.index_count(query, expression, {})
        return self._counted(query, expression, limit) if found is None else found

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

    def collect(
        self, query, expression, limit, scored=True, tagged=True, terms=(), documents=0
    ):
        if not (scored and terms):
            return super().collect(query, expression, limit, scored, tagged)
        # ``ts_rank`` knows nothing of how rare a word is: "printer" in a
        # title counts as much as "the". Each term is ranked on its own here
        # (the row is read once: another ts_rank costs little) and weighted
        # by its inverse document frequency, as BM25 does; the frequencies
        # are those of the matches read, which are all the documents holding
        # any of the terms, as long as there are no more than ``limit``.
        from_clause, where, params = self._where(query, expression, {})
        ranks = ", ".join(
            f"ts_rank({WEIGHTS}, d.document, to_tsquery('simple', %s), 1)"
            for _term in terms
        )
        sql = (
            f"SELECT d.document_id, ARRAY[{ranks}]::float4[], d.product_line, "  # noqa: S608 (fixed identifiers)
            f"d.area, d.doc_type, d.audience, d.published, d.tags FROM {from_clause} "
            f"WHERE {where} LIMIT %s"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [*terms, *params, limit])
            rows = cursor.fetchall()
        # Thousands of rows times a dozen terms: the loops run in C (map).
        vectors = [row[1] for row in rows]
        matched = [sum(map(bool, column)) for column in zip(*vectors, strict=True)]
        total = max(documents, len(rows))
        weights = [
            math.log(1 + (total - found + 0.5) / (found + 0.5)) for found in matched
        ]
        tag_values = self.tag_values if tagged else no_tags
        return [
            Match(
                row[0],
                sum(map(operator.mul, weights, vector)),
                row[2],
                row[3],
                row[4],
                row[5],
                row[6],
                tag_values(row[7]),
            )
            for row, vector in zip(rows, vectors, strict=True)
        ]

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
        with transaction.atomic(using=self.using), self.connection.cursor() as cur:
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
