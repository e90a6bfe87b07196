"""StreamField blocks of articles and news: the building bricks an editor uses."""

from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

# Rich text in articles: the features an imported body can hold, so that an
# imported article opens in the editor without losing anything.
RICH_TEXT_FEATURES = [
    "h2",
    "h3",
    "h4",
    "bold",
    "italic",
    "ol",
    "ul",
    "link",
    "document-link",
    "code",
    "blockquote",
    "hr",
]
CALLOUT_FEATURES = ["bold", "italic", "link", "document-link", "code", "ul", "ol"]


def heading_anchor(text: str) -> str:
    """The id a heading gets, so that links can point at its section."""
    return slugify(text, allow_unicode=True)[:80] or "section"


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("text"), max_length=200)
    level = blocks.ChoiceBlock(
        label=_("level"),
        choices=[("h2", _("Section (H2)")), ("h3", _("Subsection (H3)"))],
        default="h2",
    )
    anchor = blocks.CharBlock(
        label=_("anchor"),
        required=False,
        max_length=80,
        help_text=_(
            "The part after # in links to this section. Leave empty to derive it "
            "from the text."
        ),
    )

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "kb/blocks/heading.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["anchor"] = slugify(value.get("anchor") or "") or heading_anchor(
            value.get("text", "")
        )
        return context


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("kind"),
        choices=[
            ("note", _("Note")),
            ("tip", _("Tip")),
            ("warning", _("Warning")),
        ],
        default="note",
    )
    text = blocks.RichTextBlock(label=_("text"), features=CALLOUT_FEATURES)

    class Meta:
        icon = "warning"
        label = _("Note or warning")
        template = "kb/blocks/callout.html"


class CodeBlock(blocks.StructBlock):
    language = blocks.CharBlock(
        label=_("language"),
        required=False,
        max_length=40,
        help_text=_("e.g. sql, ini, text (shown to readers, no colouring)"),
    )
    code = blocks.TextBlock(label=_("code"))

    class Meta:
        icon = "code"
        label = _("Code or log excerpt")
        template = "kb/blocks/code.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    alt_text = blocks.CharBlock(
        label=_("alternative text"),
        required=False,
        max_length=250,
        help_text=_("What the image shows, for readers who cannot see it."),
    )
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "kb/blocks/image.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    title = blocks.CharBlock(
        label=_("link text"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to use the document's title."),
    )

    class Meta:
        icon = "doc-full"
        label = _("Document download")
        template = "kb/blocks/document.html"


class BodyBlock(blocks.StreamBlock):
    """The body of an article or a news item."""

    paragraph = blocks.RichTextBlock(
        label=_("Text"), features=RICH_TEXT_FEATURES, template="kb/blocks/text.html"
    )
    heading = HeadingBlock()
    callout = CalloutBlock()
    code = CodeBlock()
    image = ImageBlock()
    document = DocumentBlock()
    table = TableBlock(
        label=_("Table"),
        template="kb/blocks/table.html",
        table_options={"renderer": "text"},
    )
