"""Forms of the knowledge base: the listing filters and "Was this helpful?"."""

from django import forms
from django.utils.translation import gettext_lazy as _

from taxonomy.models import Area, ProductLine

from .models import Audience, DocType


def _product_line_choices():
    return [("", _("All product lines"))] + [
        (line.code, line.name) for line in ProductLine.objects.active()
    ]


def _area_choices():
    return [("", _("All areas"))] + [
        (area.code, f"{area.product_line.name} › {area.name}")
        for area in Area.objects.active().select_related("product_line")
    ]


class ArticleFilterForm(forms.Form):
    """GET filters of the knowledge-base index. Every field is optional."""

    product_line = forms.ChoiceField(
        label=_("Product line"), required=False, choices=_product_line_choices
    )
    area = forms.ChoiceField(label=_("Area"), required=False, choices=_area_choices)
    audience = forms.ChoiceField(
        label=_("Audience level"),
        required=False,
        choices=[("", _("Any level")), *Audience.choices],
    )
    doc_type = forms.ChoiceField(
        label=_("Document type"),
        required=False,
        choices=[("", _("Any type")), *DocType.choices],
    )
    tag = forms.SlugField(
        label=_("Tag"), required=False, allow_unicode=True, widget=forms.HiddenInput
    )


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=_("Was this article helpful?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was missing or unclear? Please do not write personal data."),
    )
