"""A full rebuild of the Elasticsearch backend: fresh timestamped indices, then
one atomic swap of the aliases."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from elasticsearch import NotFoundError, helpers

from ...documents import LANGUAGES, Document
from ...embedding import get_embedder
from ..base import Rebuild
from .embeddings import stored_vectors
from .mapping import document_body

if TYPE_CHECKING:
    from . import ElasticsearchSearchBackend


class ElasticsearchRebuild(Rebuild):
    """Fills fresh timestamped indices; ``finish`` swaps the aliases to them in
    one request and deletes the indices they pointed to.

    The new indices are made for the embedder configured when the rebuild
    starts, and each document goes in with the vector the database holds for
    it (read per batch, one query per language); documents without one get
    it when the embedding task pushes it (``push_vectors``)."""

    def __init__(self, backend: ElasticsearchSearchBackend) -> None:
        self.backend = backend
        self.count = 0
        self.indices: dict[str, str] = {}
        self.embedder = get_embedder()
        try:
            for lang in LANGUAGES:
                self.indices[lang] = backend.create_index(lang, self.embedder)
        except BaseException:
            self.abort()
            raise

    def add(self, documents: list[Document]) -> None:
        live = [document for document in documents if document.live]
        vectors = {}
        if self.embedder is not None and live:
            vectors = stored_vectors(
                ((document.key, document.lang) for document in live),
                self.embedder,
                using=self.backend.vector_database(),
            )
        actions = [
            {
                "_index": self.indices[document.lang],
                "_id": document.key,
                "_source": document_body(
                    document, vectors.get((document.key, document.lang))
                ),
            }
            for document in live
        ]
        with self.backend.reachable("rebuild"):
            helpers.bulk(self.backend.client, actions)
        self.count += len(documents)

    def finish(self) -> int:
        backend = self.backend
        client = backend.client
        with backend.reachable("rebuild"):
            client.indices.refresh(index=",".join(self.indices.values()))
            actions = []
            old_indices = []
            for lang, name in self.indices.items():
                alias = backend.index_alias(lang)
                try:
                    current = client.indices.get_alias(name=alias)
                except NotFoundError:
                    current = {}
                for old in current:
                    old_indices.append(old)
                    actions.append({"remove": {"index": old, "alias": alias}})
                actions.append({"add": {"index": name, "alias": alias}})
            client.indices.update_aliases(actions=actions)
            backend._ready.update(backend.index_alias(lang) for lang in self.indices)
            now = time.monotonic()
            for lang in self.indices:
                backend._models[lang] = (now, backend.model_of(self.embedder))
            for old in old_indices:
                client.options(ignore_status=404).indices.delete(index=old)
        return self.count

    def abort(self) -> None:
        if not self.indices:
            return
        with self.backend.reachable("rebuild clean-up"):
            self.backend.client.options(ignore_status=404).indices.delete(
                index=",".join(self.indices.values())
            )
