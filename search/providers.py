"""Document providers: how the search layer learns what to index.

An app that has searchable content registers a provider once, usually in its
``AppConfig.ready``::

    register_document_provider(
        "kb",
        documents=all_article_documents,      # () -> Iterable[Document]
        lookup=article_document,              # (key, lang) -> Document | None
        key_prefix="kb-",
        for_object=page_document,             # (obj) -> Document | None
    )

``documents`` feeds a full rebuild (``manage.py rebuild_search_index``);
``lookup`` lets the background tasks index one document by key: it returns the
current document, or ``None`` when the key no longer names anything searchable
(unpublished, deleted), which removes it from the index. Keys of different
providers must not collide; ``key_prefix`` says which keys a provider owns.
``for_object`` (optional) turns one of the app's objects (e.g. a Wagtail page
an editor promoted for a query) into its document, or None when the object is
not the provider's.

The provider also hands over what only its app knows about its documents:

- ``visibilities(user)``: the visibilities of its documents ``user`` may
  find (the app's own permission rule, so that a search never lists what
  its reader could not open). ``reader_visibilities`` joins the providers'
  answers; without any provider, readers find public documents only.
- ``choices``: for a keyword field (``doc_type``, ``audience``,
  ``visibility``) the values its documents use and their labels, in the
  order a filter lists them (``field_choices``, ``choice_label``).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .documents import PUBLIC_ONLY, Document

DocumentsCallable = Callable[[], Iterable[Document]]
LookupCallable = Callable[[str, str], Document | None]
ObjectCallable = Callable[[object], Document | None]
VisibilitiesCallable = Callable[[Any], Collection[str]]
#: Per field, (value, label) pairs; labels may be lazy translations.
Choices = Mapping[str, Sequence[tuple[str, Any]]]


@dataclass(frozen=True)
class DocumentProvider:
    name: str
    documents: DocumentsCallable
    lookup: LookupCallable | None = None
    key_prefix: str = ""
    for_object: ObjectCallable | None = None
    visibilities: VisibilitiesCallable | None = None
    choices: Choices = field(default_factory=dict)

    def owns(self, key: str) -> bool:
        return key.startswith(self.key_prefix)

    def find(self, key: str, lang: str) -> Document | None:
        """The provider's current document for ``key`` and ``lang``, or None.

        Without a ``lookup``, scans every document: fine for small providers.
        """
        if self.lookup is not None:
            return self.lookup(key, lang)
        for document in self.documents():
            if document.key == key and document.lang == lang:
                return document
        return None


_lock = threading.Lock()
_providers: dict[str, DocumentProvider] = {}


def register_document_provider(
    name: str,
    documents: DocumentsCallable,
    lookup: LookupCallable | None = None,
    key_prefix: str = "",
    for_object: ObjectCallable | None = None,
    visibilities: VisibilitiesCallable | None = None,
    choices: Choices | None = None,
) -> DocumentProvider:
    """Register (or replace) the provider called ``name``."""
    provider = DocumentProvider(
        name, documents, lookup, key_prefix, for_object, visibilities, choices or {}
    )
    with _lock:
        _providers[name] = provider
    return provider


def unregister_document_provider(name: str) -> None:
    with _lock:
        _providers.pop(name, None)


def get_document_providers() -> list[DocumentProvider]:
    with _lock:
        return list(_providers.values())


def all_documents() -> Iterator[Document]:
    """Every document of every provider, for a full rebuild."""
    return itertools.chain.from_iterable(
        provider.documents() for provider in get_document_providers()
    )


def find_document(key: str, lang: str) -> Document | None:
    """The current document for ``key`` and ``lang`` from the provider that owns
    the key, or None when no provider has it (any more)."""
    for provider in get_document_providers():
        if provider.owns(key):
            document = provider.find(key, lang)
            if document is not None:
                return document
    return None


def document_for_object(obj: object) -> Document | None:
    """The current document of ``obj`` (e.g. a page) from the first provider
    that knows it, or None."""
    for provider in get_document_providers():
        if provider.for_object is not None:
            document = provider.for_object(obj)
            if document is not None:
                return document
    return None


def reader_visibilities(user) -> frozenset[str]:
    """The visibilities of the documents ``user`` may find: what the
    providers' rules allow (public documents only when no provider has a
    rule)."""
    found: set[str] = set()
    rules = [p.visibilities for p in get_document_providers() if p.visibilities]
    if not rules:
        return PUBLIC_ONLY
    for rule in rules:
        found.update(rule(user))
    return frozenset(found)


def field_choices(name: str) -> list[tuple[str, Any]]:
    """The (value, label) pairs the providers declare for the keyword field
    ``name`` (``doc_type``, ``audience``, ``visibility``), each value once,
    in the providers' order."""
    pairs: dict[str, Any] = {}
    for provider in get_document_providers():
        for value, label in provider.choices.get(name, ()):
            pairs.setdefault(value, label)
    return list(pairs.items())


def choice_label(name: str, value: str) -> str:
    """The label of ``value`` of the keyword field ``name``: the value itself
    when no provider names it."""
    for known, label in field_choices(name):
        if known == value:
            return str(label)
    return value


def known_visibilities() -> list[str]:
    """Every visibility the providers declare (``public`` at least)."""
    values = [value for value, _label in field_choices("visibility")]
    return values or sorted(PUBLIC_ONLY)
