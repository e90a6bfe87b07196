"""The Elasticsearch backend, for portals that outgrow the database one.

One index per language behind an alias ``<prefix>-<lang>``; the alias points to
a timestamped index (``<prefix>-<lang>-<UTC timestamp>``) so that a rebuild
fills a fresh index and then swaps the alias atomically. Analysis mirrors the
database backend (``search.analysis``): lowercase, accent folding, the same
stopword lists, the Finnish ``-ime-`` patterns, the Snowball stemmer of the
language; at query time the synonym list of ``search/synonyms/<lang>.txt``.

Query semantics are the database backend's, in one request: every document
holding any word of the query is found, those holding every word score
``1 + ALL_WORDS_BOOST`` times higher (``queries.words_query``), over the fields
weighted by ``FIELD_WEIGHTS``. Words may be misspelt (fuzziness ``AUTO``, first
letter exact). As on the database, a word typed in camel case also matches its
pieces, and a long Finnish word also matches the compound parts the index
contains (``analysis.compound_split``; see ``_compound_parts``).

With an embedder configured, documents carry their vector (``dense_vector``,
cosine) and ``nearest`` answers the semantic half of ``search.hybrid`` with a
``knn`` search. Vectors are computed into the database by the background task;
the index gets them with each document written and from ``push_vectors``.

Every server error surfaces as ``SearchBackendUnavailable``; the registry then
answers from the database, which is always indexed alongside. After a failure
the backend stays "down" for ``RETRY_AFTER`` seconds (default 30) so that a
dead server costs one timeout, not one per request.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS
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
    PUBLIC_ONLY,
    Document,
    SearchHit,
    SearchQuery,
    SearchResults,
    Suggestion,
)
from ...embedding import get_embedder
from ...highlight import excerpt, highlight
from ..base import BaseSearchBackend, Rebuild, SearchBackendUnavailable
from .embeddings import cosine_of, stored_vectors, vector_updates
from .mapping import VectorModel, document_body, index_definition, vector_model
from .queries import (
    all_words_query,
    base_filters,
    build_hits,
    build_known_terms,
    build_nearest,
    build_search,
    build_suggest,
    build_texts,
    clause_name,
    compound_parts,
    compound_words,
    corrected_text,
    known_terms,
    spelling_suggester,
)
from .rebuild import ElasticsearchRebuild

if TYPE_CHECKING:
    from ...embedding import Embedder

logger = logging.getLogger(__name__)

#: How long what an index's mapping says about its vectors is trusted: another
#: process may rebuild it for another embedder.
MAPPING_SECONDS = 60.0


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
        #: lang → (when read, the vectors its index holds); see ``_embedder_for``.
        self._models: dict[str, tuple[float, VectorModel | None]] = {}
        self._mismatches: set[tuple[str, VectorModel | None, VectorModel]] = set()

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

    def create_index(self, lang: str, embedder: Embedder | None) -> str:
        """Create a new timestamped index for ``lang``, with a vector field
        for ``embedder``'s vectors when it is not None; returns its name."""
        name = self.new_index_name(lang)
        body = index_definition(name, lang, self.replicas, embedder).to_dict()
        self.client.indices.create(index=name, **body)
        return name

    def _ensure_alias(self, lang: str) -> str:
        alias = self.index_alias(lang)
        if alias in self._ready:
            return alias
        with self._lock:
            if not self.client.indices.exists_alias(name=alias):
                embedder = get_embedder()
                name = self.create_index(lang, embedder)
                self.client.indices.put_alias(index=name, name=alias)
                self._models[lang] = (time.monotonic(), self.model_of(embedder))
            self._ready.add(alias)
        return alias

    @staticmethod
    def model_of(embedder: Embedder | None) -> VectorModel | None:
        """What an index made for ``embedder`` says about its vectors."""
        if embedder is None:
            return None
        return embedder.name, embedder.dimensions

    def _embedder_for(self, lang: str) -> Embedder | None:
        """The configured embedder when the index of ``lang`` holds its
        vectors; else None: no embedder, no index yet, or an index built for
        another model or none (its vectors cannot be compared with this
        model's, nor can it take them, until ``rebuild_search_index``).

        Read from the index's mapping at most every ``MAPPING_SECONDS``; call
        within ``reachable``."""
        embedder = get_embedder()
        if embedder is None:
            return None
        now = time.monotonic()
        cached = self._models.get(lang)
        if cached is None or now - cached[0] > MAPPING_SECONDS:
            try:
                response = self.client.indices.get_mapping(
                    index=self.index_alias(lang)
                ).body
            except NotFoundError:
                response = {}
            # One index behind the alias (two only for a moment while a
            # rebuild swaps them: then no vectors until the next reading).
            models = {
                vector_model(body.get("mappings", {})) for body in response.values()
            }
            model = models.pop() if len(models) == 1 else None
            cached = self._models[lang] = (now, model)
        wanted = self.model_of(embedder)
        if cached[1] != wanted:
            mismatch = (lang, cached[1], wanted)
            if mismatch not in self._mismatches:
                self._mismatches.add(mismatch)
                logger.warning(
                    "The Elasticsearch index %s holds vectors of %s, not of %s: "
                    "it is searched without them until `manage.py "
                    "rebuild_search_index`.",
                    self.index_alias(lang),
                    cached[1][0] if cached[1] else "no model",
                    embedder.name,
                )
            return None
        return embedder

    def vector_database(self) -> str:
        """The database whose vector table feeds this backend: its fallback
        database backend's (option ``FALLBACK``, else the first), where the
        embedding task stores them."""
        from .. import get_search_backends

        backends = get_search_backends()
        alias = self.params.get("FALLBACK")
        local = backends.get(alias) if alias else None
        if local is None:
            local = next((b for b in backends.values() if not b.remote), None)
        return getattr(local, "using", DEFAULT_DB_ALIAS)

    # Writing -------------------------------------------------------------------

    def index(self, document: Document) -> None:
        if not document.live:
            self.remove(document.key, document.lang)
            return
        with self.reachable("index"):
            alias = self._ensure_alias(document.lang)
            vector = None
            embedder = self._embedder_for(document.lang)
            if embedder is not None:
                pair = (document.key, document.lang)
                vector = stored_vectors(
                    [pair], embedder, using=self.vector_database()
                ).get(pair)
            self.client.index(
                index=alias,
                id=document.key,
                document=document_body(document, vector),
                refresh=self.refresh,
            )

    def store_vectors(self, rows: Iterable[tuple[str, str, Sequence[float]]]) -> int:
        """Set the vector of each ``(key, lang, vector)``, made by the
        configured embedder, on the document already indexed; returns how many
        documents took one. Documents not in the index are skipped (they get
        their vector when indexed), and so are languages whose index was built
        for another model. Other refusals are logged, not raised: the
        documents are still found, by their words."""
        by_lang: dict[str, list[tuple[str, str, Sequence[float]]]] = defaultdict(list)
        for row in rows:
            by_lang[row[1]].append(row)
        with self.reachable("store vectors"):
            wanted = [
                row
                for lang, lang_rows in by_lang.items()
                if self._embedder_for(lang) is not None
                for row in lang_rows
            ]
            actions = vector_updates(wanted, self.index_alias)
            if not actions:
                return 0
            stored, errors = helpers.bulk(
                self.client, actions, raise_on_error=False, refresh=self.refresh
            )
        refused = [
            item
            for item in errors
            if isinstance(item, dict)
            and next(iter(item.values()), {}).get("status") != 404
        ]
        if refused:
            logger.warning(
                "Elasticsearch refused %d of %d vectors, e.g. %s",
                len(refused),
                len(actions),
                refused[0],
            )
        return int(stored)

    def push_vectors(
        self, pairs: Iterable[Sequence[str]], *, using: str | None = None
    ) -> int:
        """Send the database's current vectors of the documents ``pairs``
        names (``[key, lang]``) to their indices; returns how many documents
        took one. The embedding task calls this once it has stored new
        vectors (``using``: the database it stored them in, by default this
        backend's ``vector_database``): vectors are computed after a document
        is indexed, so the index would otherwise lack them until the document
        is written again. Raises ``SearchBackendUnavailable`` when the server
        cannot be reached; the vectors then arrive with the next write or
        rebuild of the documents."""
        embedder = get_embedder()
        if embedder is None:
            return 0
        vectors = stored_vectors(pairs, embedder, using=using or self.vector_database())
        return self.store_vectors(
            (key, lang, vector) for (key, lang), vector in vectors.items()
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
        # At most OR_MAX_TERMS words of a long description, the first ones
        # (the database keeps the rarest; here BM25's inverse document
        # frequency already makes a common word count for little).
        phrases = list(parsed.phrases)[: search_settings.OR_MAX_TERMS] or None
        index = self.index_alias(query.lang)
        camel = camel_case_words(
            query.text, query.lang, search_settings.QUERY_MAX_CHARS
        )
        with self.reachable("search"):
            parts = {}
            if phrases and query.lang in COMPOUND_LANGUAGES:
                # As on the database, a long word also finds the compound
                # parts readable documents contain: one more request, only
                # for queries with words long enough to be compounds.
                parts = self._compound_parts(phrases, query.lang, query.visibility)
            search = build_search(
                query,
                phrases,
                index=index,
                offset=offset,
                size=size,
                camel=camel,
                parts=parts,
            )
            if phrases:
                search = spelling_suggester(search, query.text)
            response = self._execute(search, index)
            total = response["hits"]["total"]["value"]
            all_words = self._matched_all_words(
                response, query, phrases or [], camel, parts
            )
            did_you_mean = None
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

    def _matched_all_words(
        self,
        response: Mapping[str, Any],
        query: SearchQuery,
        phrases: Sequence[str],
        camel: Mapping[str, str],
        parts: Mapping[str, Sequence[str]],
    ) -> bool:
        """Whether some document found holds every phrase, as the database
        answers it. Each hit's ``matched_queries`` names the clauses it holds
        (``clause_name``); documents holding them all are boosted, so on a
        first page of relevance they come first. Only when no hit returned
        holds them all and some documents found were not returned (a later
        page, newest first, or partial matches outranking complete ones) does
        one ``_count`` request decide."""
        if len(phrases) < 2:
            return True
        names = {clause_name(position) for position in range(len(phrases))}
        hits = response["hits"]["hits"]
        if any(names <= set(hit.get("matched_queries") or ()) for hit in hits):
            return True
        if response["hits"]["total"]["value"] <= len(hits):
            return False
        every = all_words_query(query, phrases, camel=camel, parts=parts)
        counted = self.client.count(
            index=self.index_alias(query.lang), query=every.to_dict()
        )
        return counted["count"] > 0

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
        return SearchHit.of(
            source,
            lang=lang,
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

    # Semantic retrieval ----------------------------------------------------------

    def nearest(self, vector, query: SearchQuery, k: int) -> list[tuple[str, float]]:
        """A ``knn`` search of the ``embedding`` field, filtered as the
        lexical search is (``queries.build_nearest``). Empty when there is no
        embedder or the language's index holds another model's vectors (the
        pipeline is then lexical for it)."""
        if not query.visibility or k <= 0:
            return []
        index = self.index_alias(query.lang)
        with self.reachable("nearest"):
            if self._embedder_for(query.lang) is None:
                return []
            search = build_nearest(vector, query, k, index=index)
            response = self._execute(search, index)
        return [
            (hit["_id"], cosine_of(hit["_score"])) for hit in response["hits"]["hits"]
        ]

    def hits_for(self, keys: list[str], query: SearchQuery) -> list[SearchHit]:
        """The documents ``keys`` in one request, within the language,
        visibility, filters and dates of ``query``, highlighted for its words
        as the lexical search highlights them (camel-case pieces included;
        Finnish compound parts, which would cost a request, are not marked)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted or not query.visibility:
            return []
        parsed = parse_query(query.text, query.lang, search_settings.QUERY_MAX_CHARS)
        phrases = list(parsed.phrases)[: search_settings.OR_MAX_TERMS]
        camel = camel_case_words(
            query.text, query.lang, search_settings.QUERY_MAX_CHARS
        )
        index = self.index_alias(query.lang)
        search = build_hits(wanted, query, phrases, index=index, camel=camel)
        with self.reachable("hits"):
            response = self._execute(search, index)
        found = {
            hit["_source"]["key"]: self._hit(hit, query.lang)
            for hit in response["hits"]["hits"]
        }
        return [
            dataclasses.replace(found[key], score=0.0) for key in wanted if key in found
        ]

    def texts_for(self, keys: list[str], lang: str) -> dict[str, tuple[str, str]]:
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        index = self.index_alias(lang)
        search = build_texts(wanted, index=index)
        with self.reachable("texts"):
            response = self._execute(search, index)
        found = {}
        for hit in response["hits"]["hits"]:
            source = hit["_source"]
            found[source["key"]] = (
                source.get("title", ""),
                f"{source.get('summary', '')}\n{source.get('body', '')}",
            )
        return found

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


SearchBackend = ElasticsearchSearchBackend
