"""The PDF copy of an authorisation (the manual's "copia dell'autorizzazione"),
mailed to the customer and downloadable from the reserved area.

It is a legal record, so every letter a person typed must come out as typed
(Łukasz Żółć, Sääskä Öhman, Niccolò Perù): the text is set in DejaVu Sans, a
Unicode TrueType font shipped in ``remote/fonts/`` with its licence (fpdf2's
core fonts only know Latin-1). fpdf2 embeds the subset of glyphs used, with a
ToUnicode map, so the text can be searched and copied. The SHA-256 of the
accepted text is in the document's subject as well as on the page."""

from pathlib import Path

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from . import conf
from .models import Authorisation

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}


class _CopyPDF(FPDF):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for style, name in FONT_FILES.items():
            self.add_font(FONT, style=style, fname=FONT_DIR / name)

    def footer(self):
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"{self.footer_text} - {self.page_no()}/{{nb}}", align="C")


def _when(value) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def render_authorisation_pdf(authorisation: Authorisation) -> bytes:
    """The copy, in the language of the text the person accepted."""
    version = authorisation.consent_version
    with translation.override(authorisation.language):
        title = _("Remote technical assistance authorisation")
        pdf = _CopyPDF(format="A4")
        pdf.set_compression(bool(conf.PDF_COMPRESS))
        pdf.set_title(title)
        pdf.set_author(authorisation.operator_name)
        pdf.set_creator("Sportello")
        pdf.set_subject(
            _("Clauses version %(number)d (%(language)s), SHA-256 %(hash)s")
            % {
                "number": version.number,
                "language": version.language,
                "hash": authorisation.consent_sha256,
            }
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
            pdf.set_font(FONT, style=style, size=size)
            pdf.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

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
            pdf.set_font(FONT, style="B", size=10.5)
            pdf.cell(62, 6, f"{label}:")
            pdf.set_font(FONT, size=10.5)
            pdf.multi_cell(0, 6, str(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
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
