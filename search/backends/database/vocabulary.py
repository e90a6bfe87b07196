"""The vocabulary behind "did you mean", shared by both database engines.

``SearchTerm`` holds each word of the live documents per language and
visibility with the number of documents containing it; a misspelt word is
matched against words of the same first letter and similar length that share
a piece of it (or, on PostgreSQL with pg_trgm, trigram-similar words), then
measured by edit distance in Python.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ...models import SearchTerm
from ...providers import known_visibilities

TERM = SearchTerm._meta.db_table


def placeholders(values: Iterable[object]) -> str:
    return ", ".join("%s" for _ in values)


def osa_distance(a: str, b: str, limit: int) -> int:
    """Edit distance (insert, delete, substitute, swap neighbours), or
    ``limit + 1`` when the lengths alone exceed ``limit``.

    Bit-parallel (Myers' algorithm with Hyyrö's transpositions): one pass over
    ``b`` with integer operations, far quicker in Python than the table.
    """
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    if not a or not b:
        return len(a) or len(b)
    full = (1 << len(a)) - 1
    last = 1 << (len(a) - 1)
    matches: dict[str, int] = {}
    for position, char in enumerate(a):
        matches[char] = matches.get(char, 0) | (1 << position)
    plus, minus, score = full, 0, len(a)
    diagonal = previous = 0
    for char in b:
        equal = matches.get(char, 0)
        swap = (((~diagonal) & equal) << 1) & previous
        diagonal = ((((equal & plus) + plus) ^ plus) | equal | minus | swap) & full
        up = minus | (~(diagonal | plus) & full)
        down = plus & diagonal
        if up & last:
            score += 1
        elif down & last:
            score -= 1
        up = ((up << 1) | 1) & full
        down = (down << 1) & full
        plus = down | (~(diagonal | up) & full)
        minus = up & diagonal
        previous = equal
    return score


class VocabularyMixin:
    """Vocabulary queries of an engine (which provides ``connection``)."""

    def known_terms(
        self, words: list[str], lang: str, visibility: list[str]
    ) -> set[str]:
        sql = (
            f"SELECT DISTINCT term FROM {TERM} WHERE lang = %s "  # noqa: S608 (fixed identifiers)
            f"AND visibility IN ({placeholders(visibility)}) "
            f"AND term IN ({placeholders(words)})"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [lang, *visibility, *words])
            return {row[0] for row in cursor.fetchall()}

    def document_frequencies(self, words: list[str], lang: str) -> dict[str, int]:
        """How many live documents of ``lang`` contain each of ``words``."""
        if not words:
            return {}
        # Naming every visibility lets the (lang, visibility, term) index serve.
        visibility = known_visibilities()
        sql = (
            f"SELECT term, SUM(frequency) FROM {TERM} WHERE lang = %s "  # noqa: S608 (fixed identifiers)
            f"AND visibility IN ({placeholders(visibility)}) "
            f"AND term IN ({placeholders(words)}) GROUP BY term"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [lang, *visibility, *words])
            return {term: int(count) for term, count in cursor.fetchall()}

    def correction(
        self, word: str, lang: str, visibility: list[str], max_distance: int
    ) -> str | None:
        """The indexed word ``word`` was most likely meant to be: the closest
        within ``max_distance`` edits, the most frequent among equally close."""
        with self.connection.cursor() as cursor:
            candidates = self.typo_candidates(
                cursor, word, lang, visibility, max_distance
            )
        best = None
        letters = set(word)
        for term, display, frequency in candidates:
            # Each edit changes at most two letters of the set of letters used:
            # a cheap test that spares most candidates the full comparison.
            if len(letters.symmetric_difference(term)) > 2 * max_distance:
                continue
            distance = osa_distance(word, term, max_distance)
            if distance == 0 or distance > max_distance:
                continue
            rank = (distance, -int(frequency), term)
            if best is None or rank < best[0]:
                best = (rank, display)
        return best[1] if best else None

    def change_vocabulary(
        self, cursor, lang: str, visibility: str, words: dict[str, str], delta: int
    ) -> None:
        """Add ``delta`` (+1 or -1) to the frequency of ``words``."""
        if not words:
            return
        if delta > 0:
            cursor.executemany(
                f"INSERT INTO {TERM} "  # noqa: S608 (fixed identifiers)
                "(lang, visibility, term, display, first_letter, length, frequency) "
                "VALUES (%s, %s, %s, %s, %s, %s, 1) "
                "ON CONFLICT (lang, visibility, term) "
                f"DO UPDATE SET frequency = {TERM}.frequency + 1",
                [
                    (lang, visibility, term, display[:30], term[0], len(term))
                    for term, display in words.items()
                ],
            )
        else:
            rows = [(lang, visibility, term) for term in words]
            cursor.executemany(
                f"UPDATE {TERM} SET frequency = frequency - 1 "  # noqa: S608 (fixed identifiers)
                "WHERE lang = %s AND visibility = %s AND term = %s",
                rows,
            )
            cursor.executemany(
                f"DELETE FROM {TERM} WHERE lang = %s AND visibility = %s "  # noqa: S608 (fixed identifiers)
                "AND term = %s AND frequency <= 0",
                rows,
            )

    def insert_vocabulary(
        self,
        cursor,
        frequencies: dict[tuple[str, str], Counter[str]],
        displays: dict[tuple[str, str], dict[str, str]],
    ) -> None:
        """Bulk insert of a rebuilt vocabulary, per (lang, visibility): the
        number of documents containing each word, and the word as written."""
        cursor.executemany(
            f"INSERT INTO {TERM} "  # noqa: S608 (fixed identifiers)
            "(lang, visibility, term, display, first_letter, length, frequency) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    lang,
                    visibility,
                    term,
                    displays[lang, visibility][term][:30],
                    term[0],
                    len(term),
                    frequency,
                )
                for (lang, visibility), counts in frequencies.items()
                for term, frequency in counts.items()
            ],
        )

    def typo_candidates(
        self, cursor, word: str, lang: str, visibility: list[str], max_distance: int
    ) -> list[tuple[str, str, int]]:
        """(term, display, frequency) of vocabulary words that may be what
        ``word`` was meant to be: same first letter, similar length, and a
        share of letters in common."""
        similar, similar_params = self.similar_terms(word, max_distance)
        sql = (
            f"SELECT term, MAX(display), SUM(frequency) FROM {TERM} "  # noqa: S608 (fixed identifiers)
            f"WHERE lang = %s AND visibility IN ({placeholders(visibility)}) "
            "AND first_letter = %s AND length BETWEEN %s AND %s "
            f"AND ({similar}) GROUP BY term"
        )
        params = [
            lang,
            *visibility,
            word[0],
            len(word) - max_distance,
            len(word) + max_distance,
            *similar_params,
        ]
        cursor.execute(sql, params)
        return cursor.fetchall()

    def similar_terms(self, word: str, max_distance: int) -> tuple[str, list[object]]:
        """Condition on ``term`` that every word within ``max_distance`` edits
        of ``word`` (first letter kept) satisfies. Override to add an indexed
        condition."""
        rest = word[1:]
        parts = min(max_distance + 1, len(rest))
        if not parts:
            return "1 = 1", []
        # Cut the rest of the word in max_distance + 1 pieces as even as
        # possible: the edits cannot touch them all, so one piece appears
        # intact in the intended word.
        size, longer = divmod(len(rest), parts)
        pieces = []
        start = 0
        for n in range(parts):
            end = start + size + (1 if n < longer else 0)
            pieces.append(rest[start:end])
            start = end
        return (
            " OR ".join("term LIKE %s" for _ in pieces),
            [f"%{piece}%" for piece in pieces],
        )
