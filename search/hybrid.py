"""The ranking pipeline every backend follows: lexical and semantic lists
fused by reciprocal rank, then other languages when the reader's has too
little.

1. **Lexical**: the backend's BM25 over weighted fields, every document
   holding any word a candidate, those holding every word boosted
   (``BaseSearchBackend.search``).
2. **Semantic**: the query's vector (``search.embedding``, computed in a
   thread while the lexical search runs; if that is done first, the
   request's thread prepares step 4's texts and the page's snippets for the
   lexical list meanwhile) against the documents' vectors
   (``BaseSearchBackend.nearest``), within the same language, visibility and
   filters. Documents below ``SEMANTIC_MIN_SIMILARITY`` are left out: a
   query about nothing the portal knows still finds nothing.
3. **Fusion**: reciprocal rank fusion of the two lists (``RRF_K``), over the
   first ``FUSION_DEPTH`` of each: a document both lists rank high comes
   first, one only a list knows still gets in.
4. **Exact forms**: the first ``EXACT_POOL`` of the fused list are
   reordered by ``EXACT_PRIOR`` / (1 + position) plus the share of the
   query's words found as typed (lower case, accents folded: not stemmed)
   in the title and in the text, each counting half. Stems let "printing"
   find "printed"; an index term such as *parametrici* or *Layers* is best
   answered by the pages that hold that very word, which the stems (and the
   meaning) rank among many others.
5. **Other languages**: when fewer than ``FALLBACK_BELOW`` documents of the
   reader's language are found, the languages of ``FALLBACK_LANGUAGES`` are
   searched the same way and their documents follow, each hit carrying its
   language; a document found in the reader's language is never repeated in
   another.

Without an embedder (setting ``SEARCH_EMBEDDER`` = None), when it fails, or
while documents have no vectors yet, step 2 contributes nothing and the
answer is the lexical list reordered by step 4. Sorting by date, browsing
without words and pages beyond the fused window are lexical. Answers are
kept per process until the index changes (``search.resultcache``).
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.utils.html import escape

from .analysis import fold, parse_query, tokens
from .conf import search_settings
from .documents import SearchHit, SearchQuery, SearchResults

#: Computes query vectors beside the lexical search (its thread starts on
#: the first search that needs it).
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed")


def _vector_future(query: SearchQuery) -> Future | None:
    """The query vector, computed in a thread: the embedder's C code runs
    without the GIL while the lexical search waits on the database."""
    from .embedding import embed_query, get_embedder, meaning_text

    if get_embedder() is None:
        return None
    text = meaning_text(query.text, query.lang, query.meaning_words)
    return _executor.submit(embed_query, text)


class _Vector:
    """The query vector being computed (or None: no embedder), waited for
    until ``deadline`` (a ``time.perf_counter()``; None: as long as it
    takes)."""

    def __init__(self, future: Future | None, deadline: float | None = None) -> None:
        self.future = future
        self.deadline = deadline
        self.late = False

    def ready(self) -> bool:
        return self.future is None or self.future.done()

    def get(self):
        """The vector, once computed; None without an embedder, when it
        failed (``embed_query`` logs it) or came too late (``late``: a
        computation not started yet is dropped, one under way finishes and
        keeps its vector for the next search). A future keeps its result:
        every call after the first is free."""
        if self.future is None or self.late:
            return None
        timeout = None
        if self.deadline is not None and not self.future.done():
            timeout = max(0.0, self.deadline - time.perf_counter())
        try:
            return self.future.result(timeout)
        except FutureTimeout:
            self.late = True
            self.future.cancel()
            return None
        except Exception:  # noqa: BLE001 - embed_query logs; never a 500
            return None


@dataclasses.dataclass
class _Prepared:
    """What steps 4 and 6 read of documents, kept for the search: their
    titles and texts folded (by key, in the query's language) and their
    highlighted hits (by key and language)."""

    texts: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)
    hits: dict[tuple[str, str], SearchHit] = dataclasses.field(default_factory=dict)


def _min_similarity() -> float:
    """The cosine below which the semantic list ends: the setting, else the
    embedder's own (each model has its scale: e5's cosines of unrelated
    texts are around 0.7)."""
    from .embedding import get_embedder

    floor = search_settings.SEMANTIC_MIN_SIMILARITY
    if floor is None:
        floor = getattr(get_embedder(), "min_similarity", 0.0)
    return float(floor)


def rrf_order(lists: list[list[str]], k: int) -> list[str]:
    """Keys of ``lists`` (each best first) by reciprocal rank fusion: the
    sum over the lists of 1 / (k + rank); ties keep the first list's order."""
    scores: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for ranked in lists:
        for rank, key in enumerate(ranked, 1):
            scores[key] += 1.0 / (k + rank)
            first_seen.setdefault(key, len(first_seen))
    return sorted(scores, key=lambda key: (-scores[key], first_seen[key]))


