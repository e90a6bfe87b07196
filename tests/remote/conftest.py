"""Fixtures for the remote assistance tests: the demo companies, partners and
logins with the demo clauses and tools (no demo cases), helpers to open a case,
fill in the authorisation form and open a session with its code."""

import io
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from cases.services import CaseDraft, submit_case
from remote.models import Authorisation, ConsentVersion
from tests.factories import demo_world

CODE_RE = re.compile(r"data-session-code>\s*([0-9]{3} [0-9]{3} [0-9]{3})\s*<")


def url(name: str, *args, language: str = "en", **kwargs) -> str:
    with translation.override(language):
        return reverse(name, args=args or None, kwargs=kwargs or None)


@pytest.fixture
def world(db):
    return demo_world("remote.demo", first_name="Carla", last_name="Colleghi")


@pytest.fixture
def make_case(world):
    """Open a case through the cases service, without mail."""

    def make(user=None, **overrides):
        user = user or world.microbit
        values = {
            "customer": user.customer,
            "reporter": user,
            "product_line": world.accounting,
            "area": world.vat,
            "urgency": "normal",
            "subject": "Stampa registro IVA bloccata",
            "request": "Errore 4711 durante la stampa.",
            "notify_email": user.email,
            "dealer": user.customer.reference_partner,
            "language": "en",
        }
        values.update(overrides)
        return submit_case(CaseDraft(**values), (), notify=False)

    return make


def current_version(language: str = "en") -> ConsentVersion:
    return ConsentVersion.objects.current(language)


@pytest.fixture
def form_data(world):
    """A complete authorisation form for the current English clauses."""

    def build(clauses=(1, 2, 3, 4, 5, 6), language="en", **overrides):
        data = {
            "company_name": "Microbit Srl",
            "operator_name": "Mario Bianchi",
            "email": "mario.bianchi@microbit.example",
            "customer_code": "024200",
            "installation_code": "112195",
            "consent_version": str(current_version(language).pk),
        }
        data.update({f"clause_{number}": "on" for number in clauses})
        data.update(overrides)
        return {key: value for key, value in data.items() if value is not None}

    return build


def pdf_text(content: bytes) -> str:
    """The text of a PDF as a reader extracts it, whitespace collapsed (lines
    wrap where the page ends)."""
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split())


def code_on(response) -> str:
    """The session code shown (once) on the customer's session page."""
    match = CODE_RE.search(response.content.decode())
    assert match, "no session code on the page"
    return match.group(1)


@pytest.fixture
def authorise(client, form_data):
    """Authorise as ``user`` (None: anonymous) through the form; return the
    authorisation, the session page address and the code shown on it."""

    def run(user=None, the_client=None, language="en", **overrides):
        browser = the_client or client
        if user is not None:
            browser.force_login(user)
        response = browser.post(
            url("remote:authorise", language=language),
            form_data(language=language, **overrides),
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        page = browser.get(response["Location"])
        assert page.status_code == 200
        return SimpleNamespace(
            authorisation=Authorisation.objects.order_by("-pk").first(),
            page_url=response["Location"],
            code=code_on(page),
            client=browser,
        )

    return run


@pytest.fixture
def opened(authorise, world, client_factory):
    """A Microbit authorisation whose session the reference partner opened."""
    done = authorise(world.microbit)
    partner_client = client_factory(world.partner)
    response = partner_client.post(url("remote:desk"), {"code": done.code})
    assert response.status_code == 302, response.content.decode()[:2000]
    done.session = done.authorisation.session
    done.partner_client = partner_client
    done.desk_url = response["Location"]
    return done


@pytest.fixture
def client_factory(db):
    """Fresh test clients, one per person, optionally logged in."""
    from django.test import Client

    def make(user=None):
        fresh = Client()
        if user is not None:
            fresh.force_login(user)
        return fresh

    return make
