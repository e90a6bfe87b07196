"""The first step's services called directly (issue 14, point 6): what the view
hands them (the user, a real session, the posted data and files, the action,
the language) and the outcome they return."""

from importlib import import_module

import pytest
from django.conf import settings as django_settings
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from cases.models import PendingUpload
from cases.services import case_form_prefill, owns_upload_token
from deflection.forms import Action
from deflection.models import DeflectionEvent, EventKind
from deflection.services import (
    SESSION_FLOW,
    load_flow,
    prepare_describe_step,
    submit_describe_step,
)

from .conftest import DEMO_LOG, upload

pytestmark = pytest.mark.django_db

DESCRIPTION = "The archive is locked by another user when I open the company"
ARTICLE = "Error SIS-1042: company archive locked by another user"


@pytest.fixture
def customer(indexed_demo):
    from accounts.models import User

    return User.objects.get(username="024200")


@pytest.fixture
def session():
    """A real session of the configured engine, as the middleware gives it."""
    return import_module(django_settings.SESSION_ENGINE).SessionStore()


def submit(user, session, action=Action.SUGGEST, files=None, **fields):
    data = QueryDict(mutable=True)
    data.update({"product_line": "accounting", "description": DESCRIPTION})
    for key, value in fields.items():
        data[key] = value
    return submit_describe_step(
        user,
        session,
        data,
        files or MultiValueDict(),
        action=action,
        language="en",
    )


def kinds() -> list[str]:
    return list(DeflectionEvent.objects.order_by("pk").values_list("kind", flat=True))


def test_a_new_visit_opens_the_step_from_the_help_menu_query(customer, session):
    outcome = prepare_describe_step(
        customer,
        session,
        QueryDict("product_line=accounting&area=vat&subject=Archivio+bloccato"),
        language="en",
    )

    assert outcome.status == 200 and outcome.done == ""
    assert outcome.form.initial == {
        "product_line": "accounting",
        "area": "vat",
        "description": "Archivio bloccato",
    }
    assert outcome.suggestions is None  # nothing searched yet
    assert kinds() == []


def test_a_search_goes_back_to_the_step_which_then_shows_its_suggestions(
    customer, session
):
    searched = submit(customer, session)

    assert searched.done == Action.SUGGEST
    assert session[SESSION_FLOW]["searched"] is True
    assert session[SESSION_FLOW]["description"] == DESCRIPTION

    shown = prepare_describe_step(customer, session, QueryDict(), language="en")

    assert shown.status == 200
    assert ARTICLE in [article.title for article in shown.suggestions.articles]
    # The form is as the customer left it, and the visit remembers what it saw.
    assert shown.form.initial["description"] == DESCRIPTION
    assert ARTICLE in [item["title"] for item in load_flow(session).suggested]
    assert kinds() == [EventKind.SHOWN]


def test_an_incomplete_description_comes_back_400_and_counts_nothing(
    customer, session, settings
):
    settings.DEFLECTION_RATE = (1, 60)

    outcome = submit(customer, session, description="   ")

    assert outcome.status == 400 and outcome.done == ""
    assert "description" in outcome.form.errors
    assert SESSION_FLOW not in session
    # Not counted: the next complete description still gets through.
    assert submit(customer, session).done == Action.SUGGEST


def test_over_the_limit_the_step_comes_back_429(customer, session, settings):
    settings.DEFLECTION_RATE = (1, 60)
    assert submit(customer, session).done == Action.SUGGEST

    outcome = submit(customer, session, description="Another problem")

    assert outcome.status == 429 and outcome.done == ""
    assert "Too many attempts" in " ".join(outcome.form.non_field_errors())
    # The flow still holds the search that got through, with its suggestions.
    assert load_flow(session).description == DESCRIPTION
    assert outcome.suggestions is not None


def test_still_need_help_hands_the_description_and_log_to_the_case_form(
    customer, session
):
    outcome = submit(
        customer,
        session,
        action=Action.CONTINUE,
        files=MultiValueDict({"error_log": [upload("SISERR.LOG", DEMO_LOG)]}),
    )

    assert outcome.done == Action.CONTINUE
    prefill = case_form_prefill(session)
    assert prefill["step_done"] is True
    assert prefill["product_line"] == "accounting"
    assert prefill["request"] == DESCRIPTION
    assert prefill["subject"] == DESCRIPTION
    # The log waits for the case form under a token the session owns.
    assert owns_upload_token(session, prefill["upload_token"])
    kept = PendingUpload.objects.get(token=prefill["upload_token"])
    assert kept.name == "SISERR.LOG" and kept.user == customer
    assert load_flow(session).codes == ["SIS-1042"]
    assert kinds() == [EventKind.CONTINUED]


def test_a_refused_log_comes_back_400_with_the_suggestions(customer, session):
    outcome = submit(
        customer,
        session,
        files=MultiValueDict({"error_log": [upload("SISERR.exe", b"MZ\x90\x00")]}),
    )

    assert outcome.status == 400 and outcome.done == ""
    assert "error_log" in outcome.form.errors
    assert not PendingUpload.objects.exists()
    # The description was searched all the same.
    assert ARTICLE in [article.title for article in outcome.suggestions.articles]


def test_solved_ends_the_visit_and_drops_its_kept_log(customer, session):
    submit(
        customer,
        session,
        files=MultiValueDict({"error_log": [upload("SISERR.LOG", DEMO_LOG)]}),
    )
    token = load_flow(session).upload_token
    assert PendingUpload.objects.filter(token=token).exists()

    # "This solved my problem" needs no valid form.
    outcome = submit(customer, session, action=Action.SOLVED, description="")

    assert outcome.done == Action.SOLVED
    assert SESSION_FLOW not in session
    assert not PendingUpload.objects.filter(token=token).exists()
    assert not owns_upload_token(session, token)
    assert kinds()[-1] == EventKind.SOLVED
