"""The PDF copy of an authorisation (the manual's "copia dell'autorizzazione"),
mailed to the customer and downloadable from the reserved area.

It uses fpdf2's core Helvetica, whose encoding is Latin-1: Italian and Finnish
fit (à è é ì ò ù ä ö å); typographic punctuation is mapped to its ASCII
equivalent and any other character is transliterated or replaced, so that
whatever a visitor typed never breaks the copy. The SHA-256 of the accepted
text is in the document's subject as well as on the page."""

import unicodedata

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from . import conf
from .models import Authorisation

_PUNCTUATION = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2022": "-",
        "\u20ac": "EUR",
    }
)


def latin1(text: str) -> str:
    """``text`` with only Latin-1 characters (what the core fonts can draw)."""
    text = str(text or "").translate(_PUNCTUATION)
    out = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
            continue
        base = unicodedata.normalize("NFKD", char)
        base = "".join(c for c in base if ord(c) < 128 and not unicodedata.combining(c))
        out.append(base or "?")
    return "".join(out)


class _CopyPDF(FPDF):
    def footer(self):
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.set_text_color(90, 90, 90)
        self.cell(
            0, 5, latin1(f"{self.footer_text} - {self.page_no()}/{{nb}}"), align="C"
        )


def _when(value) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def render_authorisation_pdf(authorisation: Authorisation) -> bytes:
    """The copy, in the language of the text the person accepted."""
    version = authorisation.consent_version
    with translation.override(authorisation.language):
        title = _("Remote technical assistance authorisation")
        pdf = _CopyPDF(format="A4")
        pdf.set_compression(bool(conf.PDF_COMPRESS))
        pdf.set_title(latin1(title))
        pdf.set_author(latin1(authorisation.operator_name))
        pdf.set_creator("Sportello")
        pdf.set_subject(
            latin1(
                _("Clauses version %(number)d (%(language)s), SHA-256 %(hash)s")
                % {
                    "number": version.number,
                    "language": version.language,
                    "hash": authorisation.consent_sha256,
                }
            )
        )
        pdf.set_keywords(f"sha256:{authorisation.consent_sha256}")
        pdf.set_creation_date(authorisation.created_at)
        pdf.footer_text = _("Authorisation %(reference)s") % {
            "reference": authorisation.reference
        }
        pdf.set_margins(18, 18, 18)
        pdf.set_auto_page_break(auto=True, margin=18)
        pdf.add_page()

        def line(text: str, size: float = 10.5, style: str = "", height: float = 5.5):
            pdf.set_font("helvetica", style=style, size=size)
            pdf.multi_cell(0, height, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

        line(title, size=15, style="B", height=8)
        pdf.ln(2)
        line(_("Dear user,"))
        line(
            _(
                "here is a copy of the remote assistance authorisation you sent us. "
                "All the information was received correctly."
            )
        )
        pdf.ln(3)
        fields = [
            (_("Company name"), authorisation.company_name),
            (_("Operator name"), authorisation.operator_name),
            (_("E-mail"), authorisation.email),
            (_("Customer code"), authorisation.customer_code or "-"),
            (
                _("Installation code (Codice IDS)"),
                authorisation.installation_code or "-",
            ),
        ]
        if authorisation.case_id:
            fields.append((_("Case"), authorisation.case.number))
        fields.append((_("Accepted on"), _when(authorisation.created_at)))
        for label, value in fields:
            pdf.set_font("helvetica", style="B", size=10.5)
            pdf.cell(62, 6, latin1(f"{label}:"))
            pdf.set_font("helvetica", size=10.5)
            pdf.multi_cell(0, 6, latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
        line(version.intro)
        pdf.ln(1)
        for number, clause in version.numbered_clauses:
            line(f"[X] {number} - {clause}")
            pdf.ln(1)
        pdf.ln(3)
        details = [
            _(
                "Text of the clauses: version %(number)d (%(language)s), published on "
                "%(published)s."
            )
            % {
                "number": version.number,
                "language": version.language,
                "published": _when(version.published_at),
            },
            _("SHA-256 of the accepted text: %(hash)s")
            % {"hash": authorisation.consent_sha256},
            _("From the address %(ip)s") % {"ip": authorisation.ip_address or "-"},
            _("Reference: %(id)s") % {"id": authorisation.public_id},
        ]
        revocation = authorisation.revocation_or_none
        if revocation is not None:
            details.append(
                _("Revoked on %(when)s.") % {"when": _when(revocation.created_at)}
            )
        for text in details:
            line(text, size=8.5, height=4.5)
    return bytes(pdf.output())


def pdf_filename(authorisation: Authorisation) -> str:
    return f"authorisation-{authorisation.reference}.pdf"
