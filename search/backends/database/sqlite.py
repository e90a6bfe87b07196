"""SQLite engine: FTS5 tables of analysed text, ranked by BM25."""

from __future__ import annotations

from collections.abc import Iterable

from ...analysis import Clause
from ...conf import search_settings
from ...documents import SearchQuery
from .engine import DOC, KEYWORD_FACETS, Engine, FulltextRow, meta_token

FTS = "search_document_fts"
TITLE_FTS = "search_title_fts"

# Kept identical to migrations 0002 and 0005: a rebuild drops and recreates the tables,
# far quicker than deleting every row of an FTS5 table. Title tokens start with
# the two letters of their language, so the prefix indexes cover typed
# prefixes of 2 to 4 letters.
CREATE_TABLES = (
    f"CREATE VIRTUAL TABLE {FTS} USING fts5("
    "title, keywords, summary, body, meta, "
    "tokenize='unicode61 remove_diacritics 0')",
    f"CREATE VIRTUAL TABLE {TITLE_FTS} USING fts5("
    "title, tokenize='unicode61 remove_diacritics 0', prefix='4 5 6')",
)


def _weights() -> str:
    """BM25 weight of each FTS column: title, keywords (tags, error codes),
    summary, body (``SEARCH_FIELD_WEIGHTS``), meta (filter tokens, never
    scored)."""
    return ", ".join(f"{float(w)}" for w in (*search_settings.FIELD_WEIGHTS, 0.0))


#: The columns words are searched in, and those that find the best candidates.
TEXT_COLUMNS = "{title keywords summary body}"
HEAD_COLUMNS = "{title keywords summary}"


def _phrase(stems: tuple[str, ...]) -> str:
    # Stems hold letters and digits only; quoting keeps FTS5 operators out.
    return '"' + " ".join(stems) + '"'


