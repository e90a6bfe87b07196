"""The interface every search backend implements.

Other apps never see a backend: they call ``search.services``. A backend is
built once per alias from ``SEARCH_BACKENDS`` with that alias's options.
Operations a backend cannot perform raise ``NotImplementedError``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from ..documents import (
    PUBLIC_ONLY,
    Document,
    SearchHit,
    SearchQuery,
    SearchResults,
    Suggestion,
)


class SearchBackendUnavailable(Exception):
    """The backend's server cannot be reached; callers answer from the database."""


class Rebuild:
    """A full rebuild in progress: documents are added in batches, then
    ``finish`` makes the new index the one searched (or ``abort`` drops it).

    Until ``finish``, searches keep answering from the previous index.
    """

    def add(self, documents: list[Document]) -> None:
        raise NotImplementedError

    def finish(self) -> int:
        """Publish the new index; return how many documents it holds."""
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError


class BaseSearchBackend:
    """Base class of search backends.

    Subclasses override the public methods below. ``index`` must accept a
    document that is already indexed (it replaces it) and a document with
    ``live=False`` (it is stored, or dropped, but never found).
    """

    #: True for backends whose index lives on another server and may be away;
    #: the registry then answers searches from the database when it is.
    remote = False

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        self.alias = alias
        self.params = params

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.alias!r}>"

    # Writing ---------------------------------------------------------------

    def index(self, document: Document) -> None:
        """Add ``document`` or replace the entry with its key and language."""
        raise NotImplementedError

    def remove(self, key: str, lang: str) -> None:
        """Forget the entry; no error when there is none."""
        raise NotImplementedError

    def start_rebuild(self) -> Rebuild:
        """Begin replacing the whole index; see :class:`Rebuild`."""
        raise NotImplementedError

    def rebuild(self, documents: Iterable[Document], batch_size: int = 500) -> int:
        """Replace the whole index with ``documents``; return how many.

        Override ``start_rebuild`` rather than this method.
        """
        rebuild = self.start_rebuild()
        try:
            batch: list[Document] = []
            for document in documents:
                batch.append(document)
                if len(batch) >= batch_size:
                    rebuild.add(batch)
                    batch = []
            if batch:
                rebuild.add(batch)
        except BaseException:
            rebuild.abort()
            raise
        return rebuild.finish()

    # Reading ---------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        """Answer ``query``: hits of the requested page, total, facets."""
        raise NotImplementedError

    def suggest(
        self,
        text: str,
        lang: str,
        *,
        product_line: str | None = None,
        visibility: Collection[str] = PUBLIC_ONLY,
        limit: int = 8,
    ) -> list[Suggestion]:
        """Titles for what has been typed so far (the last word a prefix)."""
        raise NotImplementedError

    def did_you_mean(
        self, text: str, lang: str, *, visibility: Collection[str] = PUBLIC_ONLY
    ) -> str | None:
        """``text`` with misspelt words replaced by indexed ones, or ``None``
        when no word needs correcting. Never offers a word that only documents
        outside ``visibility`` contain."""
        raise NotImplementedError

    def nearest(self, vector, query: SearchQuery, k: int) -> list[tuple[str, float]]:
        """Keys of the ``k`` documents nearest to ``vector`` (the query's
        embedding) with their cosine similarity, best first: live, in
        ``query.lang``, readable within ``query.visibility`` and passing its
        filters and dates. Empty when the backend holds no vectors (the
        pipeline of ``search.hybrid`` is then lexical)."""
        return []

    def texts_for(self, keys: list[str], lang: str) -> dict[str, tuple[str, str]]:
        """The title and the text (summary and body) of the documents
        ``keys`` in ``lang``, as indexed; documents gone are left out. The
        pipeline reads them for the words' exact forms (``search.hybrid``);
        empty when the backend cannot tell (that stage then keeps the order)."""
        return {}

    def hits_for(self, keys: list[str], query: SearchQuery) -> list[SearchHit]:
        """Hits for documents of ``query.lang`` that ``nearest`` found, in the
        order of ``keys``, highlighted for ``query.text``; documents gone or
        unreadable since are left out."""
        return []
