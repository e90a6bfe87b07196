"""Text analysis shared by the database backend on SQLite and PostgreSQL.

One pipeline, in Python, so that both databases find exactly the same
documents: Unicode NFC → lowercase and strip accents (one character in, one
character out, so positions in the folded text are positions in the original,
which the highlighter relies on) → split into letters-and-digits tokens → drop
stopwords → Snowball stemmer of the language (PyStemmer). The Elasticsearch
backend reproduces the same steps with its token filters.

Queries get two more steps: a word in camel case ("SuperTab", menu paths
whose markup was lost) also matches its pieces, and the database backend cuts
long Finnish words into compound parts its vocabulary knows
(``compound_split``) when it searches for any of the words.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import Stemmer

from .stopwords import STOPWORDS

#: One character of a word: a letter or a digit (not "_").
WORD_CHAR = r"[^\W_]"
TOKEN_RE = re.compile(WORD_CHAR + "+")

STEMMER_NAMES = {"it": "italian", "fi": "finnish", "en": "english"}

#: Languages whose long query words are cut into compound parts.
COMPOUND_LANGUAGES = frozenset({"fi"})
#: Finnish words this long may be compounds, cut into parts this long at least.
COMPOUND_MIN_LENGTH = 8
COMPOUND_MIN_PART = 4

SYNONYMS_DIR = Path(__file__).resolve().parent / "synonyms"


class _FoldTable(dict):
    """``str.translate`` table: each character to its lowercase, unaccented form
    when that is a single character, else to its lowercase form (or itself)."""

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        lower = char.lower()
        if len(lower) != 1:
            lower = char
        if unicodedata.combining(char):
            folded = char
        else:
            decomposed = unicodedata.normalize("NFKD", lower)
            stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
            folded = stripped if len(stripped) == 1 else lower
        self[codepoint] = folded
        return folded


_FOLD = _FoldTable()


def normalize(text: str) -> str:
    """NFC form: the text that positions and snippets refer to."""
    return unicodedata.normalize("NFC", text or "")


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold_match(match: re.Match) -> str:
    return _FOLD[ord(match.group())]


def fold(text: str) -> str:
    """Lowercase and accent-free, same length as ``normalize(text)``."""
    return _fold_normalized(normalize(text))


def _fold_normalized(text: str) -> str:
    lowered = text.lower()
    if len(lowered) != len(text):
        # A letter whose lowercase is longer: fold character by character.
        return text.translate(_FOLD)
    if lowered.isascii():
        return lowered
    # Only the few non-ASCII letters need a table look-up.
    return _NON_ASCII.sub(_fold_match, lowered)


_local = threading.local()


def _stemmer(lang: str) -> Stemmer.Stemmer:
    # PyStemmer objects are not thread-safe: one per thread and language.
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    stemmer = stemmers.get(lang)
    if stemmer is None:
        # PyStemmer's word cache costs more than it saves on real vocabularies.
        stemmer = stemmers[lang] = Stemmer.Stemmer(STEMMER_NAMES[lang], 0)
    return stemmer


def stem_tokens(tokens: list[str], lang: str) -> list[str]:
    """Stems of already folded tokens (stopwords must be removed first)."""
    distinct = list(dict.fromkeys(tokens))
    if len(distinct) < len(tokens) * 0.8:
        # Words repeat in long texts: stem each once.
        stems = dict(zip(distinct, stem_tokens(distinct, lang), strict=True))
        return [stems[t] for t in tokens]
    return _stemmer(lang).stemWords(tokens)


def tokens(text: str) -> list[str]:
    """Folded tokens of ``text``, stopwords included."""
    return TOKEN_RE.findall(fold(text))


def analyse(text: str, lang: str) -> tuple[list[str], dict[str, str]]:
    """The stems ``text`` is indexed under (in order) and its vocabulary
    words (alphabetic, 3–30 letters, no stopwords): folded form → lowercase
    form as written (accents included), which "did you mean" offers."""
    original = normalize(text)
    folded = _fold_normalized(original)
    found = TOKEN_RE.findall(folded)
    stop = STOPWORDS[lang]
    stems = stem_tokens([t for t in found if t not in stop], lang)
    lowered = original.lower()
    if lowered == folded:
        written = found
    elif len(lowered) == len(original):
        written = TOKEN_RE.findall(lowered)
    else:
        written = []
    if len(written) != len(found):
        # Lowercasing changed some length (rare letters): cut the original.
        written = [
            original[m.start() : m.end()].lower() for m in TOKEN_RE.finditer(folded)
        ]
    words = {
        word: display
        for word, display in dict(zip(found, written, strict=True)).items()
        if 3 <= len(word) <= 30 and word not in stop and word.isalpha()
    }
    return stems, words


# --- Queries ---------------------------------------------------------------

#: One alternative of a clause: a single stem, or a phrase of stems.
Alternative = tuple[str, ...]
#: A query word with its synonyms: any alternative satisfies the clause.
Clause = tuple[Alternative, ...]


@dataclass(frozen=True)
class ParsedQuery:
    """A query ready for the database: clauses to AND (or OR), the stems to
    highlight, and the folded words typed (for "did you mean")."""

    clauses: tuple[Clause, ...]
    words: tuple[str, ...]
    #: For each clause, the words typed (folded), for engines that analyse
    #: text themselves (Elasticsearch).
    phrases: tuple[str, ...] = ()

    @property
    def highlight_stems(self) -> frozenset[str]:
        return frozenset(
            stem for clause in self.clauses for alt in clause for stem in alt
        )

    def __bool__(self) -> bool:
        return bool(self.clauses)


@cache
def synonym_groups(lang: str) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """The synonym file of ``lang`` as groups of folded word sequences."""
    path = SYNONYMS_DIR / f"{lang}.txt"
    if not path.exists():
        return ()
    stop = STOPWORDS[lang]
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        members = []
        for phrase in line.split(","):
            words = tuple(t for t in tokens(phrase) if t not in stop)
            if words:
                members.append(words)
        if len(members) > 1:
            groups.append(tuple(members))
    return tuple(groups)


def synonym_rules(lang: str) -> list[str]:
    """The synonym file's rules as written (Solr format), for Elasticsearch."""
    path = SYNONYMS_DIR / f"{lang}.txt"
    if not path.exists():
        return []
    rules = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            rules.append(line)
    return rules


