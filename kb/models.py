"""The knowledge base and the news digest ("Rassegna Info") as Wagtail pages.

The page tree, per locale: HomePage › KnowledgeBaseIndexPage (slug "kb") ›
ArticlePage, and HomePage › NewsIndexPage (slug "news") › NewsPage. Translations
of one article share Wagtail's ``translation_key``; editors make them with
``wagtail.contrib.simple_translation`` (see docs/kb.md).
"""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
)
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from . import pagecache, permissions
from .blocks import BodyBlock
from .richtext import stream_to_text


class Visibility(models.TextChoices):
    PUBLIC = permissions.PUBLIC, _("Public")
    CUSTOMERS = permissions.CUSTOMERS, _("Customers only (logged in)")
    PARTNERS = permissions.PARTNERS, _("Partners and staff only (internal note)")


class DocType(models.TextChoices):
    GUIDE = "guide", _("Guide")
    FAQ = "faq", _("FAQ")
    REFERENCE = "reference", _("Reference")
    TECHNOTE = "technote", _("Technical note")


class Audience(models.TextChoices):
    ALL = "all", _("All users")
    EXPERIENCED = "experienced", _("Experienced users")
    EXPERT = "expert", _("Expert users")


ERROR_CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9_-]*[A-Z0-9]|[A-Z0-9]")


def normalise_error_codes(value) -> list[str]:
    """Error codes as a clean list: upper case, one per entry, no duplicates.

    Accepts text (one code per line, commas and spaces also separate) or a list.
    Characters other than letters, digits, ``-`` and ``_`` are dropped so that a
    code can be matched safely inside the one-per-line text field.
    """
    if isinstance(value, str):
        parts = re.split(r"[\s,;]+", value)
    else:
        parts = [str(item) for item in value or []]
    codes: list[str] = []
    for part in parts:
        match = ERROR_CODE_RE.search(part.strip().upper())
        if match and match.group(0) not in codes:
            codes.append(match.group(0))
    return codes


class RestrictedPageQuerySet(PageQuerySet):
    """Listings of articles and news go through ``visible_to``: one place for the
    visibility rule (kb.permissions) plus Wagtail's own live and privacy checks."""

    def visible_to(self, user):
        return self.visible_in(permissions.visible_visibilities(user))

    def visible_in(self, visibilities):
        """Live pages without a view restriction whose visibility is one of
        ``visibilities`` (what a reader who may see those reads)."""
        return self.live().public().filter(visibility__in=visibilities)

    def with_error_codes(self, codes):
        """Pages whose error codes include any of ``codes``."""
        codes = normalise_error_codes(codes)
        if not codes:
            return self.none()
        # Codes hold only [A-Z0-9_-], so they need no escaping in a regex, and
        # the pattern works alike in SQLite (Python's re) and PostgreSQL.
        pattern = r"(^|\n)(" + "|".join(codes) + r")(\n|$)"
        return self.filter(error_codes__regex=pattern)


RestrictedPageManager = PageManager.from_queryset(RestrictedPageQuerySet)


class RestrictedPageMixin(models.Model):
    """Visibility and the import key, shared by articles and news items."""

    visibility = models.CharField(
        _("visibility"),
        max_length=20,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        help_text=_(
            "Customers-only pages ask anonymous visitors to log in; internal notes "
            "are invisible to customers everywhere."
        ),
    )
    import_key = models.CharField(
        _("import key"),
        max_length=255,
        blank=True,
        db_index=True,
        help_text=_("Shared by the translations of one page; used by bulk imports."),
    )

    objects = RestrictedPageManager()

    # A copy is a new page: it must not take over the original's import key (a
    # translation gets the key back in save(), from its siblings).
    exclude_fields_in_copy = ["import_key"]

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.import_key:
            self.import_key = self._derive_import_key()
        return super().save(*args, **kwargs)

    def _derive_import_key(self) -> str:
        if self.translation_key:
            sibling = (
                type(self)
                .objects.filter(translation_key=self.translation_key)
                .exclude(import_key="")
                .exclude(pk=self.pk)
                .values_list("import_key", flat=True)
                .first()
            )
            if sibling:
                return sibling
        return f"kb-{self.translation_key}"

    def serve(self, request, *args, **kwargs):
        if not permissions.can_view_article(request.user, self):
            if (
                not request.user.is_authenticated
                and self.visibility == Visibility.CUSTOMERS
            ):
                return redirect_to_login(request.get_full_path())
            raise Http404
        # The page and its translations (article_context adds the related).
        pagecache.mark_cacheable(
            request, tags=[pagecache.translation_tag(self.translation_key)]
        )
        return super().serve(request, *args, **kwargs)

    def get_sitemap_urls(self, request=None):
        if self.visibility != Visibility.PUBLIC:
            return []
        return super().get_sitemap_urls(request)

    def body_text(self) -> str:
        """The body as plain text, for Wagtail's search index (cheaper to build
        than walking every block's searchable content)."""
        return stream_to_text(self.body)

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    @property
    def language_code(self) -> str:
        return self.locale.language_code


class KnowledgeBaseIndexPage(Page):
    """The knowledge base of one locale: browse by product line and area."""

    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["kb.ArticlePage"]
    max_count_per_parent = 1
    template = "kb/knowledge_base_index_page.html"

    class Meta:
        verbose_name = _("knowledge base")

    def serve(self, request, *args, **kwargs):
        from .forms import ArticleFilterForm

        pagecache.mark_cacheable(
            request,
            tags=[pagecache.LISTINGS, pagecache.FEEDBACK],
            params=[*ArticleFilterForm.base_fields, "page"],
        )
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from .services import browse_knowledge_base

        context = super().get_context(request, *args, **kwargs)
        context.update(browse_knowledge_base(request, self))
        return context


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey(
        "kb.ArticlePage", related_name="tagged_items", on_delete=models.CASCADE
    )