def _fusable(query: SearchQuery) -> bool:
    if query.sort == "date" or not query.visibility:
        return False
    if not parse_query(query.text, query.lang, search_settings.QUERY_MAX_CHARS):
        # Browsing, or only stopwords: nothing to be similar to.
        return False
    size = query.page_size or search_settings.PAGE_SIZE
    return max(query.page * size, search_settings.FUSION_DEPTH) <= (
        search_settings.MAX_PAGE_SIZE
    )


def _count_facets(
    facets: dict[str, list[tuple[str, int]]], hits: list[SearchHit]
) -> dict[str, list[tuple[str, int]]]:
    """``facets`` with the documents only the semantic list found counted in."""
    if not hits or not facets:
        return facets
    counted = {}
    for name, pairs in facets.items():
        counts = Counter(dict(pairs))
        for hit in hits:
            values = hit.tags if name == "tag" else (getattr(hit, name),)
            for value in values:
                if value:
                    counts[value] += 1
        counted[name] = sorted(counts.items(), key=lambda i: (-i[1], i[0]))[
            : search_settings.FACET_SIZE
        ]
    return counted


def _holds(text: str, word: str) -> bool:
    """Whether the folded ``text`` holds ``word`` as a whole word (a search
    for the string, then a look at its neighbours: a regular expression
    reading the whole text costs several times more)."""
    start = text.find(word)
    while start != -1:
        end = start + len(word)
        if (start == 0 or not text[start - 1].isalnum()) and (
            end == len(text) or not text[end].isalnum()
        ):
            return True
        start = text.find(word, start + 1)
    return False


def _folded_texts(
    backend, keys: list[str], lang: str, known: dict[str, tuple[str, str]]
) -> dict[str, tuple[str, str]]:
    """``known`` with the folded title and text of those of ``keys`` it
    lacks, read in one call."""
    missing = [key for key in keys if key not in known]
    if missing:
        for key, parts in backend.texts_for(missing, lang).items():
            known[key] = (fold(parts[0]), fold(parts[1]))
    return known


def _exact_order(
    backend, query: SearchQuery, hits: list[SearchHit], prepared: _Prepared
) -> list[SearchHit]:
    """Stage 4: the first ``EXACT_POOL`` of ``hits`` reordered by their
    position's prior and the share of the query's words each holds as typed,
    in its title and in its text (half each)."""
    pool = search_settings.EXACT_POOL
    words = list(dict.fromkeys(tokens(query.text[: search_settings.QUERY_MAX_CHARS])))
    if not words or len(hits) < 2 or not pool:
        return hits
    head = hits[:pool]
    texts = _folded_texts(
        backend, [hit.key for hit in head], query.lang, prepared.texts
    )
    if not texts:
        return hits
    prior = search_settings.EXACT_PRIOR
    scored = []
    for position, hit in enumerate(head):
        title, text = texts.get(hit.key, ("", ""))
        found = sum(_holds(title, word) for word in words) + sum(
            _holds(text, word) for word in words
        )
        share = found / (2 * len(words))
        scored.append((prior / (1 + position) + share, -position, hit))
    scored.sort(key=lambda item: item[:2], reverse=True)
    return [hit for _score, _position, hit in scored] + hits[pool:]


def _page_slice(query: SearchQuery) -> slice:
    size = query.page_size or search_settings.PAGE_SIZE
    offset = (query.page - 1) * size
    return slice(offset, offset + size)


def _prepare(
    backend, query: SearchQuery, hits: list[SearchHit], prepared: _Prepared
) -> None:
    """While the model still computes the query vector (on another core):
    step 4's texts for the lexical list, and the snippets of the page it
    would give alone. The fused list mostly holds the same documents, so
    their texts and snippets are ready when it is; the few it adds are read
    then."""
    page = _exact_order(backend, query, hits, prepared)[_page_slice(query)]
    _highlighted(backend, query, page, prepared)


def _fused(
    backend, query: SearchQuery, vector: _Vector, prepared: _Prepared
) -> tuple[SearchResults, list]:
    """The backend's lexical answer for ``query`` (its total, facets and
    spelling suggestion, with the documents only the semantic list found
    counted in), and the hits of the whole window, fused (steps 1-3) and
    reordered by their exact forms (step 4). The vector is asked for once
    the lexical search is done."""
    results, hits = _merged(backend, query, vector, prepared)
    return results, _numbered(_exact_order(backend, query, hits, prepared))


