"""The database search backend: the embedded default, on SQLite or PostgreSQL.

Documents are stored in ``SearchDocument`` rows and their analysed text in the
vendor's full-text tables (see ``search.models``), kept in step by ``index`` and
``remove`` in one transaction. Query semantics: every word must match; when
fewer than ``OR_FALLBACK_THRESHOLD`` documents contain them all, documents
containing any of them are returned, best first, so that a sentence or two
describing a problem still finds the articles about it.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction

from ...analysis import (
    COMPOUND_LANGUAGES,
    TOKEN_RE,
    Clause,
    ParsedQuery,
    compound_candidates,
    compound_split,
    fold,
    normalize,
    parse_query,
    stem_tokens,
    suggest_terms,
)
from ...conf import search_settings
from ...documents import (
    PUBLIC_ONLY,
    Document,
    SearchHit,
    SearchQuery,
    SearchResults,
    Suggestion,
)
from ...highlight import highlight as highlight_words
from ...highlight import hit_snippet
from ...models import SearchDocument, SearchDocumentBody, SearchDocumentTag
from ..base import BaseSearchBackend, Rebuild
from .engine import (
    KEYWORD_FACETS,
    Combination,
    Engine,
    Match,
    analyse_document,
    best_matches,
    combinations_of,
    facet_counts,
    row_values,
    tag_counts_of,
)
from .postgresql import PostgreSQLEngine
from .rebuild import DatabaseRebuild
from .sqlite import SQLiteEngine

DID_YOU_MEAN_MAX_WORDS = 3
#: Documents the rarest words of an any-word search may reach before commoner
#: words are left out (see ``_any_word_clauses``).
OR_CANDIDATE_BUDGET = 2000
#: Up to this many matches (passing language, visibility and dates), facet
#: counts are exact and every match is ranked. Beyond it, the total stays
#: exact but facet counts are estimated from this many matches (scaled to the
#: total, as Elasticsearch's sampler does), and the ranking puts the matches in
#: a title, tag or summary first, ranked, then the others newest first: a
#: query matching tens of thousands of documents costs as much as one matching
#: a few thousand.
EXACT_LIMIT = 2000
#: How many matches of a larger result set the facet counts are estimated
#: from (reading each match's row costs about 10 µs).
FACET_SAMPLE = 1000
#: How long the number of live documents of a language, and the counts of
#: the words the vocabulary leaves out, may be reused.
LIVE_COUNT_SECONDS = 60.0
#: How many of those words' counts are kept per process.
COUNTED_WORDS = 4096

ENGINES: dict[str, type[Engine]] = {
    "sqlite": SQLiteEngine,
    "postgresql": PostgreSQLEngine,
}


def _vocabulary_of(row: SearchDocument, body: str) -> dict[str, str]:
    stored = SimpleNamespace(
        lang=row.lang,
        title=row.title,
        summary=row.summary,
        body=body,
        tags=row.tags,
        error_codes=row.error_codes,
    )
    return analyse_document(row.pk, stored)[1]


@dataclass(frozen=True)
class _Gathered:
    """What ``DatabaseSearchBackend._gather`` found out about a query."""

    total: int
    combinations: list[Combination]
    #: Set when the facets were counted on a sample: the factor scaling them.
    scale: float | None = None
    #: The matches read (all of them, or the sample), when they were read.
    matches: list[Match] | None = None
    #: False when ``total`` is an estimate (large result sets on PostgreSQL).
    exact: bool = True
    #: True when the matches read all pass the keyword filters already.
    narrowed: bool = False
    #: True when some match holds every word of the query.
    all_words: bool = True


def _scaled(counts: dict[str, int], scale: float) -> dict[str, int]:
    return {value: max(1, round(count * scale)) for value, count in counts.items()}


class DatabaseSearchBackend(BaseSearchBackend):
    """Full-text search in the portal's own database (option ``DATABASE``:
    the connection alias, default ``"default"``)."""

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        self.using = params.get("DATABASE", DEFAULT_DB_ALIAS)
        self._engines: dict[str, Engine] = {}
        self._live_counts: dict[str, tuple[float, int]] = {}
        self._word_counts: dict[tuple[str, str, int], tuple[float, int]] = {}

    @property
    def engine(self) -> Engine:
        vendor = connections[self.using].vendor
        engine = self._engines.get(vendor)
        if engine is None:
            try:
                engine_class = ENGINES[vendor]
            except KeyError:
                raise ImproperlyConfigured(
                    f"The database search backend supports SQLite and "
                    f"PostgreSQL, not {vendor}."
                ) from None
            engine = self._engines[vendor] = engine_class(self.using)
        return engine

    # Writing -------------------------------------------------------------------

    def index(self, document: Document) -> None:
        self.forget_live_counts()
        try:
            self._index(document)
        except IntegrityError:
            # Another process added the same document meanwhile: replace it.
            self._index(document)

    def _index(self, document: Document) -> None:
        engine = self.engine
        manager = SearchDocument.objects.using(self.using)
        with transaction.atomic(using=self.using), engine.connection.cursor() as cur:
            row = (
                manager.select_for_update()
                .filter(key=document.key, lang=document.lang)
                .first()
            )
            old_words = None
            if row is not None:
                if row.live:
                    old_words = (row.visibility, _vocabulary_of(row, self._body(row)))
                engine.delete_fulltext(cur, row.pk)
                for name, value in row_values(document).items():
                    setattr(row, name, value)
                row.save()
                SearchDocumentTag.objects.using(self.using).filter(
                    document=row
                ).delete()
                SearchDocumentBody.objects.using(self.using).filter(
                    document=row
                ).delete()
            else:
                row = manager.create(
                    key=document.key, lang=document.lang, **row_values(document)
                )
            engine.insert_bodies(cur, [(row.pk, document.body)])
            engine.insert_tags(cur, [(row.pk, tag) for tag in dict.fromkeys(row.tags)])
            new_words = None
            if document.live:
                fulltext, words = analyse_document(row.pk, document)
                engine.write_fulltext(cur, [fulltext])
                new_words = (document.visibility, words)
            self._update_vocabulary(cur, document.lang, old_words, new_words)

    def _body(self, row: SearchDocument) -> str:
        bodies = SearchDocumentBody.objects.using(self.using).filter(document=row)
        return bodies.values_list("text", flat=True).first() or ""

    def _update_vocabulary(self, cursor, lang, old, new) -> None:
        engine = self.engine
        if old and new and old[0] == new[0]:
            visibility = old[0]
            gone = {w: d for w, d in old[1].items() if w not in new[1]}
            added = {w: d for w, d in new[1].items() if w not in old[1]}
            engine.change_vocabulary(cursor, lang, visibility, gone, -1)
            engine.change_vocabulary(cursor, lang, visibility, added, +1)
            return
        if old:
            engine.change_vocabulary(cursor, lang, old[0], old[1], -1)
        if new:
            engine.change_vocabulary(cursor, lang, new[0], new[1], +1)

    def remove(self, key: str, lang: str) -> None:
        self.forget_live_counts()
        engine = self.engine
        manager = SearchDocument.objects.using(self.using)
        with transaction.atomic(using=self.using), engine.connection.cursor() as cur:
            row = manager.select_for_update().filter(key=key, lang=lang).first()
            if row is None:
                return
            if row.live:
                words = _vocabulary_of(row, self._body(row))
                self._update_vocabulary(cur, lang, (row.visibility, words), None)
            engine.delete_fulltext(cur, row.pk)
            row.delete()

    def start_rebuild(self) -> Rebuild:
        self.forget_live_counts()
        return DatabaseRebuild(self)

    def remove_orphans(self) -> None:
        """Drop full-text rows left behind by a flush of the models' tables."""
        engine = self.engine
        with transaction.atomic(using=self.using), engine.connection.cursor() as cur:
            engine.remove_orphans(cur)

    # Reading -------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        if not query.text.strip():  # browsing reads the documents' indexes
            return self._search(query)
        with self.engine.reading():
            return self._search(query)

    def _search(self, query: SearchQuery) -> SearchResults:
        started = time.perf_counter()
        engine = self.engine
        page_size = min(
            max(1, query.page_size or search_settings.PAGE_SIZE),
            search_settings.MAX_PAGE_SIZE,
        )
        page = max(1, query.page)
        threshold = search_settings.OR_FALLBACK_THRESHOLD
        max_terms = search_settings.OR_MAX_TERMS

        parsed = parse_query(query.text, query.lang, search_settings.QUERY_MAX_CHARS)
        typed_words = bool(query.text.strip())
        if not query.visibility or (typed_words and not parsed):
            # Nothing may be read, or only stopwords were typed.
            return SearchResults(
                total=0,
                hits=[],
                facets={name: [] for name in query.facets},
                did_you_mean=None,
                took_ms=(time.perf_counter() - started) * 1000,
                page=page,
                page_size=page_size,
            )

        filters = query.filters.values_except(None)
        expression = None
        all_words = True
        if parsed:
            # Every document holding any of the words is a candidate; those
            # holding them all are boosted above the rest (``coverage``).
            kept = self._any_word_clauses(parsed, query.lang, max_terms)
            clauses = list(kept.values())
            expression = engine.expression(clauses, "or")
            terms = engine.term_expressions(clauses, "or")
            # Whether a match holds every word: the common words left out of
            # the candidates count too.
            coverage = (
                engine.clause_expressions(
                    [kept.get(i, c) for i, c in enumerate(parsed.clauses[:max_terms])]
                )
                if len(parsed.clauses) > 1
                else []
            )
            gathered = self._gather(
                query, expression, filters, terms=terms, coverage=coverage
            )
            all_words = gathered.all_words
        else:
            gathered = self._gather(query, None, filters)
        total = gathered.total
        scale = gathered.scale

        facets: dict[str, list[tuple[str, int]]] = {}
        size = search_settings.FACET_SIZE
        for name in query.facets:
            if name in KEYWORD_FACETS:
                counts = facet_counts(gathered.combinations, filters, name)
                if scale is not None:
                    counts = _scaled(counts, scale)
                facets[name] = sorted(counts.items(), key=lambda i: (-i[1], i[0]))[
                    :size
                ]
            elif gathered.matches is not None:
                counts = tag_counts_of(gathered.matches, filters, size)
                if scale is not None:
                    counts = _scaled(dict(counts), scale).items()
                facets[name] = sorted(counts, key=lambda i: (-i[1], i[0]))
            else:
                facets[name] = engine.tag_counts(query, expression, size)

        offset = (page - 1) * page_size
        ranked: list[tuple[int, float]] = []
        if total > offset and offset < search_settings.MAX_RESULT_WINDOW:
            if scale is not None and query.sort != "date":
                ranked = engine.head_ranked_ids(query, expression, offset, page_size)
            elif scale is None and gathered.matches is not None:
                ordered = best_matches(
                    gathered.matches
                    if gathered.narrowed
                    else (m for m in gathered.matches if m.passes(filters)),
                    offset + page_size,
                    by_date=query.sort == "date",
                )
                ranked = [(m.id, m.score) for m in ordered[offset:]]
            else:
                ranked = engine.ranked_ids(query, expression, offset, page_size)
        hits = self._hits(
            ranked, query.lang, parsed.highlight_stems, highlight=query.highlight
        )

        did_you_mean = None
        if parsed and total < threshold:
            did_you_mean = self._did_you_mean(
                query.text, list(parsed.words), query.lang, query.visibility
            )
        return SearchResults(
            total=total,
            hits=hits,
            facets=facets,
            did_you_mean=did_you_mean,
            took_ms=(time.perf_counter() - started) * 1000,
            page=page,
            page_size=page_size,
            matched_all_words=all_words,
            total_exact=gathered.exact,
        )

    def _gather(
        self,
        query: SearchQuery,
        expression: str | None,
        filters: dict[str, str],
        terms: list[str] | None = None,
        coverage: list[str] | None = None,
    ) -> _Gathered:
        """The total and what the facets and the ranking are computed from.

        Up to ``EXACT_LIMIT`` matches, one statement reads them all (id,
        score, facet values, tags) and the rest is counted here. Beyond it, the
        total is counted by the engine (exact on SQLite, estimated from the
        index on PostgreSQL: ``exact``), the facets come from a sample of
        ``FACET_SAMPLE`` matches, scaled up (``scale``), and the ranking from
        the best candidates (``Engine.head_ranked_ids``). ``coverage`` (one
        expression per word of a query of several) lets the engine boost the
        matches holding every word (``Engine.collect``)."""
        engine = self.engine
        tagged = bool(query.filters.tag) or "tag" in query.facets
        if expression is None:
            combinations = engine.combinations(query, None)
            total = sum(c.count for c in combinations if c.passes(filters))
            return _Gathered(total, combinations)
        # Facets count the matches a filter leaves out (the other product
        # lines); without facets, only the matches passing the filters are
        # read (a description about one product line: a sixth of the rows).
        narrow = None if query.facets else filters
        bound = engine.match_bound(query, expression, EXACT_LIMIT, narrow)
        if bound == 0:
            return _Gathered(0, [], None, [])
        if bound is None or bound > EXACT_LIMIT:
            counts = engine.match_counts(query, expression, filters, bound)
            if counts is not None and counts.matches > EXACT_LIMIT:
                matches, total, exact = counts
                sample = (
                    engine.collect(
                        query, expression, FACET_SAMPLE, scored=False, tagged=tagged
                    )
                    if query.facets
                    else []  # only the total and the best hits are wanted
                )
                return _Gathered(
                    total,
                    combinations_of(sample, query.filters.tag),
                    matches / max(1, len(sample)),
                    sample,
                    exact,
                )
        matches = engine.collect(
            query,
            expression,
            EXACT_LIMIT + 1,
            tagged=tagged,
            terms=terms or (),
            documents=self._live_count(query.lang) if terms else 0,
            filters=filters,
            narrow=narrow,
            coverage=coverage or (),
        )
        all_words = not coverage or any(m.complete for m in matches)
        if len(matches) > EXACT_LIMIT:
            # Too many to rank here (a date range the engine could not count,
            # or documents written since the bound): every statement exact.
            combinations = engine.combinations(query, expression)
            total = sum(c.count for c in combinations if c.passes(filters))
            return _Gathered(total, combinations)
        if narrow is not None:
            return _Gathered(
                len(matches), [], None, matches, narrowed=True, all_words=all_words
            )
        total = sum(1 for m in matches if m.passes(filters))
        # (The combinations only serve the keyword facets.)
        combinations = (
            combinations_of(matches, query.filters.tag) if query.facets else []
        )
        return _Gathered(total, combinations, None, matches, all_words=all_words)

    def forget_live_counts(self) -> None:
        """After a change of the index: count the live documents again (and
        forget what the engines cached about it)."""
        self._live_counts.clear()
        self._word_counts.clear()
        for engine in self._engines.values():
            engine.forget()

    def _live_count(self, lang: str) -> int:
        """Live documents of ``lang``, counted at most every
        ``LIVE_COUNT_SECONDS`` (and after each change made here): it only
        decides which words are too common to look for."""
        now = time.monotonic()
        cached = self._live_counts.get(lang)
        if cached is None or now - cached[0] > LIVE_COUNT_SECONDS:
            cached = self._live_counts[lang] = (now, self.engine.live_count(lang))
        return cached[1]

    def _capped_frequencies(
        self, words: list[str], lang: str, cap: int
    ) -> dict[str, int]:
        """The engine's ``capped_frequencies`` of ``words``, each kept
        ``LIVE_COUNT_SECONDS`` (and until a change made here): counting a
        short word that thousands of documents hold costs 20 ms on
        PostgreSQL, and such words come back in query after query. They too
        only decide which words are too common to look for."""
        now = time.monotonic()
        stems = dict(zip(words, stem_tokens(words, lang), strict=True))
        found: dict[str, int] = {}
        for word, stem in stems.items():
            cached = self._word_counts.get((lang, stem, cap))
            if cached is not None and now - cached[0] <= LIVE_COUNT_SECONDS:
                found[word] = cached[1]
        missing = [word for word in words if word not in found]
        if missing:
            counted = self.engine.capped_frequencies(
                missing, lang, [stems[word] for word in missing], cap
            )
            if len(self._word_counts) + len(counted) > COUNTED_WORDS:
                self._word_counts.clear()
            for word, count in counted.items():
                self._word_counts[lang, stems[word], cap] = (now, count)
            found.update(counted)
        return found

    def _any_word_clauses(
        self, parsed: ParsedQuery, lang: str, max_terms: int
    ) -> dict[int, Clause]:
        """The clauses worth an any-word search (by position in the query,
        compound words extended with their parts): the rarest ``max_terms``,
        leaving out words most documents contain (they find everything, slowly,
        and rank nothing), unless only such words were typed."""
        words = {w for phrase in parsed.phrases for w in phrase.split()}
        engine = self.engine
        frequencies = engine.document_frequencies(sorted(words), lang)
        total = self._live_count(lang)
        common = total * search_settings.OR_COMMON_WORD_RATIO

        # The vocabulary leaves out short words and numbers ("NL", "LOG10",
        # "1042"): the index counts those, up to the share that makes a word
        # common.
        unlisted = [
            w
            for w in words
            if w not in frequencies and not (w.isalpha() and 3 <= len(w) <= 30)
        ]
        if unlisted:
            frequencies = {
                **frequencies,
                **self._capped_frequencies(unlisted, lang, int(common) + 1),
            }

        def word_frequency(word: str) -> int:
            # Unknown to the vocabulary: another form of a stem, a typo.
            return frequencies.get(word, 0)

        def frequency(position: int) -> int:
            # A phrase is as rare as its rarest word.
            return min(word_frequency(w) for w in parsed.phrases[position].split())

        ranked = sorted(range(len(parsed.clauses)), key=frequency)
        rare = ([i for i in ranked if frequency(i) <= common] or ranked)[:max_terms]
        # The rarest words decide which documents are candidates: once they
        # reach OR_CANDIDATE_BUDGET documents, commoner words would only add
        # documents that rank below them anyway, at the cost of scoring
        # thousands more (a long description of a problem on a large index).
        kept = []
        reached = 0
        for position in rare:
            if kept and reached + frequency(position) > OR_CANDIDATE_BUDGET:
                break
            kept.append(position)
            reached += frequency(position)
        kept.sort()
        clauses = [parsed.clauses[i] for i in kept]
        if lang in COMPOUND_LANGUAGES:
            clauses = self._with_compound_parts(
                clauses, [parsed.phrases[i] for i in kept], lang, reached
            )
        return dict(zip(kept, clauses, strict=True))

    def _with_compound_parts(
        self, clauses: list[Clause], phrases: list[str], lang: str, reached: int
    ) -> list[Clause]:
        """Clauses of long words extended with the stems of their parts, where
        the vocabulary shows the word is a compound ("digitaalikameran" also
        finds "kamera"): one look-up for every candidate part. The parts count
        against ``OR_CANDIDATE_BUDGET`` like words (``reached`` documents so
        far), unless the words typed found nothing at all."""
        candidates = {
            position: compound_candidates(phrase)
            for position, phrase in enumerate(phrases)
            if " " not in phrase
        }
        wanted = sorted({c for parts in candidates.values() for c in parts})
        if not wanted:
            return clauses
        # Every visibility: the (lang, visibility, term) index serves.
        frequencies = self.engine.document_frequencies(wanted, lang)
        extended = list(clauses)
        for position, _parts in candidates.items():
            split = compound_split(phrases[position], frequencies)
            if split:
                cost = sum(frequencies.get(part, 0) for part in split)
                if reached and reached + cost > OR_CANDIDATE_BUDGET:
                    continue
                reached += cost
                stems = stem_tokens(list(split), lang)
                extended[position] = tuple(
                    dict.fromkeys((*clauses[position], *((stem,) for stem in stems)))
                )
        return extended

    def _hits(
        self,
        ranked: list[tuple[int, float]],
        lang: str,
        stems: frozenset[str],
        *,
        highlight: int | None = None,
    ) -> list[SearchHit]:
        """Hits of the rows ``ranked``, the first ``highlight`` (None: all)
        with their snippet and highlighted title (only their bodies are read)."""
        if not ranked:
            return []
        ids = [pk for pk, _score in ranked]
        shown = set(ids if highlight is None else ids[:highlight])
        rows = SearchDocument.objects.using(self.using).in_bulk(ids)
        bodies = (
            dict(
                SearchDocumentBody.objects.using(self.using)
                .filter(document_id__in=shown)
                .values_list("document_id", "text")
            )
            if shown
            else {}
        )
        length = search_settings.SNIPPET_CHARS
        hits = []
        for pk, score in ranked:
            row = rows.get(pk)
            if row is None:  # removed since it was ranked
                continue
            if pk not in shown:
                hits.append(SearchHit.of(row, score=score, snippet="", title_html=""))
                continue
            hits.append(
                SearchHit.of(
                    row,
                    score=score,
                    snippet=hit_snippet(
                        row.summary, bodies.get(pk, ""), lang, stems, length
                    ),
                    title_html=highlight_words(row.title, lang, stems),
                )
            )
        return hits

    # Semantic retrieval ----------------------------------------------------------

    def _readable(self, query: SearchQuery, keys: list[str]) -> dict[str, int]:
        """Of ``keys``, the live documents of ``query.lang`` its reader may
        read that pass its filters and dates: key → row id."""
        filters = query.filters.values_except(None)
        rows = SearchDocument.objects.using(self.using).filter(
            lang=query.lang,
            key__in=keys,
            live=True,
            visibility__in=sorted(query.visibility),
            **{name: value for name, value in filters.items() if name != "tag"},
        )
        if query.filters.date_from:
            rows = rows.filter(published__gte=query.filters.date_from)
        if query.filters.date_to:
            rows = rows.filter(published__lte=query.filters.date_to)
        found = {}
        for key, pk, tags in rows.values_list("key", "pk", "tags"):
            if "tag" not in filters or filters["tag"] in (tags or ()):
                found[key] = pk
        return found

    def nearest(self, vector, query: SearchQuery, k: int) -> list[tuple[str, float]]:
        from ...embedding import get_embedder
        from ...vectors import nearest_documents

        embedder = get_embedder()
        if embedder is None or not query.visibility or k <= 0:
            return []
        # Filters may leave out most of the nearest: the candidates are
        # checked against the index best first, many at once when filters
        # narrow them, the matrix scored once.
        narrowed = bool(
            query.filters.values_except(None)
            or query.filters.date_from
            or query.filters.date_to
        )
        return nearest_documents(
            vector,
            query.lang,
            embedder.name,
            k,
            using=self.using,
            keep=lambda keys: self._readable(query, keys),
            first=k * (16 if narrowed else 2),
        )

    def texts_for(self, keys: list[str], lang: str) -> dict[str, tuple[str, str]]:
        rows = SearchDocument.objects.using(self.using).filter(
            lang=lang, key__in=list(keys)
        )
        return {
            key: (title, f"{summary}\n{body or ''}")
            for key, title, summary, body in rows.values_list(
                "key", "title", "summary", "body_row__text"
            )
        }

    def hits_for(self, keys: list[str], query: SearchQuery) -> list[SearchHit]:
        readable = self._readable(query, keys)
        parsed = parse_query(query.text, query.lang, search_settings.QUERY_MAX_CHARS)
        ranked = [(readable[key], 0.0) for key in keys if key in readable]
        return self._hits(ranked, query.lang, parsed.highlight_stems)

    def suggest(
        self,
        text: str,
        lang: str,
        *,
        product_line: str | None = None,
        visibility: Collection[str] = PUBLIC_ONLY,
        limit: int = 8,
    ) -> list[Suggestion]:
        text = text[: search_settings.QUERY_MAX_CHARS]
        if len(text.strip()) < search_settings.SUGGEST_MIN_CHARS or not visibility:
            return []
        stems, prefix = suggest_terms(text, lang)
        if len(prefix) < search_settings.SUGGEST_MIN_CHARS:
            # One or two letters would reach a good share of all titles.
            prefix = ""
        if not stems and not prefix:
            return []
        rows = self.engine.suggestions(
            stems, prefix, lang, product_line, sorted(visibility), limit
        )
        highlighted = frozenset(stems)
        prefixes = [prefix] if prefix else []
        return [
            Suggestion(
                key=key,
                title=title,
                url=url,
                title_html=highlight_words(title, lang, highlighted, prefixes),
            )
            for key, title, url in rows
        ]

    def did_you_mean(
        self, text: str, lang: str, *, visibility: Collection[str] = PUBLIC_ONLY
    ) -> str | None:
        parsed = parse_query(text, lang, search_settings.QUERY_MAX_CHARS)
        if not parsed or not visibility:
            return None
        return self._did_you_mean(text, list(parsed.words), lang, visibility)

    def _did_you_mean(
        self, text: str, words: list[str], lang: str, visibility: Collection[str]
    ) -> str | None:
        min_length = search_settings.DID_YOU_MEAN_MIN_LENGTH
        checked = list(
            dict.fromkeys(w for w in words if len(w) >= min_length and w.isalpha())
        )
        if not checked:
            return None
        allowed = sorted(visibility)
        engine = self.engine
        known = engine.known_terms(checked, lang, allowed)
        corrections = {}
        unknown = [word for word in checked if word not in known]
        # A sentence full of unknown words is not a typo: correct a few.
        for word in unknown[:DID_YOU_MEAN_MAX_WORDS]:
            max_distance = 1 if len(word) <= 5 else 2
            corrected = engine.correction(word, lang, allowed, max_distance)
            if corrected:
                corrections[word] = corrected
        if not corrections:
            return None
        # Rewrite what was typed, word for word, keeping everything else.
        original = normalize(text[: search_settings.QUERY_MAX_CHARS])
        parts = []
        position = 0
        for match in TOKEN_RE.finditer(fold(original)):
            replacement = corrections.get(match.group())
            if replacement:
                parts.append(original[position : match.start()])
                parts.append(replacement)
                position = match.end()
        parts.append(original[position:])
        return "".join(parts).strip()


SearchBackend = DatabaseSearchBackend
