"""Search settings, each overridable in Django settings as ``SEARCH_<NAME>``.

Read through ``search_settings.<NAME>`` at call time, so ``override_settings``
works in tests.

``BACKENDS`` (setting ``SEARCH_BACKENDS``): alias → ``{"BACKEND": dotted path,
...options}``. A ``"default"`` alias is required when the setting is given;
without the setting the database backend is the default. Paths may name a
module with a ``SearchBackend`` attribute (``"search.backends.database"``,
``"search.backends.elasticsearch"``) or a class. Database backend options:
``DATABASE`` (connection alias, default ``"default"``). Elasticsearch options:
``URLS`` (list, default ``[ELASTICSEARCH_URL]``), ``INDEX_PREFIX`` (default
``"sportello"``), ``TIMEOUT`` (seconds, default 5), ``MAX_RETRIES`` (default 1),
``REFRESH`` (refresh after each write: ``False``, ``True`` or ``"wait_for"``;
default ``False``), ``RETRY_AFTER`` (seconds a failed server is left alone,
default 30), ``REPLICAS`` (default 0), ``FALLBACK`` (alias of the database
backend that answers while the server is away; default the first one),
``OPTIONS`` (extra keyword arguments for the client).
When no configured backend is a database backend, one is added under the alias
``"database"``: it answers when Elasticsearch is unreachable and is always kept
up to date.

``PAGE_SIZE``: hits per page when a query does not say (10).
``MAX_PAGE_SIZE``: the largest page a query may ask for (100).
``MAX_RESULT_WINDOW``: hits beyond this offset are never returned (10,000).
``OR_FALLBACK_THRESHOLD``: with fewer results, "did you mean" is offered (3).
``ALL_WORDS_BOOST``: every document holding any word of a query is a
candidate; those holding every word score ``1 + ALL_WORDS_BOOST`` times
higher (0.5).
``FIELD_WEIGHTS``: BM25 weights of the title, the tags and error codes, the
summary and the body ((10, 6, 3, 1)).
``OR_MAX_TERMS``: the rarest words kept from a long query for the any-word
search; longer queries skip the every-word search (12).
``OR_COMMON_WORD_RATIO``: words in more than this share of a language's
documents are left out of the any-word search, unless nothing else is left
(0.3).
``QUERY_MAX_CHARS``: query text beyond this length is ignored (500).
``SUGGEST_LIMIT``: titles offered while typing (8).
``SUGGEST_MIN_CHARS``: letters of the word being typed before titles are
offered for it (3).
``SNIPPET_CHARS``: approximate length of a result snippet (220).
``FACET_SIZE``: values listed per facet (20).
``DID_YOU_MEAN_MIN_LENGTH``: shorter words are never corrected (4).
``RATE``: (searches, seconds) per client address, the search page and
``/api/search/`` together ((120, 60)); more answer 429 with when to retry.
``SUGGEST_RATE``: (requests, seconds) per client address for the titles offered
while typing, ``/api/search/suggest/`` ((240, 60)).

Semantic retrieval (``search.embedding``, ``search.vectors``):
``EMBEDDER``: dotted path of a ``search.embedding.Embedder`` subclass, or None
for lexical search only (None). A path that cannot be used is logged once and
treated as None.
``QUERY_VECTOR_CACHE``: query vectors kept per process, least recently used
dropped first; 0 keeps none (2048).
``EMBED_BODY_CHARS``: characters of the body embedded after the title and
summary; 0 embeds title and summary only (0). Changing it re-embeds every
document at the next ``embed_articles --missing``.
``EMBED_BATCH``: passages per model call in the background task (32).
``VECTOR_STAMP_SECONDS``: how often, at most, a process checks whether other
processes changed the stored vectors of a language before it searches them
(30). Its own writes are seen at once.
``VECTOR_WAIT_MS``: the longest a search waits for its query's vector,
counted in milliseconds from the search's start (None: as long as the model
takes). A later vector is not waited for: the answer is the lexical list
(with steps 4 and 5), marked ``vector_late`` and not kept by the result
cache; the model finishes the vector meanwhile and keeps it, so the next
search of the same words is fused. A guard for busy machines, where the
model slows down (None).

The pipeline (``search.hybrid``):
``FUSION_DEPTH``: how many of the lexical and of the semantic list are fused
(10). ``RRF_K``: the constant of reciprocal rank fusion (60).
``SEMANTIC_MIN_SIMILARITY``: documents less similar to the query (cosine) are
not taken from the semantic list (None: the embedder's ``min_similarity``).
``EXACT_POOL``: how many of the fused list are reordered by the words found
as typed (40; 0: none). ``EXACT_PRIOR``: the weight of a document's position
in that reordering, as ``EXACT_PRIOR`` / (1 + position), beside the share of
the words found (2.0).
``FALLBACK_BELOW``: with fewer results in the reader's language, the
languages of ``FALLBACK_LANGUAGES`` (language → languages, in order) are
searched too (3; ``{"fi": ("en",), "it": ("en",)}``).

Kept answers (``search.resultcache``): ``RESULT_CACHE_SECONDS``: how long an
answer is kept in the cache for the next reader asking the same thing, until
the index changes (300; 0 keeps none). ``RESULT_CACHE_ENTRIES``: answers kept
per process (200; about 18 KB each). ``RESULT_CACHE_ALIAS``: the Django cache
holding the index's generation, which tells every process when kept answers are stale
(``"default"``). ``RESULT_CACHE_SETTLE``: answers computed
this many seconds after a change of the index are not kept (2).

``CASE_URL``: URL name of the form where a reader who found nothing can ask
for help; the search page links to it with the words carried over (``q``,
``subject``, ``product_line``). Empty (the default): no link. The project
sets ``"cases:new"``: search names no other app.
"""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "BACKENDS": None,
    "PAGE_SIZE": 10,
    "MAX_PAGE_SIZE": 100,
    "MAX_RESULT_WINDOW": 10_000,
    "OR_FALLBACK_THRESHOLD": 3,
    "ALL_WORDS_BOOST": 0.5,
    "FIELD_WEIGHTS": (10.0, 6.0, 3.0, 1.0),
    "OR_MAX_TERMS": 12,
    "OR_COMMON_WORD_RATIO": 0.3,
    "QUERY_MAX_CHARS": 500,
    "SUGGEST_LIMIT": 8,
    "SUGGEST_MIN_CHARS": 3,
    "SNIPPET_CHARS": 220,
    "FACET_SIZE": 20,
    "DID_YOU_MEAN_MIN_LENGTH": 4,
    "RATE": (120, 60),
    "SUGGEST_RATE": (240, 60),
    "EMBEDDER": None,
    "QUERY_VECTOR_CACHE": 2048,
    "EMBED_BODY_CHARS": 0,
    "EMBED_BATCH": 32,
    "VECTOR_STAMP_SECONDS": 30,
    "VECTOR_WAIT_MS": None,
    "FUSION_DEPTH": 10,
    "RRF_K": 60,
    "SEMANTIC_MIN_SIMILARITY": None,
    "EXACT_POOL": 40,
    "EXACT_PRIOR": 2.0,
    "FALLBACK_BELOW": 3,
    "FALLBACK_LANGUAGES": {"fi": ("en",), "it": ("en",)},
    "CASE_URL": "",
    "RESULT_CACHE_SECONDS": 300,
    "RESULT_CACHE_ENTRIES": 200,
    "RESULT_CACHE_ALIAS": "default",
    "RESULT_CACHE_SETTLE": 2,
}

DEFAULT_BACKENDS: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "search.backends.database"},
}


class _SearchSettings:
    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(name)
        return getattr(settings, f"SEARCH_{name}", DEFAULTS[name])


search_settings = _SearchSettings()
