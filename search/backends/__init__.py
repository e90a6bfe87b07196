"""The registry of search backends, read from ``SEARCH_BACKENDS``.

``SEARCH_BACKENDS`` maps aliases to ``{"BACKEND": dotted path, ...options}``
and must hold a ``"default"``; without the setting, the database backend is the
default. A path names a module with a ``SearchBackend`` attribute or a backend
class. When no configured backend keeps its index in the database, a database
backend is added under the alias ``"database"``: every document is indexed
there too, so that searches are answered from it while a remote backend
(Elasticsearch) is unreachable.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from ..conf import DEFAULT_BACKENDS
from ..documents import PUBLIC_ONLY, SearchHit, SearchQuery, SearchResults, Suggestion
from .base import BaseSearchBackend, Rebuild, SearchBackendUnavailable

logger = logging.getLogger(__name__)

__all__ = [
    "BaseSearchBackend",
    "FallbackSearchBackend",
    "Rebuild",
    "SearchBackendUnavailable",
    "get_search_backend",
    "get_search_backends",
    "import_backend_class",
    "reset_search_backends",
]

DATABASE_BACKEND = "search.backends.database"
IMPLICIT_DATABASE_ALIAS = "database"

_lock = threading.Lock()
_backends: dict[str, BaseSearchBackend] | None = None


def import_backend_class(path: str) -> type[BaseSearchBackend]:
    """The backend class a ``BACKEND`` path names, or ``ImproperlyConfigured``."""
    backend_class: Any = None
    try:
        backend_class = import_module(path).SearchBackend
    except (ImportError, AttributeError):
        try:
            backend_class = import_string(path)
        except ImportError:
            backend_class = None
    if not (
        isinstance(backend_class, type) and issubclass(backend_class, BaseSearchBackend)
    ):
        raise ImproperlyConfigured(
            f"SEARCH_BACKENDS: {path!r} is not a search backend (a module with a "
            "SearchBackend class, or a BaseSearchBackend subclass)."
        )
    return backend_class


def _configuration() -> dict[str, dict[str, Any]]:
    config = getattr(settings, "SEARCH_BACKENDS", None)
    if config is None:
        return DEFAULT_BACKENDS
    if not isinstance(config, dict) or "default" not in config:
        raise ImproperlyConfigured('SEARCH_BACKENDS must have a "default" alias.')
    for alias, params in config.items():
        if not isinstance(params, dict) or "BACKEND" not in params:
            raise ImproperlyConfigured(
                f"SEARCH_BACKENDS[{alias!r}] must be a dict with a BACKEND path."
            )
    return config


def _build() -> dict[str, BaseSearchBackend]:
    backends: dict[str, BaseSearchBackend] = {}
    for alias, params in _configuration().items():
        options = {k: v for k, v in params.items() if k != "BACKEND"}
        backends[alias] = import_backend_class(params["BACKEND"])(alias, options)
    if all(backend.remote for backend in backends.values()):
        database_class = import_backend_class(DATABASE_BACKEND)
        backends[IMPLICIT_DATABASE_ALIAS] = database_class(IMPLICIT_DATABASE_ALIAS, {})
    return backends


def get_search_backends() -> dict[str, BaseSearchBackend]:
    """Every backend to keep up to date, by alias (the implicit database one
    included), in configuration order."""
    global _backends
    backends = _backends
    if backends is None:
        with _lock:
            if _backends is None:
                _backends = _build()
            backends = _backends
    return backends


def _local_backend(backends: dict[str, BaseSearchBackend], primary: BaseSearchBackend):
    fallback_alias = primary.params.get("FALLBACK")
    if fallback_alias is not None:
        fallback = backends.get(fallback_alias)
        if fallback is None or fallback.remote:
            raise ImproperlyConfigured(
                f"SEARCH_BACKENDS[{primary.alias!r}]: FALLBACK {fallback_alias!r} "
                "must name a database backend."
            )
        return fallback
    return next(backend for backend in backends.values() if not backend.remote)


def get_search_backend(alias: str = "default") -> BaseSearchBackend:
    """The backend that answers searches for ``alias``; a remote one comes
    wrapped so that the database answers while it is unreachable."""
    backends = get_search_backends()
    try:
        backend = backends[alias]
    except KeyError:
        raise ImproperlyConfigured(f"SEARCH_BACKENDS has no alias {alias!r}.") from None
    if backend.remote:
        return FallbackSearchBackend(backend, _local_backend(backends, backend))
    return backend


def reset_search_backends() -> None:
    """Forget the built backends; the next call reads the settings again."""
    global _backends
    with _lock:
        _backends = None


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"SEARCH_BACKENDS", "ELASTICSEARCH_URL"}:
        reset_search_backends()


class FallbackSearchBackend(BaseSearchBackend):
    """Reads from ``primary``; while it is unavailable, logs a warning and reads
    from ``fallback`` (a database backend, kept up to date alongside)."""

    def __init__(self, primary: BaseSearchBackend, fallback: BaseSearchBackend):
        super().__init__(primary.alias, primary.params)
        self.primary = primary
        self.fallback = fallback

    def _unavailable(self, operation: str, error: Exception) -> None:
        logger.warning(
            "Search backend %r unavailable for %s (%s); answering from %r.",
            self.primary.alias,
            operation,
            error,
            self.fallback.alias,
        )

    def index(self, document):
        return self.primary.index(document)

    def remove(self, key, lang):
        return self.primary.remove(key, lang)

    def start_rebuild(self):
        return self.primary.start_rebuild()

    def search(self, query: SearchQuery) -> SearchResults:
        try:
            return self.primary.search(query)
        except SearchBackendUnavailable as error:
            self._unavailable("search", error)
            return self.fallback.search(query)

    def suggest(
        self,
        text: str,
        lang: str,
        *,
        product_line: str | None = None,
        visibility: Collection[str] = PUBLIC_ONLY,
        limit: int = 8,
    ) -> list[Suggestion]:
        kwargs = {"product_line": product_line, "visibility": visibility}
        try:
            return self.primary.suggest(text, lang, limit=limit, **kwargs)
        except SearchBackendUnavailable as error:
            self._unavailable("suggest", error)
            return self.fallback.suggest(text, lang, limit=limit, **kwargs)

    def did_you_mean(
        self, text: str, lang: str, *, visibility: Collection[str] = PUBLIC_ONLY
    ) -> str | None:
        try:
            return self.primary.did_you_mean(text, lang, visibility=visibility)
        except SearchBackendUnavailable as error:
            self._unavailable("did you mean", error)
            return self.fallback.did_you_mean(text, lang, visibility=visibility)

    def nearest(self, vector, query: SearchQuery, k: int) -> list[tuple[str, float]]:
        try:
            return self.primary.nearest(vector, query, k)
        except SearchBackendUnavailable as error:
            self._unavailable("nearest", error)
            return self.fallback.nearest(vector, query, k)

    def hits_for(self, keys: list[str], query: SearchQuery) -> list[SearchHit]:
        try:
            return self.primary.hits_for(keys, query)
        except SearchBackendUnavailable as error:
            self._unavailable("hits", error)
            return self.fallback.hits_for(keys, query)

    def texts_for(self, keys: list[str], lang: str) -> dict[str, tuple[str, str]]:
        try:
            return self.primary.texts_for(keys, lang)
        except SearchBackendUnavailable as error:
            self._unavailable("texts", error)
            return self.fallback.texts_for(keys, lang)
