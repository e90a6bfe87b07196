"""Widgets, fields and field factories shared by the case forms."""

import re
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, Q
from django.forms.models import ModelChoiceIterator
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
    active line if the customer has no licence on record (one statement)."""
    lines = ProductLine.objects.active()
    if customer is not None:
        licences = ProductLine.customers.through.objects.filter(customer_id=customer.pk)
        lines = lines.filter(
            Q(pk__in=licences.values("productline_id")) | ~Exists(licences)
        )
    return lines.order_by("sort_order", "code")


def areas_of(lines: Iterable[ProductLine]) -> list[Area]:
    """The active areas of ``lines`` with their line, in the order the form
    lists them."""
    return list(
        Area.objects.active()
        .filter(product_line__in=list(lines))
        .select_related("product_line")
        .order_by("product_line__sort_order", "product_line__code", "sort_order")
    )


def area_choices(areas: Iterable[Area]) -> tuple[list, dict[str, str]]:
    """Grouped choices for ``AreaSelect`` and the area → line code map, from
    ``areas_of``."""
    groups: dict[int, tuple[str, list]] = {}
    line_of = {}
    for area in areas:
        line = area.product_line
        groups.setdefault(line.pk, (line.name, []))[1].append((str(area.pk), area.name))
        line_of[str(area.pk)] = line.code
    return [("", "—")] + list(groups.values()), line_of


class LoadedChoiceIterator(ModelChoiceIterator):
    """The choices of a ``LoadedModelChoiceField``: its loaded objects."""

    def __iter__(self):
        if self.field.loaded is None:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.loaded:
            yield self.choice(obj)

    def __len__(self):
        if self.field.loaded is None:
            return super().__len__()
        return len(self.field.loaded) + (self.field.empty_label is not None)

    def __bool__(self):
        if self.field.loaded is None:
            return super().__bool__()
        return self.field.empty_label is not None or bool(self.field.loaded)


class LoadedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose objects the form loads once (``load``): the
    select is drawn and the value found in that list, with no statement each.
    Without ``load`` it queries like a ModelChoiceField, except for the
    objects the form says it read already (``know``)."""

    iterator = LoadedChoiceIterator
    loaded: list | None = None
    known: tuple = ()

    def load(self, queryset) -> list:
        self.loaded = list(queryset)
        self.queryset = queryset
        return self.loaded

    def know(self, *objects) -> None:
        """``objects`` were read already and belong to the queryset: choosing
        one of them needs no statement."""
        self.known = objects

    def to_python(self, value):
        if value in self.empty_values:
            return super().to_python(value)
        key = self.to_field_name or "pk"
        if isinstance(value, self.queryset.model):
            value = getattr(value, key)
        for obj in self.known if self.loaded is None else self.loaded:
            if str(getattr(obj, key)) == str(value):
                return obj
        if self.loaded is None:
            return super().to_python(value)
        raise ValidationError(
            self.error_messages["invalid_choice"],
            code="invalid_choice",
            params={"value": value},
        )


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
