import re

from django import template
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from ..blocks import heading_anchor
from ..link_handlers import resolved_page_links

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


class PageLinksNode(template.Node):
    def __init__(self, values, nodelist):
        self.values = values
        self.nodelist = nodelist

    def render(self, context):
        values = [value.resolve(context) for value in self.values]
        with resolved_page_links(*values):
            return self.nodelist.render(context)


@register.tag
def page_links(parser, token):
    """``{% page_links page.body %}…{% endpage_links %}``: the page links of
    the given values (StreamField or rich text) are resolved together before
    the enclosed blocks render, instead of block by block (issue 16: an
    article's statements must not grow with its links)."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"{bits[0]} needs a value to look into")
    values = [parser.compile_filter(bit) for bit in bits[1:]]
    nodelist = parser.parse(("endpage_links",))
    parser.delete_first_token()
    return PageLinksNode(values, nodelist)
