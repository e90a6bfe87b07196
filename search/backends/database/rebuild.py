"""Full rebuild of the database index, in one transaction."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from django.db import transaction

from ...documents import Document
from ...models import SearchDocument
from ..base import Rebuild
from .engine import analyse_document, row_values

if TYPE_CHECKING:
    from . import DatabaseSearchBackend

logger = logging.getLogger(__name__)


class _Aborted(Exception):
    pass


class DatabaseRebuild(Rebuild):
    """Replaces the index inside one transaction: searches keep reading the
    previous index until it commits."""

    def __init__(self, backend: DatabaseSearchBackend) -> None:
        self.backend = backend
        self.engine = backend.engine
        self.using = backend.using
        self.count = 0
        self.seen: set[tuple[str, str]] = set()
        # Vocabulary per (lang, visibility): documents containing each word,
        # and the word as written.
        self.frequencies: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        self.displays: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
        self.atomic = transaction.atomic(using=self.using)
        self.atomic.__enter__()
        try:
            with self.engine.connection.cursor() as cursor:
                self.engine.clear(cursor)
        except BaseException:
            self.abort()
            raise

    def add(self, documents: list[Document]) -> None:
        batch = []
        for document in documents:
            identity = (document.key, document.lang)
            if identity in self.seen:
                logger.warning(
                    "Document %s (%s) given twice; kept the first.", *identity
                )
                continue
            self.seen.add(identity)
            batch.append(document)
        rows = SearchDocument.objects.using(self.using).bulk_create(
            [SearchDocument(key=d.key, lang=d.lang, **row_values(d)) for d in batch]
        )
        fulltext = []
        tags = []
        bodies = []
        for row, document in zip(rows, batch, strict=True):
            bodies.append((row.pk, document.body))
            tags.extend((row.pk, tag) for tag in dict.fromkeys(row.tags))
            if not document.live:
                continue
            fulltext_row, words = analyse_document(row.pk, document)
            fulltext.append(fulltext_row)
            group = (document.lang, document.visibility)
            self.frequencies[group].update(words.keys())
            self.displays[group].update(words)
        with self.engine.connection.cursor() as cursor:
            self.engine.insert_bodies(cursor, bodies)
            self.engine.insert_tags(cursor, tags)
            self.engine.write_fulltext(cursor, fulltext)
        self.count += len(batch)

    def finish(self) -> int:
        try:
            with self.engine.connection.cursor() as cursor:
                self.engine.insert_vocabulary(cursor, self.frequencies, self.displays)
        except BaseException:
            self.abort()
            raise
        self.atomic.__exit__(None, None, None)
        self.backend.forget_live_counts()
        with self.engine.connection.cursor() as cursor:
            self.engine.refresh_statistics(cursor)
        return self.count

    def abort(self) -> None:
        error = _Aborted()
        self.atomic.__exit__(type(error), error, None)