def _merged(
    backend, query: SearchQuery, vector: _Vector, prepared: _Prepared
) -> tuple[SearchResults, list]:
    """Steps 1-3 of :func:`_fused`: the lexical answer, and the lexical list
    alone or fused with the semantic one."""
    size = query.page_size or search_settings.PAGE_SIZE
    depth = search_settings.FUSION_DEPTH
    # The fused head (all of the lexical list's first ``depth`` and the
    # semantic ones) is the same whatever page is asked for, and the lexical
    # list goes on after it, so pages never repeat or skip a document; the
    # head holding at least ``depth`` documents, the first ``page * size``
    # lexical ones are all a page can need.
    window = max(depth, search_settings.EXACT_POOL, query.page * size)
    # (Highlighted later, once the page to show is known: a snippet costs
    # more than ranking a document.)
    lexical = backend.search(
        dataclasses.replace(query, page=1, page_size=window, highlight=0)
    )
    if not vector.ready():
        _prepare(backend, query, lexical.hits, prepared)
    value = vector.get()
    if value is None:
        return lexical, lexical.hits
    floor = _min_similarity()
    nearest = [
        key
        for key, similarity in backend.nearest(value, query, depth)
        if similarity >= floor
    ]
    if not nearest:
        return lexical, lexical.hits
    by_key = {hit.key: hit for hit in lexical.hits}
    head = rrf_order(
        [[hit.key for hit in lexical.hits[:depth]], nearest], search_settings.RRF_K
    )
    in_head = set(head)
    order = head + [hit.key for hit in lexical.hits if hit.key not in in_head]
    missing = [key for key in order if key not in by_key]
    extra = backend.hits_for(missing, query) if missing else []
    by_key.update((hit.key, hit) for hit in extra)
    fused = [by_key[key] for key in order if key in by_key]  # (not removed since)
    results = dataclasses.replace(
        lexical,
        total=lexical.total + len(extra),
        facets=_count_facets(lexical.facets, extra),
    )
    return results, fused


def _highlighted(
    backend, query: SearchQuery, hits: list[SearchHit], prepared: _Prepared
) -> list[SearchHit]:
    """``hits`` with their snippets and highlighted titles: those the
    lexical list gave without are taken from ``prepared`` or read again for
    ``query``'s words (and kept there)."""
    found = prepared.hits
    missing: dict[str, list[str]] = {}
    for hit in hits:
        if not hit.title_html and (hit.key, hit.lang) not in found:
            missing.setdefault(hit.lang, []).append(hit.key)
    for lang, keys in missing.items():
        other = dataclasses.replace(query, lang=lang, facets=(), highlight=None)
        for hit in backend.hits_for(keys, other):
            found[hit.key, hit.lang] = hit
    completed = []
    for hit in hits:
        if not hit.title_html:
            full = found.get((hit.key, hit.lang))
            hit = (
                dataclasses.replace(full, score=hit.score)
                if full is not None
                else dataclasses.replace(hit, title_html=escape(hit.title))
            )  # (the latter gone since it was ranked)
        completed.append(hit)
    return completed


def _numbered(hits: list[SearchHit]) -> list[SearchHit]:
    """``hits`` scored by their final position (the first scores highest)."""
    return [
        dataclasses.replace(hit, score=float(len(hits) - position))
        for position, hit in enumerate(hits)
    ]


def search_hybrid(backend, query: SearchQuery) -> SearchResults:
    """Answer ``query`` through the pipeline described above."""
    if not _fusable(query):
        return backend.search(query)
    started = time.perf_counter()
    wait = search_settings.VECTOR_WAIT_MS
    vector = _Vector(
        _vector_future(query), None if wait is None else started + wait / 1000
    )
    prepared = _Prepared()
    results, hits = _fused(backend, query, vector, prepared)
    seen = {hit.key for hit in hits}
    fallback: list[SearchHit] = []
    if len(hits) < search_settings.FALLBACK_BELOW:
        for lang in search_settings.FALLBACK_LANGUAGES.get(query.lang, ()):
            other = dataclasses.replace(query, lang=lang, facets=())
            for hit in _fused(backend, other, vector, _Prepared())[1]:
                if hit.key not in seen:
                    seen.add(hit.key)
                    fallback.append(hit)
    size = query.page_size or search_settings.PAGE_SIZE
    return dataclasses.replace(
        results,
        hits=_highlighted(
            backend, query, (hits + fallback)[_page_slice(query)], prepared
        ),
        total=results.total + len(fallback),
        page=query.page,
        page_size=size,
        took_ms=(time.perf_counter() - started) * 1000,
        vector_late=vector.late,
    )
