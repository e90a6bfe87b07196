"""The search parameters, read from a GET query string by the search page and
the JSON API alike: ``q``, ``lang``, ``product_line``, ``area``, ``doc_type``,
``audience``, ``tag``, ``date_from``, ``date_to``, ``sort``, ``page``,
``page_size``. An empty value means "not set"; unknown parameters are
ignored."""

from __future__ import annotations

from collections.abc import Collection

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from taxonomy.models import Area, ProductLine

from .conf import search_settings
from .documents import (
    FACETS,
    LANGUAGES,
    SearchFilters,
    SearchQuery,
    Sort,
)
from .providers import field_choices

#: The parameters that narrow a search (``q`` aside).
FILTER_PARAMETERS: tuple[str, ...] = (
    "product_line",
    "area",
    "doc_type",
    "audience",
    "tag",
    "date_from",
    "date_to",
)


def _language_choices() -> list[tuple[str, str]]:
    names = dict(settings.LANGUAGES)
    return [(code, names.get(code, code)) for code in LANGUAGES]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class SearchForm(forms.Form):
    """Validates the search parameters; ``to_query`` makes the
    :class:`~search.documents.SearchQuery`. ``lang`` defaults to
    ``default_lang`` (the reader's language)."""

    q = forms.CharField(label=_("Search for"), required=False, strip=True)
    lang = forms.ChoiceField(label=_("Language"), required=False, choices=())
    product_line = forms.ChoiceField(
        label=_("Product line"), required=False, choices=()
    )
    area = forms.ChoiceField(label=_("Area"), required=False, choices=())
    doc_type = forms.ChoiceField(
        label=_("Document type"),
        required=False,
        choices=(),
    )
    audience = forms.ChoiceField(
        label=_("Audience level"),
        required=False,
        choices=(),
    )
    tag = forms.CharField(
        label=_("Tag"), required=False, max_length=100, widget=forms.Select
    )
    date_from = forms.DateField(
        label=_("Published from"), required=False, widget=DateInput()
    )
    date_to = forms.DateField(
        label=_("Published to"), required=False, widget=DateInput()
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=Sort.choices, initial="relevance"
    )
    page = forms.IntegerField(
        label=_("Page"), required=False, min_value=1, widget=forms.HiddenInput
    )
    # Made in __init__: its limit is a setting.
    page_size = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, default_lang: str, **kwargs) -> None:
        default_lang = default_lang if default_lang in LANGUAGES else "en"
        if data is not None and not data.get("lang"):
            # Rendered back, the language select must show the language the
            # search used, not its first option.
            data = data.copy()
            data["lang"] = default_lang
        super().__init__(data, **kwargs)
        self.default_lang = default_lang
        self.fields["lang"].choices = _language_choices()
        # The document types and audience levels of the indexed documents,
        # as their providers name them.
        self.fields["doc_type"].choices = [
            ("", _("Any type")),
            *field_choices("doc_type"),
        ]
        self.fields["audience"].choices = [
            ("", _("Any level")),
            *field_choices("audience"),
        ]
        self.fields["lang"].initial = self.default_lang
        self.fields["page_size"] = forms.IntegerField(
            label=_("Results per page"),
            required=False,
            min_value=1,
            max_value=search_settings.MAX_PAGE_SIZE,
            widget=forms.HiddenInput,
        )
        self.lines = {line.code: line for line in ProductLine.objects.all()}
        self.fields["product_line"].choices = [
            ("", _("All product lines")),
            *((code, line.name) for code, line in self.lines.items()),
        ]
        self.areas = list(Area.objects.select_related("product_line"))
        chosen_line = (data or {}).get("product_line") or ""
        areas = {
            area.code: area.name
            for area in self.areas
            if not chosen_line or area.product_line.code == chosen_line
        }
        self.fields["area"].choices = [("", _("All areas")), *areas.items()]
        tag = (data or {}).get("tag") or ""
        self.fields["tag"].widget.choices = [("", _("Any tag"))] + (
            [(tag, tag)] if tag else []
        )

    def clean_q(self) -> str:
        text = self.cleaned_data.get("q") or ""
        return text[: search_settings.QUERY_MAX_CHARS]

    def clean_lang(self) -> str:
        return self.cleaned_data.get("lang") or self.default_lang

    def clean_sort(self) -> str:
        return self.cleaned_data.get("sort") or Sort.RELEVANCE.value

    def clean_page(self) -> int:
        return self.cleaned_data.get("page") or 1

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error(
                "date_to", _("The end of the date range is before its start.")
            )
        return cleaned

    # After validation ------------------------------------------------------------

    @property
    def has_filters(self) -> bool:
        return any(self.cleaned_data.get(name) for name in FILTER_PARAMETERS)

    @property
    def has_query(self) -> bool:
        """Words or at least one filter: something to search for."""
        return bool(self.cleaned_data.get("q")) or self.has_filters

    def first_error(self) -> tuple[str, str]:
        """The first invalid parameter and its message."""
        name, errors = next(iter(self.errors.items()))
        return ("q" if name == "__all__" else name), str(errors[0])

    def to_query(
        self, visibility: Collection[str], facets: Collection[str] = FACETS
    ) -> SearchQuery:
        data = self.cleaned_data
        return SearchQuery(
            text=data["q"],
            lang=data["lang"],
            filters=SearchFilters(
                product_line=data.get("product_line") or None,
                area=data.get("area") or None,
                doc_type=data.get("doc_type") or None,
                audience=data.get("audience") or None,
                tag=data.get("tag") or None,
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            ),
            visibility=visibility,
            facets=facets,
            sort=data["sort"],
            page=data["page"],
            page_size=data.get("page_size") or search_settings.PAGE_SIZE,
        )

    def facet_choices(self, facets: dict[str, list[tuple[str, int]]]) -> None:
        """Show each filter's facet counts beside its choices: "Payroll (4)".
        Choices no document has are kept (with 0) when they are the current
        value or a fixed list; tags offer the counted ones."""
        for name in ("product_line", "area", "doc_type", "audience"):
            if name not in facets:
                continue
            counts = dict(facets[name])
            field = self.fields[name]
            field.choices = [
                (value, f"{label} ({counts.get(value, 0)})" if value else label)
                for value, label in field.choices
            ]
        if "tag" in facets:
            current = (self.data.get("tag") or "") if self.is_bound else ""
            counts = dict(facets["tag"])
            if current and current not in counts:
                counts[current] = 0
            self.fields["tag"].widget.choices = [("", _("Any tag"))] + [
                (tag, f"{tag} ({count})") for tag, count in counts.items()
            ]