@cache
def _synonym_index(lang: str) -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    index = {}
    for group in synonym_groups(lang):
        for member in group:
            index[member] = group
    return index


def camel_parts(word: str) -> list[str]:
    """The pieces of a word written in camel case, as help texts show menu
    paths and key combinations whose markup was lost ("AsetuksetVärit",
    "SuperTab"): split where a lowercase letter meets an uppercase one."""
    parts = []
    start = 0
    for position in range(1, len(word)):
        if word[position - 1].islower() and word[position].isupper():
            parts.append(word[start:position])
            start = position
    parts.append(word[start:])
    return parts


def _query_words(text: str, stop: frozenset[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Folded words of a query without stopwords, each with its camel-case
    pieces (folded, stopwords out) when it has more than one."""
    original = normalize(text)
    folded = _fold_normalized(original)
    if len(folded) != len(original):
        return [(w, ()) for w in TOKEN_RE.findall(folded) if w not in stop]
    words = []
    for match in TOKEN_RE.finditer(folded):
        word = match.group()
        if word in stop:
            continue
        pieces = camel_parts(original[match.start() : match.end()])
        parts: tuple[str, ...] = ()
        if len(pieces) > 1:
            parts = tuple(
                p
                for p in (_fold_normalized(piece) for piece in pieces)
                if p not in stop
            )
        words.append((word, parts))
    return words


def parse_query(text: str, lang: str, max_chars: int = 500) -> ParsedQuery:
    """Analyse what the user typed into clauses of stems.

    Stopwords go; each remaining word (or multi-word synonym entry such as
    "busta paga") becomes a clause whose alternatives are its synonyms; a word
    in camel case ("SuperTab") also matches its pieces as a phrase.
    """
    stop = STOPWORDS[lang]
    analysed = _query_words(text[:max_chars], stop)
    words = [word for word, _parts in analysed]
    synonyms = _synonym_index(lang)
    longest = max((len(k) for k in synonyms), default=1)
    clauses: list[Clause] = []
    phrases: list[str] = []
    seen: set[Clause] = set()
    i = 0
    while i < len(words):
        group = None
        size = 1
        for n in range(min(longest, len(words) - i), 0, -1):
            group = synonyms.get(tuple(words[i : i + n]))
            if group:
                size = n
                break
        members = group or (tuple(words[i : i + 1]),)
        if size == 1 and analysed[i][1]:
            members = (*members, analysed[i][1])
        clause = tuple(
            dict.fromkeys(tuple(stem_tokens(list(member), lang)) for member in members)
        )
        if clause not in seen:
            seen.add(clause)
            clauses.append(clause)
            # Engines that analyse text themselves get the camel-case pieces.
            typed = " ".join(words[i : i + size])
            if size == 1 and analysed[i][1]:
                typed = " ".join(analysed[i][1])
            phrases.append(typed)
        i += size
    return ParsedQuery(
        clauses=tuple(clauses), words=tuple(words), phrases=tuple(phrases)
    )


def camel_case_words(text: str, lang: str, max_chars: int = 500) -> dict[str, str]:
    """The words of a query typed in camel case, for engines that analyse text
    themselves (Elasticsearch): the phrase ``parse_query`` gives for the word
    (its pieces, "label printer") → the word as typed, folded
    ("labelprinter"), which the database backend also matches."""
    stop = STOPWORDS[lang]
    return {
        " ".join(parts): word
        for word, parts in _query_words(text[:max_chars], stop)
        if parts
    }


def compound_split(word: str, known: Collection[str]) -> tuple[str, str] | None:
    """A Finnish compound ("digitaalikameran", "väriprofiilin") cut in two
    where at least one side is a word of ``known`` (the index's vocabulary,
    folded), both sides at least ``COMPOUND_MIN_PART`` letters. Splits with
    both sides known win, then the longer known part."""
    best = None
    for position in range(COMPOUND_MIN_PART, len(word) - COMPOUND_MIN_PART + 1):
        head, tail = word[:position], word[position:]
        found = [part for part in (head, tail) if part in known]
        if not found:
            continue
        rank = (len(found), max(len(part) for part in found))
        if best is None or rank > best[0]:
            best = (rank, (head, tail))
    return best[1] if best else None


def compound_candidates(word: str) -> list[str]:
    """Every head and tail ``compound_split`` may look up for ``word``."""
    if len(word) < COMPOUND_MIN_LENGTH or not word.isalpha():
        return []
    cuts = range(COMPOUND_MIN_PART, len(word) - COMPOUND_MIN_PART + 1)
    tails = [word[n:] for n in cuts]
    return [word[:n] for n in cuts] + tails


def suggest_terms(text: str, lang: str) -> tuple[list[str], str]:
    """For suggest-as-you-type: stems of the finished words, and a prefix for
    the word being typed (what its stem and its letters have in common, so that
    "stam", "stampa" and "stampante" all reach "Stampante")."""
    stop = STOPWORDS[lang]
    words = tokens(text)
    if not words:
        return [], ""
    if text[-1:].isspace():
        finished, partial = words, ""
    else:
        finished, partial = words[:-1], words[-1]
    stems = stem_tokens([w for w in finished if w not in stop], lang)
    prefix = ""
    if partial:
        stemmed = stem_tokens([partial], lang)[0]
        common = 0
        for a, b in zip(partial, stemmed, strict=False):
            if a != b:
                break
            common += 1
        prefix = partial[: max(common, 1)]
    return list(dict.fromkeys(stems)), prefix
