"""The Elasticsearch backend, for portals that outgrow the database one.

One index per language behind an alias ``<prefix>-<lang>``; the alias points to
a timestamped index (``<prefix>-<lang>-<UTC timestamp>``) so that a rebuild
fills a fresh index and then swaps the alias atomically. Analysis mirrors the
database backend (``search.analysis``): lowercase, accent folding, the same
stopword lists, the Finnish ``-ime-`` patterns, the Snowball stemmer of the
language; at query time the synonym list of ``search/synonyms/<lang>.txt``.
Words may be misspelt (fuzziness ``AUTO``, first letter exact). As on the
database, a word typed in camel case also matches its pieces, and a Finnish
search that finds nothing cuts long words into compound parts the index
contains (``analysis.compound_split``; see ``_compound_parts``).

Every server error surfaces as ``SearchBackendUnavailable``; the registry then
answers from the database, which is always indexed alongside. After a failure
the backend stays "down" for ``RETRY_AFTER`` seconds (default 30) so that a
dead server costs one timeout, not one per request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.html import escape
from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError, dsl, helpers

from ...analysis import (
    COMPOUND_LANGUAGES,
    camel_case_words,
    parse_query,
    suggest_terms,
)
from ...conf import search_settings
from ...documents import (
    LANGUAGES,
    PUBLIC_ONLY,
    Document,
    SearchHit,
    SearchQuery,
    SearchResults,
    Suggestion,
)
from ...highlight import excerpt, highlight
from ..base import BaseSearchBackend, Rebuild, SearchBackendUnavailable
from .mapping import document_body, index_definition
from .queries import (
    base_filters,
    build_known_terms,
    build_search,
    build_suggest,
    compound_parts,
    compound_words,
    corrected_text,
    known_terms,
    spelling_suggester,
)

logger = logging.getLogger(__name__)


class ElasticsearchSearchBackend(BaseSearchBackend):
    remote = True

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        urls = params.get("URLS") or [getattr(settings, "ELASTICSEARCH_URL", None)]
        if not all(urls):
            raise ImproperlyConfigured(
                f"SEARCH_BACKENDS[{alias!r}] needs URLS or ELASTICSEARCH_URL."
            )
        self.urls = list(urls)
        self.prefix = params.get("INDEX_PREFIX", "sportello")
        self.timeout = params.get("TIMEOUT", 5)
        self.max_retries = params.get("MAX_RETRIES", 1)
        self.refresh = params.get("REFRESH", False)
        self.retry_after = params.get("RETRY_AFTER", 30)
        self.replicas = params.get("REPLICAS", 0)
        self.options = params.get("OPTIONS", {})
        self._client: Elasticsearch | None = None
        self._ready: set[str] = set()
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def client(self) -> Elasticsearch:
        if self._client is None:
            self._client = Elasticsearch(
                self.urls,
                request_timeout=self.timeout,
                max_retries=self.max_retries,
                retry_on_timeout=False,
                **self.options,
            )
        return self._client

    def index_alias(self, lang: str) -> str:
        return f"{self.prefix}-{lang}"

    def new_index_name(self, lang: str) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        return f"{self.prefix}-{lang}-{stamp}"

    @contextmanager
    def reachable(self, operation: str) -> Iterator[None]:
        """Turn server errors into ``SearchBackendUnavailable``."""
        if time.monotonic() < self._down_until:
            raise SearchBackendUnavailable(f"{operation}: marked down after a failure")
        try:
            yield
        except (TransportError, helpers.BulkIndexError) as error:
            self._down_until = time.monotonic() + self.retry_after
            raise SearchBackendUnavailable(f"{operation}: {error}") from error
        except ApiError as error:
            logger.error("Elasticsearch refused %s: %s", operation, error)
            raise SearchBackendUnavailable(f"{operation}: {error}") from error

    def create_index(self, lang: str) -> str:
        name = self.new_index_name(lang)
        body = index_definition(name, lang, self.replicas).to_dict()
        self.client.indices.create(index=name, **body)
        return name

    def _ensure_alias(self, lang: str) -> str:
        alias = self.index_alias(lang)
        if alias in self._ready:
            return alias
        with self._lock:
            if not self.client.indices.exists_alias(name=alias):
                name = self.create_index(lang)
                self.client.indices.put_alias(index=name, name=alias)
            self._ready.add(alias)
        return alias

    # Writing -------------------------------------------------------------------

    def index(self, document: Document) -> None:
        if not document.live:
            self.remove(document.key, document.lang)
            return
        with self.reachable("index"):
            self.client.index(
                index=self._ensure_alias(document.lang),
                id=document.key,
                document=document_body(document),
                refresh=self.refresh,
            )

    def remove(self, key: str, lang: str) -> None:
        with self.reachable("remove"):
            try:
                self.client.delete(
                    index=self._ensure_alias(lang), id=key, refresh=self.refresh
                )
            except NotFoundError:
                pass

    def start_rebuild(self) -> Rebuild:
        with self.reachable("rebuild"):
            return ElasticsearchRebuild(self)

    # Reading -------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        started = time.perf_counter()
        page_size = min(
            max(1, query.page_size or search_settings.PAGE_SIZE),
            search_settings.MAX_PAGE_SIZE,
        )
        page = max(1, query.page)
        offset = (page - 1) * page_size
        size = page_size if offset < search_settings.MAX_RESULT_WINDOW else 0
        offset = min(offset, search_settings.MAX_RESULT_WINDOW)
        parsed = parse_query(query.text, query.lang, search_settings.QUERY_MAX_CHARS)
        empty = SearchResults(
            total=0,
            hits=[],
            facets={name: [] for name in query.facets},
            did_you_mean=None,
            took_ms=0.0,
            page=page,
            page_size=page_size,
        )
        if not query.visibility or (query.text.strip() and not parsed):
            return empty
        max_terms = search_settings.OR_MAX_TERMS
        phrases = list(parsed.phrases) or None
        all_words = phrases is None or len(phrases) <= max_terms
        index = self.index_alias(query.lang)
        camel = camel_case_words(
            query.text, query.lang, search_settings.QUERY_MAX_CHARS
        )
        with self.reachable("search"):
            response = None
            if all_words:
                search = build_search(
                    query,
                    phrases,
                    "and",
                    index=index,
                    offset=offset,
                    size=size,
                    camel=camel,
                )
                if phrases:
                    search = spelling_suggester(search, query.text)
                response = self._execute(search, index)
                found = response["hits"]["total"]["value"]
                if (
                    phrases
                    and found < search_settings.OR_FALLBACK_THRESHOLD
                    and (
                        len(phrases) > 1
                        # As on the database: a lone Finnish compound may be
                        # found by its parts.
                        or (query.lang in COMPOUND_LANGUAGES and found == 0)
                    )
                ):
                    all_words = False
            if not all_words:
                kept = phrases[:max_terms]
                parts = {}
                if query.lang in COMPOUND_LANGUAGES:
                    parts = self._compound_parts(kept, query.lang, query.visibility)
                search = build_search(
                    query,
                    kept,
                    "or",
                    index=index,
                    offset=offset,
                    size=size,
                    camel=camel,
                    parts=parts,
                )
                search = spelling_suggester(search, query.text)
                response = self._execute(search, index)
            did_you_mean = None
            total = response["hits"]["total"]["value"]
            # As on the database: a correction only when too little was found.
            if "suggest" in response and total < search_settings.OR_FALLBACK_THRESHOLD:
                did_you_mean = corrected_text(
                    query.text, response["suggest"]["spelling"]
                )
                if did_you_mean and not self._readable(
                    did_you_mean, query.lang, query.visibility
                ):
                    did_you_mean = None
        facets = {}
        for name in query.facets:
            buckets = response["aggregations"][name]["values"]["buckets"]
            facets[name] = [(b["key"], b["doc_count"]) for b in buckets]
        return SearchResults(
            total=total,
            hits=[self._hit(hit, query.lang) for hit in response["hits"]["hits"]],
            facets=facets,
            did_you_mean=did_you_mean,
            took_ms=(time.perf_counter() - started) * 1000,
            page=page,
            page_size=page_size,
            matched_all_words=all_words,
        )

    def _compound_parts(
        self, phrases: list[str], lang: str, visibility: Collection[str]
    ) -> dict[str, tuple[str, str]]:
        """The words of ``phrases`` that are compounds of words the readable
        documents contain, with their parts: one request for every candidate
        part, then ``analysis.compound_split`` as on the database."""
        candidates = compound_words(phrases)
        if not candidates:
            return {}
        index = self.index_alias(lang)
        wanted = [part for parts in candidates.values() for part in parts]
        search = build_known_terms(wanted, index=index, visibility=visibility)
        known = known_terms(self._execute(search, index), lang)
        return compound_parts(phrases, known)

    def _execute(self, search: dsl.Search, index: str) -> dict[str, Any]:
        """The raw response body of ``search`` on ``index``."""
        return self.client.search(index=index, body=search.to_dict()).body

    def _hit(self, hit: dict[str, Any], lang: str) -> SearchHit:
        source = hit["_source"]
        marked = hit.get("highlight", {})
        body = (marked.get("body") or [""])[0]
        summary = (marked.get("summary") or [""])[0]
        if "<mark>" in body:
            snippet = body
        elif "<mark>" in summary:
            snippet = summary
        elif source.get("summary"):
            snippet = excerpt(source["summary"], search_settings.SNIPPET_CHARS)
        else:
            snippet = body
        published = source.get("published")
        return SearchHit(
            key=source["key"],
            lang=lang,
            title=source["title"],
            url=source.get("url", ""),
            summary=source.get("summary", ""),
            product_line=source.get("product_line", ""),
            area=source.get("area", ""),
            doc_type=source.get("doc_type", ""),
            audience=source.get("audience", ""),
            tags=tuple(source.get("tags", ())),
            error_codes=tuple(source.get("error_codes", ())),
            published=(datetime.fromisoformat(published).date() if published else None),
            visibility=source.get("visibility", ""),
            score=float(hit.get("_score") or 0.0),
            snippet=snippet,
            title_html=(marked.get("title") or [escape(source["title"])])[0],
        )

    def _readable(self, text: str, lang: str, visibility: Collection[str]) -> bool:
        """Whether the viewer can find ``text`` at all: a correction must not
        reveal a word only restricted documents contain."""
        query = dsl.Q(
            "bool",
            must=[dsl.Q("match", spell={"query": text, "operator": "and"})],
            filter=base_filters(visibility),
        )
        response = self.client.count(
            index=self.index_alias(lang), query=query.to_dict()
        )
        return response["count"] > 0

    def suggest(
        self,
        text: str,
        lang: str,
        *,
        product_line: str | None = None,
        visibility: Collection[str] = PUBLIC_ONLY,
        limit: int = 8,
    ) -> list[Suggestion]:
        text = text[: search_settings.QUERY_MAX_CHARS]
        if len(text.strip()) < search_settings.SUGGEST_MIN_CHARS or not visibility:
            return []
        search = build_suggest(
            text,
            index=self.index_alias(lang),
            product_line=product_line,
            visibility=visibility,
            limit=limit,
        )
        with self.reachable("suggest"):
            response = self._execute(search, self.index_alias(lang))
        stems, prefix = suggest_terms(text, lang)
        suggestions = []
        for hit in response["hits"]["hits"]:
            source = hit["_source"]
            suggestions.append(
                Suggestion(
                    key=source["key"],
                    title=source["title"],
                    url=source.get("url", ""),
                    title_html=highlight(
                        source["title"],
                        lang,
                        frozenset(stems),
                        [prefix] if prefix else [],
                    ),
                )
            )
        return suggestions

    def did_you_mean(
        self, text: str, lang: str, *, visibility: Collection[str] = PUBLIC_ONLY
    ) -> str | None:
        if not text.strip() or not visibility:
            return None
        search = spelling_suggester(
            dsl.Search(index=self.index_alias(lang)).extra(size=0), text
        )
        with self.reachable("did you mean"):
            response = self._execute(search, self.index_alias(lang))
            corrected = corrected_text(text, response["suggest"]["spelling"])
            if corrected and not self._readable(corrected, lang, visibility):
                return None
        return corrected


class ElasticsearchRebuild(Rebuild):
    """Fills fresh timestamped indices; ``finish`` swaps the aliases to them in
    one request and deletes the indices they pointed to."""

    def __init__(self, backend: ElasticsearchSearchBackend) -> None:
        self.backend = backend
        self.count = 0
        self.indices: dict[str, str] = {}
        try:
            for lang in LANGUAGES:
                self.indices[lang] = backend.create_index(lang)
        except BaseException:
            self.abort()
            raise

    def add(self, documents: list[Document]) -> None:
        actions = [
            {
                "_index": self.indices[document.lang],
                "_id": document.key,
                "_source": document_body(document),
            }
            for document in documents
            if document.live
        ]
        with self.backend.reachable("rebuild"):
            helpers.bulk(self.backend.client, actions)
        self.count += len(documents)

    def finish(self) -> int:
        client = self.backend.client
        with self.backend.reachable("rebuild"):
            client.indices.refresh(index=",".join(self.indices.values()))
            actions = []
            old_indices = []
            for lang, name in self.indices.items():
                alias = self.backend.index_alias(lang)
                try:
                    current = client.indices.get_alias(name=alias)
                except NotFoundError:
                    current = {}
                for old in current:
                    old_indices.append(old)
                    actions.append({"remove": {"index": old, "alias": alias}})
                actions.append({"add": {"index": name, "alias": alias}})
            client.indices.update_aliases(actions=actions)
            self.backend._ready.update(
                self.backend.index_alias(lang) for lang in self.indices
            )
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


SearchBackend = ElasticsearchSearchBackend
