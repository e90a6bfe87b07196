"""The documents' vectors on their way from the database to Elasticsearch.

The database's vector table (``search.vectors``) is the one place vectors are
computed into, by the background task, after a document is indexed; the
Elasticsearch index holds a copy, written with the document when a vector
already exists (``index``, rebuilds) and pushed by the task once it has
computed a new one (``ElasticsearchSearchBackend.push_vectors``). Either order
of the two ends with the document carrying its latest vector.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ...models import SearchVector
from .queries import EMBEDDING_FIELD

if TYPE_CHECKING:
    from ...embedding import Embedder

logger = logging.getLogger(__name__)

#: Keys per database query (SQLite allows 999 parameters a statement).
KEYS_PER_QUERY = 500

#: (key, lang) → vector
Vectors = dict[tuple[str, str], list[float]]


def stored_vectors(
    pairs: Iterable[Sequence[str]], embedder: Embedder, *, using: str
) -> Vectors:
    """The vectors ``embedder`` made for the documents ``pairs`` names
    (``(key, lang)``), as stored in the database ``using``; documents without
    one, or with one of other dimensions, are left out.

    A vector made from an older text of the document is returned too: the
    database backend searches it until the task replaces it, and so does
    Elasticsearch."""
    by_lang: dict[str, set[str]] = defaultdict(set)
    for key, lang in pairs:
        by_lang[lang].add(key)
    found: Vectors = {}
    skipped = 0
    for lang, keys in by_lang.items():
        ordered = sorted(keys)
        for start in range(0, len(ordered), KEYS_PER_QUERY):
            rows = SearchVector.objects.using(using).filter(
                lang=lang,
                model=embedder.name,
                key__in=ordered[start : start + KEYS_PER_QUERY],
            )
            for key, blob in rows.values_list("key", "vector"):
                vector = np.frombuffer(bytes(blob), dtype="<f4")
                if vector.size != embedder.dimensions:
                    skipped += 1
                    continue
                found[(key, lang)] = vector.tolist()
    if skipped:
        logger.warning(
            "Ignored %d stored vectors of %s that do not have %d values.",
            skipped,
            embedder.name,
            embedder.dimensions,
        )
    return found


def vector_updates(
    rows: Iterable[tuple[str, str, Sequence[float]]], index_of: Callable[[str], str]
) -> list[dict[str, Any]]:
    """Bulk actions setting the vector of each ``(key, lang, vector)`` in the
    index ``index_of(lang)``: partial updates, the rest of each document
    untouched. A document not in the index is not created (it is not live, or
    it is indexed later, vector included); the last of repeated rows wins."""
    latest: dict[tuple[str, str], Sequence[float]] = {}
    for key, lang, vector in rows:
        latest[(key, lang)] = vector
    return [
        {
            "_op_type": "update",
            "_index": index_of(lang),
            "_id": key,
            "doc": {EMBEDDING_FIELD: [float(value) for value in vector]},
        }
        for (key, lang), vector in latest.items()
    ]


def cosine_of(score: float) -> float:
    """The cosine similarity behind a ``knn`` hit's ``_score``: Elasticsearch
    scores ``cosine`` vectors (1 + cosine) / 2, so that scores stay positive;
    the pipeline compares cosines with the embedder's floor."""
    return 2.0 * float(score) - 1.0