class SQLiteEngine(Engine):
    vendor = "sqlite"
    fulltext_table = FTS
    # ISO text orders as the dates do, without a date object made per match.
    published_sql = "CAST(d.published AS TEXT)"

    def match_from(self, expression: str) -> tuple[str, list[object]]:
        # CROSS JOIN keeps the full-text match the outer loop: given the
        # choice (and a LIMIT), SQLite would rather walk every document of the
        # language through an index and probe the match for each, a thousand
        # times slower.
        return f"{FTS} CROSS JOIN {DOC} d ON d.id = {FTS}.rowid", []

    def match_where(self, expression: str) -> tuple[str, list[object]]:
        return f"{FTS} MATCH %s", [expression]

    def score(self) -> str:
        return f"-bm25({FTS}, {_weights()})"

    def expression(self, clauses: Iterable[Clause], operator: str) -> str:
        # The words are looked for in the text columns, never among the
        # filter tokens.
        return f"{TEXT_COLUMNS}: ({self._words(clauses, operator)})"

    def _words(self, clauses: Iterable[Clause], operator: str) -> str:
        if operator == "or":
            return " OR ".join(
                # Any word will do: the words of a multi-word alternative
                # (synonym, camel-case pieces) count one by one.
                dict.fromkeys(
                    _phrase((stem,))
                    for clause in clauses
                    for alt in clause
                    for stem in alt
                )
            )
        parts = []
        for clause in clauses:
            alternatives = [_phrase(alt) for alt in clause]
            if len(alternatives) == 1:
                parts.append(alternatives[0])
            else:
                parts.append("(" + " OR ".join(alternatives) + ")")
        return " AND ".join(parts)

    def capped_frequencies(self, words, lang, stems, cap):
        found = {}
        language = _phrase((meta_token("lang", lang),))
        with self.connection.cursor() as cursor:
            for word, stem in zip(words, stems, strict=True):
                cursor.execute(
                    f"SELECT COUNT(*) FROM (SELECT rowid FROM {FTS} "  # noqa: S608 (fixed identifiers)
                    f"WHERE {FTS} MATCH %s LIMIT %s)",
                    [f"{TEXT_COLUMNS}: {_phrase((stem,))} AND meta: {language}", cap],
                )
                found[word] = cursor.fetchone()[0]
        return found

    def complete_matches(self, query, expression, coverage):
        # One statement: FTS5 intersects the words' doclists, skipping
        # through a common word's long one.
        words = " AND ".join(f"({clause})" for clause in coverage)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s",  # noqa: S608 (fixed identifiers)
                [f"({expression}) AND {words}"],
            )
            return {row[0] for row in cursor.fetchall()}

    # Large result sets: filters as tokens of the meta column --------------------

    def _meta(self, query: SearchQuery, filters: dict[str, str]) -> str | None:
        """FTS5 condition for the language, visibility and ``filters``; None
        when a date range needs the documents table."""
        if query.filters.date_from or query.filters.date_to:
            return None
        visibility = " OR ".join(
            _phrase((meta_token("visibility", v),)) for v in sorted(query.visibility)
        )
        parts = [f"meta: {_phrase((meta_token('lang', query.lang),))}"]
        parts.append(f"meta: ({visibility})")
        for name in (*KEYWORD_FACETS, "tag"):
            if name in filters:
                parts.append(f"meta: {_phrase((meta_token(name, filters[name]),))}")
        return " AND ".join(parts)

    def _count(self, match: str) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM {FTS} WHERE {FTS} MATCH %s",  # noqa: S608 (fixed identifiers)
                [match],
            )
            return cursor.fetchone()[0]

    def match_bound(self, query, expression, limit, narrow=None):
        # Words alone: their doclists are short, the filter tokens' are not.
        return self._count(expression)

    def match_count(self, query, expression, filters):
        meta = self._meta(query, filters)
        if meta is None:
            return None
        return self._count(f"({expression}) AND {meta}")

    def head_ranked_ids(self, query, expression, offset, limit):
        meta = self._meta(query, query.filters.values_except(None))
        if meta is None:  # match_count said the set cannot be capped
            raise ValueError("a date range needs the exact path")
        head = expression.replace(TEXT_COLUMNS, HEAD_COLUMNS, 1)
        head_match = f"({head}) AND {meta}"
        in_head = self._count(head_match)
        rows: list[tuple[int, float]] = []
        with self.connection.cursor() as cursor:
            if offset < in_head:
                cursor.execute(
                    f"SELECT rowid, -bm25({FTS}, {_weights()}) AS score FROM {FTS} "  # noqa: S608 (fixed identifiers)
                    f"WHERE {FTS} MATCH %s ORDER BY score DESC, rowid DESC "
                    "LIMIT %s OFFSET %s",
                    [head_match, limit, offset],
                )
                rows = [(row[0], float(row[1])) for row in cursor.fetchall()]
            if len(rows) < limit:
                cursor.execute(
                    f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s "  # noqa: S608 (fixed identifiers)
                    "ORDER BY rowid DESC LIMIT %s OFFSET %s",
                    [
                        f"(({expression}) AND {meta}) NOT ({head})",
                        limit - len(rows),
                        max(0, offset - in_head),
                    ],
                )
                rows.extend((row[0], 0.0) for row in cursor.fetchall())
        return rows

    def suggest_rows(self, stems, prefix, base_where, params, limit):
        terms = [_phrase((stem,)) for stem in stems]
        if prefix:
            terms.append(_phrase((prefix,)) + "*")
        if not terms:
            return []
        sql = (
            f"SELECT d.key, d.title, d.url FROM {TITLE_FTS} "  # noqa: S608 (fixed identifiers)
            f"JOIN {DOC} d ON d.id = {TITLE_FTS}.rowid "
            f"WHERE {TITLE_FTS} MATCH %s AND {base_where} "
            f"ORDER BY bm25({TITLE_FTS}), length(d.title), d.id LIMIT %s"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [" AND ".join(terms), *params, limit])
            return cursor.fetchall()

    def write_fulltext(self, cursor, rows: list[FulltextRow]) -> None:
        cursor.executemany(
            f"INSERT INTO {FTS} (rowid, title, keywords, summary, body, meta) "  # noqa: S608 (fixed identifiers)
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [(r.id, r.title, r.keywords, r.summary, r.body, r.meta) for r in rows],
        )
        cursor.executemany(
            f"INSERT INTO {TITLE_FTS} (rowid, title) VALUES (%s, %s)",  # noqa: S608 (fixed identifiers)
            [(r.id, r.suggest_title) for r in rows],
        )

    def delete_fulltext(self, cursor, document_id: int) -> None:
        for table in (FTS, TITLE_FTS):
            cursor.execute(f"DELETE FROM {table} WHERE rowid = %s", [document_id])  # noqa: S608 (fixed identifiers)

    def clear_fulltext(self, cursor) -> None:
        for table in (FTS, TITLE_FTS):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in CREATE_TABLES:
            cursor.execute(statement)

    def remove_orphans(self, cursor) -> None:
        for table in (FTS, TITLE_FTS):
            cursor.execute(
                f"DELETE FROM {table} WHERE rowid NOT IN (SELECT id FROM {DOC})"  # noqa: S608 (fixed identifiers)
            )
