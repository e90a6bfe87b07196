"""Highlighted titles and snippets computed from the stored original text.

A word is marked when its stem is one of the query's stems (or, for
suggestions, when it starts with the typed prefix). Works the same whatever
database stored the text; only the page of hits is ever highlighted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from django.utils.html import escape

from .analysis import WORD_CHAR, fold, normalize, stem_tokens
from .stopwords import STOPWORDS

# Snippets look for matches in this much of a body; beyond it the page of hits
# would cost more to highlight than to find.
SCAN_CHARS = 30_000
ELLIPSIS = "…"


@lru_cache(maxsize=256)
def _words_starting(heads: frozenset[str]) -> re.Pattern[str]:
    """The words (as ``TOKEN_RE`` finds them) beginning with one of
    ``heads``, longest heads first."""
    alternatives = "|".join(
        re.escape(head) for head in sorted(heads, key=lambda h: (-len(h), h))
    )
    return re.compile(rf"(?<!{WORD_CHAR})(?:{alternatives}){WORD_CHAR}*")


def _matches(
    text: str, lang: str, stems: frozenset[str], prefixes: Iterable[str] = ()
) -> list[tuple[int, int, str]]:
    """(start, end, stem) of every matching word of ``normalize(text)``."""
    prefixes = tuple(p for p in prefixes if p)
    if not stems and not prefixes:
        return []
    folded = fold(text)
    # A stem begins with the first letters of its word, so words whose first
    # two letters start no stem need no stemming (nor even a look).
    heads = frozenset({s[:2] for s in stems} | {p[:2] for p in prefixes})
    stop = STOPWORDS[lang]
    candidates = [
        m for m in _words_starting(heads).finditer(folded) if m.group() not in stop
    ]
    if not candidates:
        return []
    stemmed = stem_tokens([m.group() for m in candidates], lang)
    found = []
    for match, stem in zip(candidates, stemmed, strict=True):
        word = match.group()
        if stem in stems:
            found.append((match.start(), match.end(), stem))
        elif prefixes and any(word.startswith(p) for p in prefixes):
            found.append((match.start(), match.end(), word))
    return found


def _render(text: str, spans: list[tuple[int, int, str]], start: int, end: int) -> str:
    parts = []
    position = start
    for span_start, span_end, _stem in spans:
        if span_start < start or span_end > end:
            continue
        parts.append(escape(text[position:span_start]))
        parts.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        position = span_end
    parts.append(escape(text[position:end]))
    return "".join(parts)


def highlight(
    text: str, lang: str, stems: frozenset[str], prefixes: Iterable[str] = ()
) -> str:
    """The whole of ``text``, escaped, with matching words in ``<mark>``."""
    text = normalize(text)
    return _render(text, _matches(text, lang, stems, prefixes), 0, len(text))


def _best_window(
    spans: list[tuple[int, int, str]], length: int
) -> tuple[int, int] | None:
    """Indexes of the first and last span of the window of ``length``
    characters holding the most distinct stems (then the most matches)."""
    best = None
    best_score = (-1, -1)
    counts: Counter[str] = Counter()
    left = 0
    for right, (_start, end, stem) in enumerate(spans):
        counts[stem] += 1
        while end - spans[left][0] > length:
            counts[spans[left][2]] -= 1
            if not counts[spans[left][2]]:
                del counts[spans[left][2]]
            left += 1
        score = (len(counts), right - left + 1)
        if score > best_score:
            best_score = score
            best = (left, right)
    return best


def _cut(text: str, start: int, end: int) -> tuple[int, int]:
    """Move ``start`` and ``end`` off the middle of words."""
    if start > 0:
        while start < end and text[start - 1].isalnum():
            start += 1
    if end < len(text):
        while end > start and text[end].isalnum():
            end -= 1
    return start, end


def snippet(
    text: str, lang: str, stems: frozenset[str], length: int = 220
) -> str | None:
    """About ``length`` characters of ``text`` around its best match, escaped
    and marked, with an ellipsis where cut; ``None`` when nothing matches."""
    text = normalize(text)[:SCAN_CHARS]
    spans = _matches(text, lang, stems)
    window = _best_window(spans, length) if spans else None
    if window is None:
        return None
    first, last = window
    span_start, span_end = spans[first][0], spans[last][1]
    # Some context before the first match, the rest after the last one.
    room = max(0, length - (span_end - span_start))
    start = max(0, span_start - room // 3)
    end = min(len(text), max(span_end, start + length))
    start, end = _cut(text, start, end)
    start = min(start, span_start)
    end = max(end, span_end)
    body = _render(text, spans, start, end).strip()
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    return f"{prefix}{body}{suffix}"


def excerpt(text: str, length: int = 220) -> str:
    """The beginning of ``text``, escaped, cut at a word: the snippet of a hit
    whose match is not in the text (or of a search without words)."""
    text = normalize(text).strip()
    if len(text) <= length:
        return escape(text)
    _start, end = _cut(text, 0, length)
    return escape(text[: end or length].rstrip()) + ELLIPSIS


def hit_snippet(
    summary: str, body: str, lang: str, stems: frozenset[str], length: int = 220
) -> str:
    """A hit's snippet: the best passage of the body, else of the summary, else
    the summary's (or body's) beginning."""
    if stems:
        for text in (body, summary):
            found = snippet(text, lang, stems, length)
            if found:
                return found
    return excerpt(summary or body, length)
