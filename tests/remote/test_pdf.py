"""The PDF copy is a legal record: every letter typed comes out as typed, in
Polish, Finnish and Italian alike (fpdf2's core fonts turned Ł into "?")."""

import io

import pytest
from pypdf import PdfReader

from remote.pdf import render_authorisation_pdf

from .conftest import pdf_text

pytestmark = pytest.mark.django_db

NAMES = [
    ("Łukasz Żółć", "Żółć Sp. z o.o."),
    ("Sääskä Öhman", "Öljy ja Sähkö Oy"),
    ("Niccolò Perù", "Società Più Srl"),
]


@pytest.mark.parametrize(("operator", "company"), NAMES)
@pytest.mark.parametrize("compress", [True, False])
def test_names_come_out_whole(authorise, world, settings, operator, company, compress):
    settings.REMOTE_PDF_COMPRESS = compress
    record = authorise(
        world.microbit, operator_name=operator, company_name=company
    ).authorisation

    content = render_authorisation_pdf(record)

    text = pdf_text(content)
    assert operator in text
    assert company in text
    assert PdfReader(io.BytesIO(content)).metadata.author == operator


def test_the_clauses_and_labels_of_every_language_come_out_whole(authorise, world):
    record = authorise(
        world.microbit,
        language="fi",
        operator_name="Łukasz Żółć",
    ).authorisation

    text = pdf_text(render_authorisation_pdf(record))

    assert "Łukasz Żółć" in text
    assert " ".join(record.consent_version.clause_3.split()) in text
    assert record.consent_sha256 in text
