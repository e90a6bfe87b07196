"""Product lines and areas: the taxonomy that kb, search and cases share.

A product line or area is one row with a name per portal language, not one row
per locale: customers license a product line, cases and articles point to it,
and all of them must agree on the same row whatever language is active.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.search import index


class TranslatedNameMixin(models.Model):
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_it = models.CharField(_("name (Italian)"), max_length=120, blank=True)
    name_fi = models.CharField(_("name (Finnish)"), max_length=120, blank=True)

    class Meta:
        abstract = True

    def name_in(self, language: str | None) -> str:
        """The name in ``language`` (``it``, ``fi``, ``en``), English if missing."""
        code = (language or settings.LANGUAGE_CODE).split("-")[0]
        return getattr(self, f"name_{code}", "") or self.name_en

    @property
    def name(self) -> str:
        return self.name_in(get_language())

    name_panels = [
        FieldRowPanel(
            [FieldPanel("name_it"), FieldPanel("name_fi"), FieldPanel("name_en")],
            heading=_("Name"),
        )
    ]


class ActiveQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class ProductLine(index.Indexed, TranslatedNameMixin):
    code = models.SlugField(
        _("code"),
        max_length=60,
        unique=True,
        help_text=_("Stable identifier used in URLs, the API and imports."),
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ActiveQuerySet.as_manager()

    panels = [
        FieldPanel("code"),
        *TranslatedNameMixin.name_panels,
        MultiFieldPanel([FieldPanel("sort_order"), FieldPanel("is_active")]),
    ]
    search_fields = [
        index.SearchField("code"),
        index.SearchField("name_en"),
        index.SearchField("name_it"),
        index.SearchField("name_fi"),
        index.AutocompleteField("name_en"),
    ]

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")

    def __str__(self) -> str:
        return self.name


class Area(index.Indexed, TranslatedNameMixin):
    product_line = models.ForeignKey(
        ProductLine,
        on_delete=models.CASCADE,
        related_name="areas",
        verbose_name=_("product line"),
    )
    code = models.SlugField(_("code"), max_length=60)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ActiveQuerySet.as_manager()

    panels = [
        FieldPanel("product_line"),
        FieldPanel("code"),
        *TranslatedNameMixin.name_panels,
        MultiFieldPanel([FieldPanel("sort_order"), FieldPanel("is_active")]),
    ]
    search_fields = [
        index.SearchField("code"),
        index.SearchField("name_en"),
        index.SearchField("name_it"),
        index.SearchField("name_fi"),
        index.FilterField("product_line"),
        index.AutocompleteField("name_en"),
    ]

    class Meta:
        ordering = ["product_line__sort_order", "sort_order", "code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.UniqueConstraint(
                fields=["product_line", "code"], name="unique_area_code_per_line"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_line.name} › {self.name}"