class ArticlePage(RestrictedPageMixin, Page):
    """A knowledge-base article in one language."""

    summary = models.TextField(
        _("summary"),
        max_length=600,
        help_text=_("One or two sentences shown in listings and search results."),
    )
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)
    product_lines = ParentalManyToManyField(
        "taxonomy.ProductLine",
        related_name="articles",
        verbose_name=_("product lines"),
    )
    area = models.ForeignKey(
        "taxonomy.Area",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("area"),
    )
    doc_type = models.CharField(
        _("document type"),
        max_length=20,
        choices=DocType.choices,
        default=DocType.GUIDE,
    )
    audience = models.CharField(
        _("audience level"),
        max_length=20,
        choices=Audience.choices,
        default=Audience.ALL,
    )
    new_in_release = models.CharField(
        _("new in release"),
        max_length=40,
        blank=True,
        help_text=_("e.g. 2026.1: marks a feature new in that release."),
    )
    tags = ClusterTaggableManager(
        through=ArticlePageTag, blank=True, verbose_name=_("tags")
    )
    error_codes = models.TextField(
        _("error codes"),
        blank=True,
        help_text=_(
            "The error codes this article solves, one per line (e.g. SIS-1042). "
            "Used to suggest it when a customer attaches an error log."
        ),
    )
    last_reviewed = models.DateField(_("last reviewed"), null=True, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("product_lines", widget=forms.CheckboxSelectMultiple),
                FieldPanel("area"),
                FieldRowPanel([FieldPanel("doc_type"), FieldPanel("audience")]),
                FieldRowPanel(
                    [FieldPanel("new_in_release"), FieldPanel("last_reviewed")]
                ),
                FieldPanel("visibility"),
            ],
            heading=_("Classification"),
        ),
        FieldPanel("tags"),
        FieldPanel("error_codes"),
        InlinePanel("related_links", label=_("Related articles")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body_text"),
        index.SearchField("error_codes"),
        index.FilterField("visibility"),
        index.FilterField("doc_type"),
        index.FilterField("audience"),
    ]
    parent_page_types = ["kb.KnowledgeBaseIndexPage"]
    subpage_types: list[str] = []
    template = "kb/article_page.html"

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.error_codes = "\n".join(normalise_error_codes(self.error_codes))
        return super().save(*args, **kwargs)

    @property
    def error_code_list(self) -> list[str]:
        return normalise_error_codes(self.error_codes)

    def get_context(self, request, *args, **kwargs):
        from .services import article_context

        context = super().get_context(request, *args, **kwargs)
        context.update(article_context(request, self))
        return context


class ArticleRelatedLink(Orderable):
    page = ParentalKey(
        ArticlePage, related_name="related_links", on_delete=models.CASCADE
    )
    target = models.ForeignKey(
        ArticlePage,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("article"),
    )

    panels = [FieldPanel("target")]

    class Meta(Orderable.Meta):
        verbose_name = _("related article")
        verbose_name_plural = _("related articles")


class NewsIndexPage(Page):
    """Rassegna Info of one locale: the news digest."""

    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["kb.NewsPage"]
    max_count_per_parent = 1
    template = "kb/news_index_page.html"

    class Meta:
        verbose_name = _("news digest")

    def serve(self, request, *args, **kwargs):
        # A customer's digest shows the news of the lines the company licenses.
        pagecache.mark_cacheable(
            request,
            tags=[pagecache.LISTINGS],
            params=["all", "product_line", "page"],
            vary=["licensed-lines"],
        )
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from .services import news_digest_context

        context = super().get_context(request, *args, **kwargs)
        context.update(news_digest_context(request, self))
        return context


class NewsPage(RestrictedPageMixin, Page):
    """One news item of the digest, in one language."""

    date = models.DateField(_("date"), default=timezone.localdate)
    product_lines = ParentalManyToManyField(
        "taxonomy.ProductLine",
        blank=True,
        related_name="news",
        verbose_name=_("product lines"),
        help_text=_("Leave empty for news that concern every customer."),
    )
    summary = models.TextField(_("summary"), max_length=600)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("date"), FieldPanel("visibility")]),
        FieldPanel("product_lines", widget=forms.CheckboxSelectMultiple),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body_text"),
        index.FilterField("visibility"),
        index.FilterField("date"),
    ]
    parent_page_types = ["kb.NewsIndexPage"]
    subpage_types: list[str] = []
    template = "kb/news_page.html"

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news items")

    def __str__(self) -> str:
        return self.title

    def get_context(self, request, *args, **kwargs):
        from .services import news_context

        context = super().get_context(request, *args, **kwargs)
        context.update(news_context(request, self))
        return context


class ArticleFeedback(models.Model):
    """One "Was this helpful?" answer. One per visitor session and article: the
    session key is stored only as a keyed hash."""

    page = models.ForeignKey(
        ArticlePage,
        on_delete=models.CASCADE,
        related_name="feedback",
        verbose_name=_("article"),
    )
    language = models.CharField(_("language"), max_length=8)
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    session_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["page", "session_hash"], name="one_feedback_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.page_id} {self.language} {'+' if self.helpful else '-'}"
