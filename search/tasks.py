"""Background tasks that keep the index in step with the providers' content.

Apps enqueue them after their own transaction commits, e.g.
``transaction.on_commit(lambda: index_document_task.enqueue(key, lang))``; the
task asks the provider for the current document, so a late or repeated run
still indexes the latest version.

Embedding runs here too, never in the request that edits or imports: a model
call costs tens of milliseconds per document. ``search.services`` schedules it
through :func:`enqueue_document_embedding` and :func:`enqueue_stale_embeddings`
once the index change commits; the task then embeds whatever text the index
holds at that moment, so a late or repeated run does no harm either.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial

from django.db import DEFAULT_DB_ALIAS, transaction
from django_tasks import task

from . import services
from .documents import Document
from .embedding import get_embedder, passage_text
from .models import SearchVector
from .providers import find_document
from .vectors import (
    embed_documents,
    hash_text,
    prune_vectors,
    stale_documents,
    vector_databases,
)

logger = logging.getLogger(__name__)

#: (key, lang) pairs per embedding task enqueued after a rebuild.
EMBED_CHUNK = 500


@task()
def index_document_task(key: str, lang: str) -> bool:
    """Index the provider's current document ``key`` in ``lang``, or remove it
    from the index when no provider has it any more. True when indexed."""
    document = find_document(key, lang)
    if document is None:
        services.remove_document(key, lang)
        return False
    services.index_document(document)
    return True


@task()
def remove_document_task(key: str, lang: str) -> None:
    """Remove ``key`` in ``lang`` from the index."""
    services.remove_document(key, lang)


@task()
def embed_documents_task(pairs: list[list[str]], using: str = DEFAULT_DB_ALIAS) -> int:
    """Embed the indexed text of the live documents ``pairs`` names
    (``[[key, lang], ...]``) whose vector is missing or outdated, in batches of
    ``SEARCH_EMBED_BATCH``; returns how many were embedded.

    Never fails over the model: with the ImmediateBackend this runs inside the
    request that saved the document. Without a usable embedder, or when it
    fails, one warning is logged and the documents wait for the next run or
    ``manage.py embed_articles --missing``.
    """
    embedder = get_embedder()
    if embedder is None:
        logger.warning(
            "No usable SEARCH_EMBEDDER: %d documents left without vectors.",
            len(pairs),
        )
        return 0
    passages = stale_documents(None, embedder, pairs=pairs, using=using)
    done = 0

    def count(embedded: int) -> None:
        nonlocal done
        done = embedded

    try:
        done = embed_documents(passages, embedder, using=using, progress=count)
    except Exception as error:  # noqa: BLE001 - a failing model must not fail edits
        logger.warning(
            "Embedder %r failed after %d of %d documents (%s: %s); the rest wait "
            "for `manage.py embed_articles --missing`.",
            embedder.name,
            done,
            len(passages),
            type(error).__name__,
            error,
        )
    if done:
        _push_vectors([[key, lang] for key, lang, _text in passages[:done]], using)
    return done


def _push_vectors(pairs: list[list[str]], using: str) -> None:
    """Hand the new vectors to the backends that keep their own copy
    (Elasticsearch); the database backend reads them where they are."""
    from .backends import SearchBackendUnavailable, get_search_backends

    for backend in get_search_backends().values():
        push = getattr(backend, "push_vectors", None)
        if push is None or backend.vector_database() != using:
            continue
        try:
            push(pairs, using=using)
        except SearchBackendUnavailable as error:
            logger.warning(
                "Could not push %d vectors to %r: %s", len(pairs), backend.alias, error
            )


def _enqueue(pairs: list[list[str]], using: str) -> None:
    try:
        embed_documents_task.enqueue(pairs, using)
    except Exception as error:  # noqa: BLE001 - the index change is already saved
        logger.warning(
            "Could not enqueue the embedding of %d documents: %s", len(pairs), error
        )


def enqueue_document_embedding(document: Document) -> None:
    """Once the current transaction commits, enqueue the embedding of the
    just-indexed ``document``, unless there is no embedder, the document is not
    live, or its stored vector was made from the same text (one indexed query,
    no model call)."""
    embedder = get_embedder()
    if embedder is None or not document.live:
        return
    text_hash = hash_text(passage_text(document))
    for using in vector_databases():
        current = SearchVector.objects.using(using).filter(
            key=document.key,
            lang=document.lang,
            model=embedder.name,
            text_hash=text_hash,
        )
        if not current.exists():
            pairs = [[document.key, document.lang]]
            transaction.on_commit(partial(_enqueue, pairs, using), using=using)


def _embed_after_rebuild(using: str) -> None:
    try:
        pruned = prune_vectors(using=using)
        embedder = get_embedder()
        if embedder is None:
            return
        stale = stale_documents(None, embedder, using=using)
    except Exception:
        logger.warning("Could not look for documents to embed.", exc_info=True)
        return
    logger.info(
        "Rebuild: %d documents to embed, %d orphan vectors pruned.", len(stale), pruned
    )
    pairs = [[key, lang] for key, lang, _text in stale]
    for start in range(0, len(pairs), EMBED_CHUNK):
        _enqueue(pairs[start : start + EMBED_CHUNK], using)


def enqueue_stale_embeddings(aliases: Iterable[str]) -> None:
    """After a rebuild of the search backends ``aliases`` commits: drop the
    vectors of documents no longer indexed and enqueue the embedding of the
    documents without a current vector, in tasks of ``EMBED_CHUNK``
    documents. Vectors survive a rebuild, so usually few are left to embed."""
    from .backends import get_search_backends

    backends = get_search_backends()
    rebuilt = {
        getattr(backends[alias], "using", None)
        for alias in aliases
        if alias in backends and not backends[alias].remote
    }
    for using in vector_databases():
        if using in rebuilt:
            transaction.on_commit(partial(_embed_after_rebuild, using), using=using)
