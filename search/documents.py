"""What the search layer indexes and answers: plain data, no models.

Other apps build :class:`Document` values (through a document provider, see
``search.providers``) and ask questions with :class:`SearchQuery`; every backend
answers with :class:`SearchResults`. Nothing here knows which backend is active.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

#: Languages the search layer analyses (stemmer, stopwords, synonyms).
LANGUAGES: tuple[str, ...] = ("it", "fi", "en")


class Sort(models.TextChoices):
    RELEVANCE = "relevance", _("Relevance")
    DATE = "date", _("Newest first")


#: Facets a query may ask for, in the order a page usually shows them.
FACETS: tuple[str, ...] = ("product_line", "area", "doc_type", "audience", "tag")

#: The one visibility the search layer itself knows: what anybody may find.
PUBLIC = "public"
PUBLIC_ONLY: frozenset[str] = frozenset({PUBLIC})


@dataclass(frozen=True)
class Document:
    """One searchable document in one language.

    ``key`` is stable across edits and shared by the translations of a document
    (``(key, lang)`` identifies an indexed entry). ``body`` is plain text: the
    provider strips markup. ``live=False`` documents are stored but never found.
    """

    key: str
    lang: str
    title: str
    url: str = ""
    summary: str = ""
    body: str = ""
    product_line: str = ""
    area: str = ""
    doc_type: str = "guide"
    audience: str = "all"
    tags: tuple[str, ...] = ()
    error_codes: tuple[str, ...] = ()
    published: date | None = None
    visibility: str = PUBLIC
    live: bool = True

    def __post_init__(self) -> None:
        # Lists are accepted for convenience and stored as tuples so that a
        # document stays hashable and cannot change after it was handed over.
        object.__setattr__(self, "tags", tuple(self.tags))
        object.__setattr__(self, "error_codes", tuple(self.error_codes))
        if not self.key:
            raise ValueError("A document needs a key.")
        if self.lang not in LANGUAGES:
            raise ValueError(f"Unsupported language {self.lang!r}.")
        # The values of the keyword fields are the provider's (its choices,
        # see search.providers): a visibility no reader's rule lists is
        # simply found by nobody.
        if not self.visibility:
            raise ValueError("A document needs a visibility.")


@dataclass(frozen=True)
class SearchFilters:
    """Narrowing conditions; ``None`` means "any". Dates are inclusive."""

    product_line: str | None = None
    area: str | None = None
    doc_type: str | None = None
    audience: str | None = None
    tag: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def values_except(self, facet: str | None) -> dict[str, str]:
        """The set keyword filters, leaving out ``facet``'s own filter."""
        values = {
            "product_line": self.product_line,
            "area": self.area,
            "doc_type": self.doc_type,
            "audience": self.audience,
            "tag": self.tag,
        }
        return {
            name: value
            for name, value in values.items()
            if value not in (None, "") and name != facet
        }


@dataclass(frozen=True)
class SearchQuery:
    """A question to the search layer.

    ``visibility`` is the set of visibilities the viewer may read; the caller
    decides it from the user (anonymous visitors: ``{"public"}``).
    An empty ``text`` browses: every document that passes the filters, newest
    first. ``meaning_words`` (0: all) caps the words of ``text`` the
    semantic list reads: its first content words, without stopwords (see
    ``search.embedding.meaning_text``).
    """

    text: str
    lang: str
    filters: SearchFilters = field(default_factory=SearchFilters)
    visibility: Collection[str] = PUBLIC_ONLY
    facets: Collection[str] = ()
    sort: str = Sort.RELEVANCE.value
    page: int = 1
    page_size: int | None = None
    meaning_words: int = 0
    #: How many of the hits come highlighted (``snippet`` and ``title_html``;
    #: None: all). The pipeline asks for none of the 40 candidates it
    #: reorders, then for the page it shows; a backend may highlight more.
    highlight: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "visibility", frozenset(self.visibility))
        object.__setattr__(self, "facets", tuple(self.facets))
        unknown = set(self.facets) - set(FACETS)
        if unknown:
            raise ValueError(f"Unknown facets: {', '.join(sorted(unknown))}.")
        if self.sort not in Sort.values:
            raise ValueError(f"Unknown sort {self.sort!r}.")
        if self.lang not in LANGUAGES:
            raise ValueError(f"Unsupported language {self.lang!r}.")


@dataclass(frozen=True)
class SearchHit:
    """One found document. ``snippet`` and ``title_html`` are safe HTML: the
    text is escaped and only ``<mark>…</mark>`` around matched words is markup;
    both are empty when the query asked for the hit without highlighting
    (``SearchQuery.highlight``)."""

    key: str
    lang: str
    title: str
    url: str
    summary: str
    product_line: str
    area: str
    doc_type: str
    audience: str
    tags: tuple[str, ...]
    error_codes: tuple[str, ...]
    published: date | None
    visibility: str
    score: float
    snippet: str
    title_html: str

    @classmethod
    def of(
        cls, source: Any, *, score: float, snippet: str, title_html: str, **overrides
    ) -> SearchHit:
        """The hit of ``source``: a :class:`Document`, an indexed row or a
        mapping (an Elasticsearch ``_source``) with the document's fields;
        ``overrides`` replace fields read from it. The one place a hit is
        built, whatever backend found it."""

        def read(name: str, default: Any = "") -> Any:
            if name in overrides:
                return overrides[name]
            if isinstance(source, Mapping):
                return source.get(name, default)
            return getattr(source, name, default)

        published = read("published", None)
        if isinstance(published, str):
            published = date.fromisoformat(published[:10]) if published else None
        return cls(
            key=read("key"),
            lang=read("lang"),
            title=read("title"),
            url=read("url") or "",
            summary=read("summary") or "",
            product_line=read("product_line") or "",
            area=read("area") or "",
            doc_type=read("doc_type") or "",
            audience=read("audience") or "",
            tags=tuple(read("tags", ()) or ()),
            error_codes=tuple(read("error_codes", ()) or ()),
            published=published,
            visibility=read("visibility") or "",
            score=score,
            snippet=snippet,
            title_html=title_html,
        )


@dataclass(frozen=True)
class SearchResults:
    """The answer to a :class:`SearchQuery`.

    ``facets`` maps each requested facet to ``(value, count)`` pairs, most
    frequent first; the counts honour every filter except the facet's own, so a
    page can offer the alternatives. ``matched_all_words`` is false when too few
    documents contained every word and the results match some of them.
    ``total_exact`` is false when ``total`` is an estimate: the database
    backend on PostgreSQL estimates result sets of more than 2,000 documents
    from its index (their facet counts are estimates on every database).
    ``vector_late`` is true when the query's vector was not ready within
    ``SEARCH_VECTOR_WAIT_MS`` and the answer is lexical only.
    """

    total: int
    hits: list[SearchHit]
    facets: dict[str, list[tuple[str, int]]]
    did_you_mean: str | None
    took_ms: float
    page: int = 1
    page_size: int = 10
    matched_all_words: bool = True
    total_exact: bool = True
    vector_late: bool = False

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class Suggestion:
    """A title offered while the user types; ``title_html`` marks the match."""

    key: str
    title: str
    url: str
    title_html: str
