"""The authorisation form's services called directly (issue 14, point 6): what
the view hands them (the user, a real session, the posted data, where the
request came from, the language) and the outcome they return."""

from importlib import import_module

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.http import QueryDict

from remote.models import Authorisation, ConsentVersion
from remote.services import (
    RequestInfo,
    customer_token,
    format_code,
    pop_code,
    prepare_authorisation_form,
    publish_consent_text,
    session_tokens,
    submit_authorisation_form,
)

from .conftest import current_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    """A real session of the configured engine, as the middleware gives it."""
    return import_module(django_settings.SESSION_ENGINE).SessionStore()


def submit(user, session, values: dict, *, ip="192.0.2.10", language="en"):
    data = QueryDict(mutable=True)
    for key, value in values.items():
        data[key] = value
    info = RequestInfo(
        user=user, ip_address=ip, user_agent="Test browser", language=language
    )
    return submit_authorisation_form(user, session, data, info, language=language)


def test_a_customer_gets_the_form_prefilled_with_an_open_case(world, make_case):
    case = make_case()

    outcome = prepare_authorisation_form(
        world.microbit, language="en", case_number=case.number
    )

    assert outcome.status == 200 and outcome.issued is None
    assert outcome.version == current_version("en")
    assert outcome.is_customer
    initial = outcome.form.initial
    assert initial["company_name"] == world.microbit.customer.name
    assert initial["email"] == world.microbit.email
    assert initial["case"] == case.number
    assert isinstance(outcome.suggested_articles, list)


def test_another_companys_case_is_not_offered(world, make_case):
    theirs = make_case(world.rossi)

    outcome = prepare_authorisation_form(
        world.microbit, language="en", case_number=theirs.number
    )

    assert "case" not in outcome.form.initial


def test_an_anonymous_visitor_gets_an_empty_form(world):
    outcome = prepare_authorisation_form(AnonymousUser(), language="en")

    assert outcome.status == 200
    assert outcome.form.initial == {}
    assert not outcome.is_customer
    assert "case" not in outcome.form.fields


def test_without_clauses_in_force_there_is_no_form(world, session, form_data):
    data = form_data()
    for version in ConsentVersion.objects.select_related("consent_text"):
        if version.consent_text.live:
            version.consent_text.unpublish()

    assert prepare_authorisation_form(world.microbit, language="en").status == 503
    assert submit(world.microbit, session, data).status == 503
    assert not Authorisation.objects.exists()


def test_six_ticks_record_the_authorisation_and_the_browser_follows_it(
    world, session, form_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = submit(world.microbit, session, form_data())

    authorisation = Authorisation.objects.get()
    assert outcome.issued.authorisation == authorisation
    assert authorisation.user == world.microbit
    assert authorisation.ip_address == "192.0.2.10"
    assert authorisation.user_agent == "Test browser"
    assert authorisation.language == "en"
    assert outcome.token == customer_token(outcome.issued.session)
    # The session remembers the token, and the code until its page shows it.
    assert session_tokens(session) == [outcome.token]
    assert pop_code(session, outcome.issued.session) == format_code(outcome.issued.code)
    assert pop_code(session, outcome.issued.session) == ""
    assert any(authorisation.email in message.to for message in mail.outbox)


def test_missing_ticks_come_back_400_with_what_was_typed(world, session, form_data):
    outcome = submit(world.microbit, session, form_data(clauses=(1, 2, 3)))

    assert outcome.status == 400 and outcome.issued is None
    assert "clause_4" in outcome.form.errors
    assert outcome.form.data["operator_name"] == "Mario Bianchi"
    assert not Authorisation.objects.exists()
    assert session_tokens(session) == []


def test_a_version_published_meanwhile_comes_back_409_with_the_new_text(
    world, session, form_data
):
    data = form_data()
    old = current_version("en")
    new = publish_consent_text(
        "en", old.intro, old.clauses[:5] + ["Pay the fee at the 2026 rates."]
    )

    outcome = submit(world.microbit, session, data)

    assert outcome.status == 409
    assert "changed while you were reading it" in outcome.notice
    assert outcome.version == new and outcome.form.version == new
    # What was typed is kept; the ticks must be given again.
    assert outcome.form.initial["operator_name"] == "Mario Bianchi"
    assert not outcome.form.is_bound
    assert not Authorisation.objects.exists()


def test_a_tampered_version_comes_back_400(world, session, form_data):
    outcome = submit(world.microbit, session, form_data(consent_version="999999"))

    assert outcome.status == 400
    assert outcome.form.tampered
    assert not Authorisation.objects.exists()


def test_authorisations_are_limited_per_address(world, session, form_data, settings):
    settings.REMOTE_AUTHORISE_RATE = (1, 3600)
    assert submit(AnonymousUser(), session, form_data()).issued is not None

    refused = submit(AnonymousUser(), session, form_data())
    elsewhere = submit(AnonymousUser(), session, form_data(), ip="198.51.100.7")

    assert refused.status == 429 and refused.issued is None
    assert elsewhere.issued is not None
    assert Authorisation.objects.count() == 2
