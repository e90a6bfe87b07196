"""Storage and nearest-neighbour search of the documents' embeddings.

Vectors live in ``SearchVector`` rows (float32 little-endian bytes in a
``BinaryField``), one per document, language and model, matched to the indexed
documents by ``(key, lang)`` when searched: they survive a full rebuild of the
index, which recreates every document row. ``text_hash`` says which text a
vector was made from, so unchanged documents are never embedded again.

Searching reads no vectors from the database: each process keeps one matrix per
(database, language, model) and scores all of it with one matrix-vector product
per block of rows. To halve its memory the matrix holds 16 bits per value: the
vectors minus their mean (e5 vectors crowd around it: unrelated texts still
score about 0.8), each value kept as its upper 16 bits (bfloat16). numpy
widens those with an integer shift: 35,000 rows of 384 dimensions score in
3-5 ms on a 2-core VM, where numpy's float16 cast (no vector instructions)
alone takes about 25 ms. Measured on the GNOME help corpus, centred bfloat16
is off by about 4e-5 in cosine (float16: 1e-5, int8: 3e-4) and changed 0.1 %
of the ten nearest documents (int8: 1.2 %). Blocks of 1,024 rows keep
OpenBLAS on one thread, which on a shared VM is many times faster than its
threaded matrix-vector product; a large matrix is scored in two halves at
once, the second by a thread of its own (``_SPLIT_ROWS``).

A process sees its own writes at once (the next search reloads what changed).
Other processes' writes are noticed through a stamp, the count and newest
``updated_at`` of the language's vectors, read at most every
``SEARCH_VECTOR_STAMP_SECONDS``; then only the rows changed since are read
(and the keys, when some were removed), going back a minute before the newest
change already seen, for transactions that commit after their rows' time
stamps; the writers' clocks are trusted to agree within that minute.

PostgreSQL's ``pgvector`` extension (a ``vector`` column with an HNSW index)
is the next step: it would search in the database, share nothing per process
and scale past what fits in memory. It is not used yet because the extension
is not installable where the portal is developed and tested (no
``postgresql-15-pgvector`` in that Debian), and an untested second path would
rot; the portable storage here runs on SQLite and PostgreSQL alike, and
100,000 vectors take about 77 MB of matrix per process.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Substr

from .conf import search_settings
from .embedding import checked_vectors, passage_text
from .models import SearchDocument, SearchVector
from .resultcache import index_changed

if TYPE_CHECKING:
    from .embedding import Embedder

logger = logging.getLogger(__name__)

__all__ = [
    "clear_vector_caches",
    "embed_documents",
    "hash_text",
    "live_passages",
    "nearest_documents",
    "prune_vectors",
    "remove_vectors",
    "stale_documents",
    "store_vectors",
    "vector_count",
    "vector_databases",
]

#: (key, lang, text embedded)
Passage = tuple[str, str, str]

_BLOCK_ROWS = 1024
#: A matrix of at least this many rows is scored in two halves at once, the
#: second by ``_helper`` (numpy releases the GIL): 33,000 rows in 2.5 ms
#: instead of 4.4 when a core is free. If the helper has not started on its
#: half by the time the first is done, the request's thread scores it too.
_SPLIT_ROWS = 8 * _BLOCK_ROWS
_helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vector-scores")
_READ_CHUNK = 500
_KEYS_PER_QUERY = 500
# Rows changed this long before the newest change already seen are read again
# on a reload: a transaction may commit later than its rows' timestamps.
_RELOAD_OVERLAP = timedelta(seconds=60)


def vector_databases() -> list[str]:
    """The database aliases of the database search backends: each keeps the
    vectors of the documents it holds."""
    from .backends import get_search_backends

    aliases = [
        getattr(backend, "using", None)
        for backend in get_search_backends().values()
        if not backend.remote
    ]
    return list(dict.fromkeys(alias for alias in aliases if alias)) or [
        DEFAULT_DB_ALIAS
    ]


def hash_text(text: str) -> str:
    """The ``text_hash`` of a passage: SHA-1 of its UTF-8 text, in hex."""
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


# Writing ---------------------------------------------------------------------


def store_vectors(
    rows: Iterable[tuple[str, str, str, str, np.ndarray]],
    *,
    using: str = DEFAULT_DB_ALIAS,
) -> int:
    """Insert or replace vectors, given as ``(key, lang, model, text_hash,
    vector)``; the last of repeated ``(key, lang, model)`` wins. Returns how
    many were written."""
    latest: dict[tuple[str, str, str], SearchVector] = {}
    for key, lang, model, text_hash, vector in rows:
        values = np.asarray(vector, dtype="<f4")
        if values.ndim != 1 or not np.isfinite(values).all():
            raise ValueError(f"Vector of {key} ({lang}) is not one row of numbers.")
        latest[(key, lang, model)] = SearchVector(
            key=key,
            lang=lang,
            model=model,
            text_hash=text_hash,
            vector=values.tobytes(),
        )
    if not latest:
        return 0
    SearchVector.objects.using(using).bulk_create(
        latest.values(),
        batch_size=500,
        update_conflicts=True,
        unique_fields=["key", "lang", "model"],
        update_fields=["text_hash", "vector", "updated_at"],
    )
    _changed(using, {(lang, model) for _key, lang, model in latest})
    return len(latest)


def remove_vectors(key: str, lang: str, *, using: str = DEFAULT_DB_ALIAS) -> int:
    """Delete the vectors of ``key`` in ``lang`` (every model's)."""
    deleted, _ = SearchVector.objects.using(using).filter(key=key, lang=lang).delete()
    if deleted:
        _changed(using, {(lang, None)})
    return deleted


def prune_vectors(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """Delete the vectors whose document is no longer indexed; returns how many.

    Vectors of documents that are indexed but not live are kept: unpublished
    pages often come back, and their vectors are never searched meanwhile.
    """
    indexed = SearchDocument.objects.using(using).filter(
        key=OuterRef("key"), lang=OuterRef("lang")
    )
    deleted, _ = SearchVector.objects.using(using).filter(~Exists(indexed)).delete()
    if deleted:
        _changed(using, None)
    return deleted


def embed_documents(
    passages: Sequence[Passage],
    embedder: Embedder,
    *,
    batch_size: int | None = None,
    using: str = DEFAULT_DB_ALIAS,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Embed ``passages`` with ``embedder`` in batches of ``batch_size``
    (``SEARCH_EMBED_BATCH``) and store each batch's vectors as soon as it is
    done, so that an interruption loses one batch at most. ``progress`` is
    called with the number done after each batch. The embedder's errors
    propagate; the batches stored before stay."""
    size = max(1, batch_size or search_settings.EMBED_BATCH)
    done = 0
    for start in range(0, len(passages), size):
        batch = passages[start : start + size]
        vectors = checked_vectors(
            embedder.embed_passages([text for _key, _lang, text in batch]),
            len(batch),
            embedder.dimensions,
        )
        store_vectors(
            (
                (key, lang, embedder.name, hash_text(text), vector)
                for (key, lang, text), vector in zip(batch, vectors, strict=True)
            ),
            using=using,
        )
        done += len(batch)
        if progress is not None:
            progress(done)
    return done


# Reading ---------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def live_passages(
    lang: str | None = None,
    *,
    pairs: Iterable[Sequence[str]] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> list[Passage]:
    """``(key, lang, passage text)`` of the live indexed documents of ``lang``
    (every language when None), or of those among ``pairs`` (``(key, lang)``).

    Reads the bodies, only their first characters, only when
    ``SEARCH_EMBED_BODY_CHARS`` asks for some."""
    documents = SearchDocument.objects.using(using).filter(live=True)
    if lang is not None:
        documents = documents.filter(lang=lang)
    chars = search_settings.EMBED_BODY_CHARS
    fields = ["key", "lang", "title", "summary"]
    if chars > 0:
        documents = documents.annotate(
            body_head=Coalesce(Substr("body_row__text", 1, chars + 1), Value(""))
        )
        fields.append("body_head")
    if pairs is None:
        selections: Iterable[Q | None] = [None]
        wanted = None
    else:
        wanted = {(key, pair_lang) for key, pair_lang in pairs}
        keys = sorted({key for key, _lang in wanted})
        selections = (Q(key__in=chunk) for chunk in _chunks(keys, _KEYS_PER_QUERY))
    passages = []
    for selection in selections:
        rows = documents if selection is None else documents.filter(selection)
        for row in rows.values(*fields).iterator(chunk_size=_READ_CHUNK):
            if wanted is not None and (row["key"], row["lang"]) not in wanted:
                continue
            text = passage_text(_Row(row), row.get("body_head", ""))
            passages.append((row["key"], row["lang"], text))
    return passages


@dataclass
class _Row:
    values: dict[str, Any]

    @property
    def title(self) -> str:
        return self.values["title"]

    @property
    def summary(self) -> str:
        return self.values["summary"]


def stale_documents(
    lang: str | None,
    embedder: Embedder,
    *,
    pairs: Iterable[Sequence[str]] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> list[Passage]:
    """:func:`live_passages` whose vector by ``embedder`` is missing or was
    made from another text: what is left to embed."""
    passages = live_passages(lang, pairs=pairs, using=using)
    stored = SearchVector.objects.using(using).filter(model=embedder.name)
    if lang is not None:
        stored = stored.filter(lang=lang)
    hashes: dict[tuple[str, str], str] = {}
    if pairs is None:
        selections: Iterable[Q | None] = [None]
    else:
        keys = sorted({key for key, _lang, _text in passages})
        selections = (Q(key__in=chunk) for chunk in _chunks(keys, _KEYS_PER_QUERY))
    for selection in selections:
        rows = stored if selection is None else stored.filter(selection)
        for key, row_lang, text_hash in rows.values_list(
            "key", "lang", "text_hash"
        ).iterator(chunk_size=_READ_CHUNK):
            hashes[(key, row_lang)] = text_hash
    return [
        (key, row_lang, text)
        for key, row_lang, text in passages
        if hashes.get((key, row_lang)) != hash_text(text)
    ]


def vector_count(
    lang: str | None = None,
    model: str | None = None,
    *,
    using: str = DEFAULT_DB_ALIAS,
) -> int:
    """Stored vectors of ``lang`` and ``model`` (None: any)."""
    vectors = SearchVector.objects.using(using)
    if lang is not None:
        vectors = vectors.filter(lang=lang)
    if model is not None:
        vectors = vectors.filter(model=model)
    return vectors.count()


# Nearest neighbours -------------------------------------------------------------


def _to_bfloat16(values: np.ndarray) -> np.ndarray:
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    rounded = (bits + (0x7FFF + ((bits >> 16) & 1))) >> 16  # to nearest, even
    return rounded.astype(np.uint16)


def _decoded(blobs: list[Any], dimensions: int) -> np.ndarray:
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(-1, dimensions)


Stamp = tuple[int, datetime | None]


@dataclass
class _Matrix:
    """The vectors of one (database, language, model), for one process."""

    using: str
    lang: str
    model: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    keys: list[str] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)
    rows: np.ndarray | None = None  # uint16 (capacity, dimensions), bfloat16
    mean: np.ndarray | None = None  # float32, subtracted before rounding
    stamp: Stamp | None = None
    checked_at: float = float("-inf")
    dirty: bool = True

    def stored(self) -> QuerySet[SearchVector]:
        return SearchVector.objects.using(self.using).filter(
            lang=self.lang, model=self.model
        )

    def read_stamp(self) -> Stamp:
        stamp = self.stored().aggregate(count=Count("*"), newest=Max("updated_at"))
        return stamp["count"], stamp["newest"]

    # Keeping it current --------------------------------------------------------

    def refresh(self) -> None:
        """Reload what changed, when the stamp says something did."""
        now = time.monotonic()
        interval = search_settings.VECTOR_STAMP_SECONDS
        if not self.dirty and now - self.checked_at < interval:
            return
        self.dirty = False
        self.checked_at = now
        stamp = self.read_stamp()
        if stamp == self.stamp:
            return
        old = self.stamp
        if (
            self.rows is None
            or old is None
            or old[1] is None
            or stamp[1] is None
            or stamp[1] < old[1]  # rows were rolled back or removed
        ):
            self.load(stamp)
            return
        since = old[1] - _RELOAD_OVERLAP
        changed = self.stored().filter(updated_at__gte=since)
        self.upsert(changed.values_list("key", "vector").iterator(_READ_CHUNK))
        if len(self.keys) != stamp[0]:
            self.drop_missing(set(self.stored().values_list("key", flat=True)))
        if len(self.keys) != stamp[0]:
            self.load(stamp)
            return
        self.stamp = stamp

    def load(self, stamp: Stamp) -> None:
        self.keys, self.positions = [], {}
        self.rows = self.mean = None
        self.upsert(
            self.stored().values_list("key", "vector").iterator(_READ_CHUNK),
            expected=stamp[0],
        )
        self.stamp = stamp

    def upsert(self, rows: Iterable[tuple[str, Any]], expected: int = 0) -> None:
        keys: list[str] = []
        blobs: list[Any] = []
        for key, blob in rows:
            keys.append(key)
            blobs.append(blob)
            if len(keys) == _READ_CHUNK:
                self.put(keys, blobs, expected)
                keys, blobs = [], []
        if keys:
            self.put(keys, blobs, expected)

    def put(self, keys: list[str], blobs: list[Any], expected: int) -> None:
        dimensions = len(blobs[0]) // 4
        if self.rows is not None:
            dimensions = self.rows.shape[1]
        fitting = [len(blob) == dimensions * 4 for blob in blobs]
        if not all(fitting):
            logger.warning(
                "Ignored %d vectors of %s (%s) whose length is not %d values.",
                fitting.count(False),
                self.model,
                self.lang,
                dimensions,
            )
            keys = [key for key, fits in zip(keys, fitting, strict=True) if fits]
            blobs = [blob for blob, fits in zip(blobs, fitting, strict=True) if fits]
            if not keys:
                return
        vectors = _decoded(blobs, dimensions)
        rows, mean = self.rows, self.mean
        if rows is None or mean is None:
            # Any fixed mean keeps scores exact; the first rows estimate the
            # true one well enough to centre the rest.
            mean = self.mean = vectors.mean(axis=0).astype(np.float32)
            rows = np.empty((max(expected, len(keys)), dimensions), np.uint16)
        encoded = _to_bfloat16(vectors - mean)
        new = [key for key in dict.fromkeys(keys) if key not in self.positions]
        needed = len(self.keys) + len(new)
        if needed > len(rows):
            grown = np.empty((max(needed, len(rows) * 5 // 4), dimensions), np.uint16)
            grown[: len(self.keys)] = rows[: len(self.keys)]
            rows = grown
        for key in new:
            self.positions[key] = len(self.keys)
            self.keys.append(key)
        rows[[self.positions[key] for key in keys]] = encoded
        self.rows = rows

    def drop_missing(self, present: set[str]) -> None:
        if self.rows is None:
            return
        for key in [key for key in self.keys if key not in present]:
            position = self.positions.pop(key)
            last = len(self.keys) - 1
            moved = self.keys.pop()
            if position != last:
                self.keys[position] = moved
                self.positions[moved] = position
                self.rows[position] = self.rows[last]

    # Searching -----------------------------------------------------------------

    def scored(self, vector: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """The cosine of ``vector`` with every row, and the rows' keys (a
        copy: the matrix may change once its lock is released)."""
        count = len(self.keys)
        if self.rows is None or count == 0:
            return np.empty(0, dtype=np.float32), []
        return self._scores(vector, count), list(self.keys)

    def _scores(self, vector: np.ndarray, count: int) -> np.ndarray:
        dimensions = self.rows.shape[1]
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        if query.shape != (dimensions,):
            raise ValueError(
                f"A query vector of {query.size} values cannot be compared with "
                f"the {dimensions}-value vectors of {self.model!r}."
            )
        query = query / (np.linalg.norm(query) or 1.0)
        scores = np.empty(count, dtype=np.float32)
        if count < _SPLIT_ROWS:
            self._score_rows(query, scores, 0, count)
        else:
            middle = count // 2 // _BLOCK_ROWS * _BLOCK_ROWS
            second = _helper.submit(self._score_rows, query, scores, middle, count)
            self._score_rows(query, scores, 0, middle)
            if second.cancel():
                self._score_rows(query, scores, middle, count)
            else:
                second.result()
        scores += np.float32(self.mean @ query)
        return scores

    def _score_rows(
        self, query: np.ndarray, scores: np.ndarray, start: int, end: int
    ) -> None:
        """``scores[start:end]``: the rows' dot products with ``query``."""
        dimensions = self.rows.shape[1]
        widened = np.empty((min(_BLOCK_ROWS, end - start), dimensions), np.uint32)
        for first in range(start, end, _BLOCK_ROWS):
            block = self.rows[first : min(first + _BLOCK_ROWS, end)]
            buffer = widened[: len(block)]
            np.copyto(buffer, block)
            np.left_shift(buffer, 16, out=buffer)
            np.dot(
                buffer.view(np.float32), query, out=scores[first : first + len(block)]
            )


def _best(scores: np.ndarray, n: int) -> np.ndarray:
    """Indexes of the ``n`` highest ``scores``, best first (ties: lower index)."""
    count = len(scores)
    if n < count:
        best = np.argpartition(scores, count - n)[count - n :]
        return best[np.argsort(-scores[best], kind="stable")]
    return np.argsort(-scores, kind="stable")


_matrices_lock = threading.Lock()
_matrices: dict[tuple[str, str, str], _Matrix] = {}


def _changed(using: str, what: set[tuple[str, str | None]] | None) -> None:
    """Have this process's next search check the stamp of the vectors ``what``
    names ((lang, model); model None: any; None: all), now and again once the
    transaction commits (a search on another connection sees them only then)."""

    def mark() -> None:
        with _matrices_lock:
            matrices = list(_matrices.values())
        for matrix in matrices:
            if matrix.using == using and (
                what is None
                or (matrix.lang, matrix.model) in what
                or (matrix.lang, None) in what
            ):
                matrix.dirty = True

    mark()
    transaction.on_commit(mark, using=using)
    index_changed(using)


def nearest_documents(
    vector: np.ndarray,
    lang: str,
    model: str,
    k: int,
    *,
    using: str = DEFAULT_DB_ALIAS,
    keep: Callable[[list[str]], Collection[str]] | None = None,
    first: int = 0,
) -> list[tuple[str, float]]:
    """The ``k`` keys of ``lang`` whose vectors by ``model`` are nearest to
    ``vector``, with their cosines, best first.

    Without ``keep`` every stored vector counts, whatever its document's
    visibility, filters or liveness. ``keep`` (candidate keys → those to
    keep: the caller joins them with the index) is asked for the best
    ``first`` (at least ``k``), then for four times as many at a time, until
    ``k`` are kept: the matrix is scored once whatever the filters leave out.
    A large ``k`` only costs its sorting (about 1 ms per 10,000).
    """
    with _matrices_lock:
        matrix = _matrices.get((using, lang, model))
        if matrix is None:
            matrix = _matrices[(using, lang, model)] = _Matrix(using, lang, model)
    with matrix.lock:
        matrix.refresh()
        scores, keys = matrix.scored(vector)
    if not keys or k <= 0:
        return []
    if keep is None:
        order = _best(scores, min(k, len(keys))).tolist()
        return list(zip([keys[i] for i in order], scores[order].tolist(), strict=True))
    # The candidates are taken best first, ``first`` and then four times as
    # many at each round, until ``keep`` has kept ``k`` of them or none is left.
    kept: list[tuple[str, float]] = []
    taken = 0
    size = max(first, k)
    while taken < len(keys) and len(kept) < k:
        end = min(len(keys), taken + size)
        chunk = _best(scores, end)[taken:].tolist()
        chunk_keys = [keys[i] for i in chunk]
        wanted = keep(chunk_keys)
        kept += [
            (key, score)
            for key, score in zip(chunk_keys, scores[chunk].tolist(), strict=True)
            if key in wanted
        ]
        taken = end
        size *= 4
    return kept[:k]


def clear_vector_caches() -> None:
    """Forget every process-local matrix (tests; the next search reloads)."""
    with _matrices_lock:
        _matrices.clear()
