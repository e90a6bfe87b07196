"""Template tags of the search page."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def search_field(field: BoundField) -> SafeString:
    """``field``'s widget as Django renders it, written directly for a plain
    select: the search page shows up to six of them, with dozens of options
    (areas, tags), and Django's widget templates took a quarter of the
    page's time. Same markup: the name, the id, the error attributes, the
    chosen option."""
    widget = field.field.widget
    choices = list(getattr(widget, "choices", ()))
    if (
        type(widget) is not forms.Select
        or widget.allow_multiple_selected
        or any(isinstance(label, (list, tuple)) for _value, label in choices)
    ):
        return field.as_widget()
    value = field.value()
    current = "" if value is None else str(value)
    attrs = {"name": field.html_name, **widget.attrs}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_error"
    if field.auto_id:
        attrs["id"] = field.auto_id
    options = (
        ("" if option is None else str(option), label) for option, label in choices
    )
    return format_html(
        "<select{}>{}</select>",
        format_html_join("", ' {}="{}"', attrs.items()),
        format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option, " selected" if option == current else "", label)
                for option, label in options
            ),
        ),
    )
