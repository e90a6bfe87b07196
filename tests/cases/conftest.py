"""Fixtures for the cases tests: the demo companies and logins (without the demo
cases), files of every kind, and helpers to open cases and post forms."""

import io
import struct
import zipfile

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from cases.services import CaseDraft, submit_case
from taxonomy.models import Area
from tests.factories import demo_world

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
LOG = (
    b"2026-03-02 10:14:03 ERRORE 4711 Protocollo duplicato\r\n"
    b"2026-03-02 10:14:05 Stack: REGIVA.PRG riga 118\r\n"
)


def zip_bytes(entries: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def encrypted_zip_bytes() -> bytes:
    """A zip whose entry has the 'encrypted' flag (Python cannot write real
    ZipCrypto, but the flag is what the check reads)."""
    data = bytearray(
        zip_bytes({"secret.txt": b"hidden"}, compression=zipfile.ZIP_STORED)
    )
    # Set bit 0 of the general-purpose flags in the local and central headers.
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    for offset, flag_at in ((local, 6), (central, 8)):
        (flags,) = struct.unpack_from("<H", data, offset + flag_at)
        struct.pack_into("<H", data, offset + flag_at, flags | 0x1)
    return bytes(data)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def world(db):
    """The demo companies, partners and logins (no demo cases)."""
    return demo_world()


@pytest.fixture
def make_case(world):
    """Open a case through the service, as the form would, without mail."""

    def make(user=None, **overrides):
        user = user or world.microbit
        line = overrides.pop("product_line", world.accounting)
        area = overrides.pop("area", Area.objects.filter(product_line=line).first())
        files = overrides.pop("files", ())
        values = {
            "customer": user.customer,
            "reporter": user,
            "product_line": line,
            "area": area,
            "urgency": "normal",
            "subject": "Stampa registro IVA bloccata",
            "request": "Errore 4711 durante la stampa.",
            "notify_email": user.email,
            "dealer": user.customer.reference_partner,
            "language": "en",
        }
        values.update(overrides)
        return submit_case(CaseDraft(**values), files, notify=False)

    return make


def url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name, args=args)


@pytest.fixture
def form_data(world):
    """A valid new-case form submission for Microbit."""

    def build(**overrides):
        data = {
            "notify_email": "amministrazione@microbit.example",
            "notify_mobile": "",
            "auto_notify": "on",
            "dealer": str(world.nordest.pk),
            "product_line": "accounting",
            "area": str(world.vat.pk),
            "urgency": "high",
            "subject": "Registro IVA: protocollo duplicato",
            "request": "La stampa del registro IVA si interrompe con l'errore 4711.",
            "upload_token": "",
        }
        data.update(overrides)
        return {key: value for key, value in data.items() if value is not None}

    return build


#: For the tests of how cases and the deflection step work together: skipped
#: where the site has no deflection (portal.settings.test_cases_alone).
with_deflection = pytest.mark.skipif(
    not apps.is_installed("deflection"), reason="deflection is not installed"
)


def past_first_step(client) -> None:
    """ "New case" starts with the deflection step (CASES_FIRST_STEP); tests of
    the form itself go past it as "I still need help" does."""
    session = client.session
    session["cases_new_prefill"] = {"step_done": True}
    session.save()
