"""Index settings and mappings of the Elasticsearch backend, one per language.

Analysis mirrors the database backend (``search.analysis``): lowercase, accent
folding, the same stopword lists, the Finnish ``-ime-`` patterns, the Snowball
stemmer of the language; at query time, the synonyms of
``search/synonyms/<lang>.txt``.

With an embedder configured, each index also holds the documents' vectors in a
``dense_vector`` field, and its mapping's ``_meta`` names the embedder they
come from: vectors of two models cannot be compared, so an index built for
another model (or none) is searched lexically until it is rebuilt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from elasticsearch import dsl

from ...analysis import synonym_rules
from ...documents import Document
from ...stopwords import STOPWORDS
from .queries import EMBEDDING_FIELD

if TYPE_CHECKING:
    from ...embedding import Embedder

#: (embedder name, dimensions) of the vectors an index holds.
VectorModel = tuple[str, int]

STEMMERS = {"it": "italian", "fi": "finnish", "en": "porter2"}
# Italian articles and prepositions written with an apostrophe ("l'archivio").
ITALIAN_ELISIONS = "l un all dall dell nell sull coll quest quell c d m s t v".split()
# Longer bodies are stored whole but only their beginning is indexed.
INDEX_BODY_MAX_CHARS = 200_000


def analyzers(lang: str) -> tuple[Any, Any, Any]:
    """(index analyzer, search analyzer, folding analyzer) for ``lang``."""
    before: list[Any] = []
    if lang == "it":
        before.append(
            dsl.token_filter(
                "it_elision", "elision", articles=ITALIAN_ELISIONS, articles_case=True
            )
        )
    if lang == "en":
        before.append(
            dsl.token_filter("en_possessive", "stemmer", language="possessive_english")
        )
    before += ["lowercase", "asciifolding"]
    after: list[Any] = [
        dsl.token_filter(
            f"{lang}_stop", "stop", stopwords=sorted(STOPWORDS[lang]), ignore_case=True
        )
    ]
    after.append(
        dsl.token_filter(f"{lang}_stemmer", "stemmer", language=STEMMERS[lang])
    )
    synonyms = dsl.token_filter(
        f"{lang}_synonyms", "synonym_graph", synonyms=synonym_rules(lang)
    )
    index_analyzer = dsl.analyzer(
        f"{lang}_text", tokenizer="standard", filter=[*before, *after]
    )
    # Synonyms only at query time (synonym_graph must be), before stopwords so
    # that their rules are read with the same letters as the text.
    search_analyzer = dsl.analyzer(
        f"{lang}_text_search", tokenizer="standard", filter=[*before, synonyms, *after]
    )
    folded = dsl.analyzer("folded", tokenizer="standard", filter=before)
    return index_analyzer, search_analyzer, folded


def index_definition(
    name: str, lang: str, replicas: int = 0, embedder: Embedder | None = None
) -> dsl.Index:
    """The settings and mapping of one language's index, with a vector field
    for ``embedder``'s vectors when one is given."""
    index_analyzer, search_analyzer, folded = analyzers(lang)

    def text(**kwargs: Any) -> dsl.Text:
        return dsl.Text(
            analyzer=index_analyzer, search_analyzer=search_analyzer, **kwargs
        )

    mapping = dsl.Mapping()
    mapping.field("key", dsl.Keyword())
    mapping.field("lang", dsl.Keyword())
    mapping.field("title", text(copy_to="spell"))
    mapping.field("title_suggest", dsl.SearchAsYouType(analyzer=folded))
    mapping.field("summary", text(copy_to="spell"))
    mapping.field("body", text(copy_to="spell"))
    mapping.field("keywords", text())
    mapping.field("spell", dsl.Text(analyzer=folded))
    mapping.field("url", dsl.Keyword(index=False))
    for field in ("product_line", "area", "doc_type", "audience", "visibility"):
        mapping.field(field, dsl.Keyword())
    mapping.field("tags", dsl.Keyword())
    mapping.field("error_codes", dsl.Keyword())
    mapping.field("published", dsl.Date())
    mapping.field("live", dsl.Boolean())
    # Fields nobody declared are kept in the source but never indexed: a
    # vector written to an index built without the vector field must not be
    # mapped as a list of plain floats (the field could not be fixed then).
    mapping.meta("dynamic", False)
    if embedder is not None:
        mapping.field(
            EMBEDDING_FIELD,
            dsl.DenseVector(dims=embedder.dimensions, index=True, similarity="cosine"),
        )
        mapping.meta("_meta", {"embedder": embedder.name})
    index = dsl.Index(name)
    index.settings(number_of_shards=1, number_of_replicas=replicas)
    index.mapping(mapping)
    return index


def vector_model(mappings: Mapping[str, Any]) -> VectorModel | None:
    """The embedder name and dimensions of an index's vectors, from its
    ``mappings`` (as ``indices.get_mapping`` returns them); None when it has
    no vector field."""
    field = mappings.get("properties", {}).get(EMBEDDING_FIELD)
    name = mappings.get("_meta", {}).get("embedder")
    if not field or field.get("type") != "dense_vector" or not name:
        return None
    return name, int(field["dims"])


def document_body(
    document: Document, vector: Sequence[float] | None = None
) -> dict[str, Any]:
    """The source stored for ``document``, with its embedding when given."""
    body = {
        "key": document.key,
        "lang": document.lang,
        "title": document.title,
        "title_suggest": document.title,
        "summary": document.summary,
        "body": document.body[:INDEX_BODY_MAX_CHARS],
        "keywords": " ".join((*document.tags, *document.error_codes)),
        "url": document.url,
        "product_line": document.product_line,
        "area": document.area,
        "doc_type": document.doc_type,
        "audience": document.audience,
        "tags": list(document.tags),
        "error_codes": list(document.error_codes),
        "published": document.published.isoformat() if document.published else None,
        "visibility": document.visibility,
        "live": document.live,
    }
    if vector is not None:
        body[EMBEDDING_FIELD] = [float(value) for value in vector]
    return body
