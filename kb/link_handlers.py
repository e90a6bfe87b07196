"""Rich-text link handlers (imported from wagtail_hooks only: they need the
app registry ready)."""

from django.utils.html import escape
from wagtail.rich_text.pages import PageLinkHandler

from .richtext import anchor_slug


class AnchoredPageLinkHandler(PageLinkHandler):
    """Wagtail's page links, plus an optional ``anchor`` attribute appended to
    the URL as ``#anchor`` (imported ``kb:<key>#anchor`` links). Registered in
    place of Wagtail's own handler (kb/wagtail_hooks.py); links without the
    attribute render exactly as before. The editor does not show the anchor:
    an editor who re-saves the text keeps the link, to the top of the page."""

    @classmethod
    def expand_db_attributes_many(cls, attrs_list: list[dict]) -> list[str]:
        tags = super().expand_db_attributes_many(attrs_list)
        expanded = []
        for attrs, tag in zip(attrs_list, tags, strict=True):
            anchor = anchor_slug(attrs.get("anchor", ""))
            if anchor and tag.startswith('<a href="') and tag.endswith('">'):
                tag = f'{tag[:-2]}#{escape(anchor)}">'
            expanded.append(tag)
        return expanded
