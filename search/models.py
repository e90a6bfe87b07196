"""Storage of the database search backend.

``SearchDocument`` holds each indexed document as given, its body apart in
``SearchDocumentBody`` (the text snippets are cut from). The full-text index
lives beside them in tables Django does not model, created by migration 0002:
on SQLite the FTS5 tables ``search_document_fts`` (title, keywords, summary,
body) and ``search_title_fts`` (titles, with prefix indexes for suggestions),
on PostgreSQL ``search_document_tsv`` (weighted tsvector of the document,
tsvector of the title, GIN indexes). Their row id is the ``SearchDocument``
id. ``SearchTerm`` is the vocabulary "did you mean" corrects against.
``SearchVector`` holds the documents' embeddings (see ``search.vectors``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    key = models.CharField(_("key"), max_length=255)
    lang = models.CharField(_("language"), max_length=8)
    title = models.CharField(_("title"), max_length=500)
    summary = models.TextField(_("summary"), blank=True)
    url = models.CharField(_("URL"), max_length=500, blank=True)
    product_line = models.CharField(_("product line"), max_length=60, blank=True)
    area = models.CharField(_("area"), max_length=60, blank=True)
    # The keyword fields take the values of the document providers (their
    # choices: search.providers), which the search layer does not repeat.
    doc_type = models.CharField(_("document type"), max_length=20)
    audience = models.CharField(_("audience"), max_length=20)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    error_codes = models.JSONField(_("error codes"), default=list, blank=True)
    published = models.DateField(_("published"), null=True, blank=True)
    visibility = models.CharField(_("visibility"), max_length=20)
    live = models.BooleanField(_("live"), default=True)
    indexed_at = models.DateTimeField(_("indexed at"), auto_now=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "lang"], name="search_document_key_lang"
            )
        ]
        indexes = [
            # Browsing without words: newest first within a language.
            models.Index(
                fields=["lang", "live", "-published"], name="search_doc_browse"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.lang})"


class SearchDocumentBody(models.Model):
    """The body of a document, apart: searches count and rank many documents
    but read the body of the page of hits only, and narrow rows keep the
    counting quick."""

    document = models.OneToOneField(
        SearchDocument,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="body_row",
    )
    text = models.TextField(_("body"), blank=True)

    class Meta:
        verbose_name = _("search document body")
        verbose_name_plural = _("search document bodies")

    def __str__(self) -> str:
        return str(self.document)


class SearchDocumentTag(models.Model):
    """One tag of a document, for the tag filter and the tag facet."""

    document = models.ForeignKey(
        SearchDocument, on_delete=models.CASCADE, related_name="tag_rows"
    )
    tag = models.CharField(_("tag"), max_length=100)

    class Meta:
        verbose_name = _("search document tag")
        verbose_name_plural = _("search document tags")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "tag"], name="search_document_tag_unique"
            )
        ]
        indexes = [models.Index(fields=["tag", "document"], name="search_tag_doc")]

    def __str__(self) -> str:
        return self.tag


class SearchTerm(models.Model):
    """A word of the live documents of one language and visibility, with the
    number of documents containing it."""

    lang = models.CharField(_("language"), max_length=8)
    visibility = models.CharField(_("visibility"), max_length=20)
    term = models.CharField(_("term"), max_length=30)
    display = models.CharField(_("as written"), max_length=30)
    first_letter = models.CharField(_("first letter"), max_length=1)
    length = models.PositiveSmallIntegerField(_("length"))
    frequency = models.PositiveIntegerField(_("documents"), default=0)

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")
        constraints = [
            models.UniqueConstraint(
                fields=["lang", "visibility", "term"], name="search_term_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["lang", "first_letter", "length"], name="search_term_shape"
            )
        ]

    def __str__(self) -> str:
        return self.term


class SearchVector(models.Model):
    """The embedding of one indexed document by one model.

    Not a foreign key to ``SearchDocument`` on purpose: a full rebuild deletes
    and recreates every document row, and re-embedding every translation takes
    hours, so vectors outlive the rows and are matched to them by
    ``(key, lang)``. ``text_hash`` is the SHA-1 of the text embedded
    (``search.embedding.passage_text``): a document whose text hashes the same
    is not embedded again.
    """

    key = models.CharField(_("key"), max_length=255)
    lang = models.CharField(_("language"), max_length=8)
    model = models.CharField(_("model"), max_length=100)
    text_hash = models.CharField(_("text hash"), max_length=40)
    vector = models.BinaryField(_("vector"))  # float32, little-endian
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("search vector")
        verbose_name_plural = _("search vectors")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "lang", "model"], name="search_vector_unique"
            )
        ]
        indexes = [
            # Loading a language's vectors, and the change stamp (count and
            # newest change) that tells other processes to reload them.
            models.Index(
                fields=["lang", "model", "updated_at"], name="search_vector_stamp"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.lang}, {self.model})"


class SearchLog(models.Model):
    """One search made on the search page, for the editors' report.

    No personal data: no user, address or session, and the query text is
    stored normalised with e-mail addresses and long numbers masked
    (``search.querylog.normalise_logged_query``).
    """

    query = models.CharField(_("query"), max_length=200, db_index=True)
    lang = models.CharField(_("language"), max_length=8)
    results = models.PositiveIntegerField(_("results"))
    filtered = models.BooleanField(_("with filters"), default=False)
    clicks = models.PositiveIntegerField(_("clicks"), default=0)
    created_at = models.DateTimeField(_("searched at"), auto_now_add=True)

    class Meta:
        verbose_name = _("search log entry")
        verbose_name_plural = _("search log")
        indexes = [
            models.Index(fields=["created_at", "query"], name="search_log_when"),
        ]

    def __str__(self) -> str:
        return f"{self.query} ({self.lang}): {self.results}"
