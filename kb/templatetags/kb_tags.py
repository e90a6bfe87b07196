import re

from django import template
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from ..blocks import heading_anchor

register = template.Library()

_HEADING_RE = re.compile(r"<(h[234])>(.*?)</\1>", re.S)


@register.filter
def heading_ids(html: str) -> str:
    """Give the headings of rendered rich text an id, so that the "On this
    page" list and links from other articles can point at them."""

    def add_id(match: re.Match) -> str:
        tag, inner = match.group(1), match.group(2)
        anchor = heading_anchor(strip_tags(inner).strip())
        return f'<{tag} id="{anchor}">{inner}</{tag}>'

    # The input is rendered rich text, already safe; only ids made of slug
    # characters are added to it.
    return mark_safe(_HEADING_RE.sub(add_id, str(html)))  # noqa: S308
