"""HTML in, StreamField out: sanitising imported bodies and reading bodies back
as plain text (for search documents and feeds).

An imported ``body_html`` is cleaned with nh3 (an allow-list: no scripts, event
handlers or styles survive), then split into blocks an editor can open without
losing anything: prose becomes rich-text blocks in Wagtail's storage format,
``<pre>`` becomes a code block and ``<table>`` a table block. Links written as
``href="kb:<key>#anchor"`` stay as such until the importer has seen every line;
``resolve_kb_links`` then turns them into ``<a linktype="page" id="…"
anchor="…">``, which ``AnchoredPageLinkHandler`` renders as the page's URL
followed by ``#anchor``. Headings keep their ``id`` (as a slug) so that such
anchors have something to land on.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Callable
from html.parser import HTMLParser

import nh3
from django.utils.text import slugify

ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "pre",
    "code",
    "strong",
    "em",
    "a",
    "br",
    "blockquote",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}}
HEADING_TAGS = {"h2", "h3", "h4"}
URL_SCHEMES = {"http", "https", "mailto", "kb"}

VOID_TAGS = {"br"}
BLOCK_TAGS = {"p", "h2", "h3", "h4", "ul", "ol", "blockquote"}
# Wagtail's rich-text storage format writes bold and italic as <b> and <i>.
STORAGE_TAG = {"strong": "b", "em": "i"}
KB_LINK_RE = re.compile(r'<a href="kb:([^"#]*)(?:#([^"]*))?">')


def anchor_slug(value: str) -> str:
    """An anchor (``#…``) or heading id reduced to slug characters: safe in an
    attribute and in a URL, and the same on both ends of a link."""
    return slugify(html.unescape(value or ""), allow_unicode=True)[:80]


def sanitise_html(source: str) -> str:
    """The allow-listed subset of ``source``; everything else is dropped (the
    text inside <script> and <style> too)."""
    return nh3.clean(
        source or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


class _Node:
    __slots__ = ("tag", "attrs", "children")

    def __init__(self, tag: str, attrs: dict[str, str] | None = None):
        self.tag = tag
        self.attrs = attrs or {}
        self.children: list[_Node | str] = []


class _TreeBuilder(HTMLParser):
    """A tiny DOM for already-sanitised HTML (well formed, few tags)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = _Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID_TAGS:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(_Node(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def _parse(source: str) -> _Node:
    builder = _TreeBuilder()
    builder.feed(source)
    builder.close()
    return builder.root


def _text_of(node: _Node | str) -> str:
    if isinstance(node, str):
        return node
    if node.tag == "br":
        return "\n"
    return "".join(_text_of(child) for child in node.children)


def _storage_html(node: _Node | str) -> str:
    if isinstance(node, str):
        return html.escape(node, quote=False)
    if node.tag == "br":
        return "<br/>"
    inner = "".join(_storage_html(child) for child in node.children)
    if node.tag == "a":
        href = node.attrs.get("href", "")
        if not href:
            return inner
        return f'<a href="{html.escape(href, quote=True)}">{inner}</a>'
    tag = STORAGE_TAG.get(node.tag, node.tag)
    if tag in HEADING_TAGS and anchor_slug(node.attrs.get("id", "")):
        return f'<{tag} id="{anchor_slug(node.attrs["id"])}">{inner}</{tag}>'
    return f"<{tag}>{inner}</{tag}>"


def _table_value(node: _Node) -> dict:
    rows: list[list[str]] = []
    header = False

    def collect(parent: _Node, in_head: bool) -> None:
        nonlocal header
        for child in parent.children:
            if isinstance(child, str):
                continue
            if child.tag in ("thead", "tbody"):
                collect(child, child.tag == "thead")
            elif child.tag == "tr":
                cells = [c for c in child.children if isinstance(c, _Node)]
                cells = [c for c in cells if c.tag in ("th", "td")]
                if not rows and (
                    in_head or (cells and all(c.tag == "th" for c in cells))
                ):
                    header = True
                rows.append(
                    [re.sub(r"[ \t\r\f\v]+", " ", _text_of(c)).strip() for c in cells]
                )

    collect(node, False)
    width = max((len(row) for row in rows), default=0)
    rows = [row + [""] * (width - len(row)) for row in rows]
    return {
        "data": rows,
        "first_row_is_table_header": header,
        "first_col_is_header": False,
        "table_header_choice": "row" if header else "neither",
        "table_caption": "",
        "cell": [],
        "mergeCells": [],
    }


def _block(block_type: str, value) -> dict:
    return {"type": block_type, "value": value, "id": str(uuid.uuid4())}


def html_to_blocks(source: str, *, sanitised: bool = False) -> list[dict]:
    """StreamField data (the JSON list form) for an HTML body."""
    clean = source if sanitised else sanitise_html(source)
    root = _parse(clean)
    blocks: list[dict] = []
    prose: list[str] = []
    loose: list[_Node | str] = []  # inline content outside any block element

    def flush_loose() -> None:
        if loose and "".join(_text_of(n) for n in loose).strip():
            inner = "".join(_storage_html(n) for n in loose).strip()
            prose.append(f"<p>{inner}</p>")
        loose.clear()

    def flush_prose() -> None:
        flush_loose()
        if prose:
            blocks.append(_block("paragraph", "".join(prose)))
            prose.clear()

    for node in root.children:
        if isinstance(node, str) or node.tag not in BLOCK_TAGS | {"pre", "table", "li"}:
            loose.append(node)
            continue
        flush_loose()
        if node.tag == "pre":
            flush_prose()
            code = _text_of(node).strip("\n")
            if code.strip():
                blocks.append(_block("code", {"language": "", "code": code}))
        elif node.tag == "table":
            flush_prose()
            value = _table_value(node)
            if value["data"]:
                blocks.append(_block("table", value))
        elif node.tag == "li":
            prose.append(f"<ul>{_storage_html(node)}</ul>")
        elif _text_of(node).strip():
            prose.append(_storage_html(node))
    flush_prose()
    return blocks


def kb_link_keys(blocks: list[dict]) -> set[str]:
    """The article keys that ``kb:`` links in ``blocks`` point to."""
    keys: set[str] = set()
    for block in blocks:
        if block["type"] == "paragraph":
            keys.update(html.unescape(m) for m in KB_LINK_RE.findall(block["value"]))
    return keys


def resolve_kb_links(
    blocks: list[dict], resolve: Callable[[str], int | None]
) -> list[dict]:
    """Rewrite ``kb:<key>#anchor`` links as Wagtail page links.

    ``resolve(key)`` returns the target page id or None; a link to an unknown
    key is dropped and its text kept. The anchor is kept in an ``anchor``
    attribute (see ``kb.link_handlers``).
    """

    def replace(match: re.Match) -> str:
        page_id = resolve(html.unescape(match.group(1)))
        if page_id is None:
            return "<a>"
        anchor = anchor_slug(match.group(2) or "")
        if anchor:
            return f'<a linktype="page" id="{page_id}" anchor="{anchor}">'
        return f'<a linktype="page" id="{page_id}">'

    result = []
    for block in blocks:
        if block["type"] == "paragraph" and "kb:" in block["value"]:
            value = KB_LINK_RE.sub(replace, block["value"])
            # An unresolved link leaves a bare <a>: unwrap it.
            value = re.sub(r"<a>(.*?)</a>", r"\1", value, flags=re.S)
            block = {**block, "value": value}
        result.append(block)
    return result


_TAG_RE = re.compile(r"<[^>]+>")
_BLOCK_END_RE = re.compile(r"</(p|h[1-6]|li|blockquote|pre|tr)>|<br\s*/?>", re.I)


def html_to_text(source: str) -> str:
    """Plain text of an HTML fragment: block ends become line breaks."""
    text = _BLOCK_END_RE.sub("\n", source or "")
    text = html.unescape(_TAG_RE.sub("", text))
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def stream_to_text(stream) -> str:
    """Plain text of a body StreamField value (raw data or StreamValue)."""
    raw = getattr(stream, "raw_data", stream) or []
    parts: list[str] = []
    for block in raw:
        block_type, value = block.get("type"), block.get("value")
        if block_type == "paragraph":
            parts.append(html_to_text(value))
        elif block_type == "heading":
            parts.append(value.get("text", ""))
        elif block_type == "callout":
            parts.append(html_to_text(value.get("text", "")))
        elif block_type == "code":
            parts.append(value.get("code", ""))
        elif block_type == "table":
            parts.extend(
                " | ".join(cell for cell in row if cell)
                for row in (value or {}).get("data") or []
            )
        elif block_type == "document":
            parts.append(value.get("title", "") or "")
        elif block_type == "image":
            parts.append(value.get("caption", "") or "")
    return "\n\n".join(part.strip() for part in parts if part and part.strip())
