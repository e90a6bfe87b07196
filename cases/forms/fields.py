"""Widgets, fields and field factories shared by the case forms."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from taxonomy.models import Area, ProductLine

from ..models import Urgency


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files in one ``<input type=file multiple>``; cleans to a
    list. Each file is checked by the form (see ``CaseFilesMixin``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class AreaSelect(forms.Select):
    """Areas grouped by product line in ``<optgroup>``; each option says its
    line in ``data-product-line`` so that JavaScript can filter the list."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_of: dict[str, str] = {}

    def create_option(self, name, value, label, selected, index, **kwargs):
        option = super().create_option(name, value, label, selected, index, **kwargs)
        line = self.line_of.get(str(value))
        if line:
            option["attrs"]["data-product-line"] = line
        return option


MOBILE_RE = re.compile(r"^\+?[0-9]{6,15}$")


def clean_mobile(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    compact = re.sub(r"[\s().-]", "", value)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not MOBILE_RE.match(compact):
        raise ValidationError(
            _("Enter a mobile number with its country code, e.g. +39 347 1234567."),
            code="mobile",
        )
    return compact


def product_lines_for(customer) -> "forms.QuerySet":
    """The lines a customer may open cases on: the licensed ones, or every
    active line if the customer has no licence on record."""
    lines = ProductLine.objects.active()
    if customer is not None and customer.product_lines.exists():
        lines = lines.filter(pk__in=customer.product_lines.values("pk"))
    return lines.order_by("sort_order", "code")


def area_choices(lines) -> tuple[list, dict[str, str]]:
    """Grouped choices for ``AreaSelect`` and the area → line code map."""
    areas = (
        Area.objects.active()
        .filter(product_line__in=lines)
        .select_related("product_line")
        .order_by("product_line__sort_order", "product_line__code", "sort_order")
    )
    groups: dict[int, tuple[str, list]] = {}
    line_of = {}
    for area in areas:
        line = area.product_line
        groups.setdefault(line.pk, (line.name, []))[1].append((str(area.pk), area.name))
        line_of[str(area.pk)] = line.code
    return [("", "—")] + list(groups.values()), line_of


def notify_email_field():
    return forms.EmailField(
        label=_("E-mail"),
        help_text=_("The case summary and the replies are sent here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def notify_mobile_field():
    return forms.CharField(
        label=_("Mobile number"),
        required=False,
        max_length=40,
        help_text=_("Optional: we send a text message when the partner replies."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )


def auto_notify_field():
    return forms.BooleanField(
        label=_("Activate automatic notification of replies"),
        required=False,
        initial=True,
    )


def urgency_field():
    return forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL
    )


def subject_field():
    return forms.CharField(label=_("Subject"), max_length=200)


def request_field():
    return forms.CharField(
        label=_("Request"),
        max_length=20_000,
        help_text=_(
            "Describe what you were doing, what happened and any error message."
        ),
        widget=forms.Textarea(attrs={"rows": 10}),
    )
