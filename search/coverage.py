"""How much of a text a document's fields cover, word by word, as the search
analyses words: for callers that re-rank a few hits by what their reader
sees (the deflection step re-ranks its suggestions by how many of the
description's words each title, summary and passage speaks of).

Words match by stem (stopwords, numbers and codes left out), and in
languages of long compounds (Finnish) also by a common beginning of
``PREFIX_LENGTH`` letters of the word or of its compound parts, so that
"tulostimen kalibrointi" meets "Kuinka kalibroin tulostimeni?".
"""

from __future__ import annotations

from collections.abc import Iterable

from .analysis import COMPOUND_LANGUAGES, COMPOUND_MIN_PART, stem_tokens, tokens
from .stopwords import STOPWORDS

#: Letters two words (or compound parts) must share at their start to match.
PREFIX_LENGTH = 5


def _content_words(text: str, lang: str) -> list[str]:
    stop = STOPWORDS[lang]
    return [word for word in tokens(text) if word.isalpha() and word not in stop]


def _prefixes(words: list[str], lang: str) -> set[str]:
    """The ``PREFIX_LENGTH``-letter beginnings of ``words`` and, in compound
    languages, of every part of a long word from ``COMPOUND_MIN_PART`` on."""
    found = set()
    for word in words:
        if len(word) >= PREFIX_LENGTH:
            found.add(word[:PREFIX_LENGTH])
        if lang in COMPOUND_LANGUAGES and len(word) >= 2 * PREFIX_LENGTH:
            for start in range(COMPOUND_MIN_PART, len(word) - PREFIX_LENGTH + 1):
                found.add(word[start : start + PREFIX_LENGTH])
    return found


class _Field:
    """The stems (and, for compound languages, prefixes) of one text."""

    def __init__(self, text: str, lang: str):
        words = _content_words(text, lang)
        self.stems = set(stem_tokens(words, lang))
        self.prefixes = _prefixes(words, lang) if lang in COMPOUND_LANGUAGES else set()

    def covers(self, stem: str, prefixes: set[str]) -> bool:
        return stem in self.stems or not self.prefixes.isdisjoint(prefixes)


class TextTerms:
    """The distinct content words of a text in ``lang``, ready to be looked
    for in other texts. False when the text has none."""

    def __init__(self, text: str, lang: str):
        self.lang = lang
        words = list(dict.fromkeys(_content_words(text, lang)))
        compound = lang in COMPOUND_LANGUAGES
        self._terms = [
            (stem, _prefixes([word], lang) if compound else set())
            for word, stem in zip(words, stem_tokens(words, lang), strict=True)
        ]

    def __bool__(self) -> bool:
        return bool(self._terms)

    def __len__(self) -> int:
        return len(self._terms)

    def coverage(self, fields: Iterable[tuple[str, float]]) -> float:
        """The weighted share of the words found in ``fields`` ((text,
        weight) pairs, in order): each word counts the weight of the first
        field that holds it, nothing when none does; 0 to the largest
        weight."""
        if not self._terms:
            return 0.0
        analysed = [(_Field(text, self.lang), weight) for text, weight in fields]
        total = 0.0
        for stem, prefixes in self._terms:
            total += next(
                (weight for f, weight in analysed if f.covers(stem, prefixes)), 0.0
            )
        return total / len(self._terms)
