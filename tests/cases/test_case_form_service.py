"""The case form's services called directly (issue 14, point 6): what the view
hands them (the user, a real session, the posted data and files, the action,
the upload token, the ids to remove) and the outcome they return."""

from importlib import import_module

import pytest
from django.conf import settings as django_settings
from django.http import QueryDict
from django.utils import translation
from django.utils.datastructures import MultiValueDict

from cases.models import Case, PendingUpload
from cases.services import (
    CHECK_LOG,
    case_form_prefill,
    hand_over_to_case_form,
    owns_upload_token,
    prepare_case_form,
    submit_case_form,
)
from cases.signals import case_submitted

from .conftest import EXE, LOG, PDF, upload, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    """A real session of the configured engine, as the middleware gives it."""
    return import_module(django_settings.SESSION_ENGINE).SessionStore()


@pytest.fixture
def announced():
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    case_submitted.connect(listener, dispatch_uid="test-form-service")
    yield heard
    case_submitted.disconnect(dispatch_uid="test-form-service")


def posted(values: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in values.items():
        data[key] = value
    return data


def chosen(**files) -> MultiValueDict:
    return MultiValueDict(
        {
            name: value if isinstance(value, list) else [value]
            for name, value in files.items()
        }
    )


def submit(user, session, data, files=None, **options):
    options.setdefault("language", "en")
    with translation.override("en"):
        return submit_case_form(
            user, session, posted(data), files or MultiValueDict(), **options
        )


# Opening the form -----------------------------------------------------------------


def test_the_first_step_comes_first_with_the_query_string(world, session, settings):
    settings.CASES_FIRST_STEP = "cases:list"

    with translation.override("en"):
        outcome = prepare_case_form(
            world.microbit, session, QueryDict("product_line=accounting&subject=IVA")
        )

    assert (
        outcome.first_step == url("cases:list") + "?product_line=accounting&subject=IVA"
    )
    assert outcome.form is None


def test_once_the_step_handed_over_the_form_opens_with_its_values(
    world, session, form_data, settings
):
    settings.CASES_FIRST_STEP = "cases:list"
    # A log kept from an earlier try, as the step keeps the one it was given.
    earlier = submit(
        world.microbit,
        session,
        form_data(subject=""),
        chosen(error_log=upload("SISERR.LOG", LOG)),
    )
    hand_over_to_case_form(
        session,
        product_line="accounting",
        area="vat",
        subject="Registro IVA bloccato",
        request="Errore 4711",
        upload_token=earlier.token,
    )

    with translation.override("en"):
        # The query string still wins over what the step handed over.
        outcome = prepare_case_form(world.microbit, session, QueryDict("subject=Altro"))

    assert outcome.first_step == ""
    assert outcome.status == 200
    initial = outcome.form.initial
    assert initial["product_line"] == "accounting"
    assert initial["area"] == str(world.vat.pk)
    assert initial["subject"] == "Altro"
    assert initial["request"] == "Errore 4711"
    assert initial["notify_email"] == world.microbit.email
    assert initial["dealer"] == world.nordest.pk
    assert outcome.token == earlier.token
    assert [p.name for p in outcome.kept] == ["SISERR.LOG"]


def test_a_token_the_session_was_not_given_keeps_nothing(
    world, session, form_data, settings
):
    settings.CASES_FIRST_STEP = ""
    elsewhere = submit(
        world.microbit,
        import_module(django_settings.SESSION_ENGINE).SessionStore(),
        form_data(subject=""),
        chosen(attachments=upload("report.pdf", PDF)),
    )
    hand_over_to_case_form(session, upload_token=elsewhere.token)

    with translation.override("en"):
        outcome = prepare_case_form(world.microbit, session, QueryDict())

    assert outcome.token == "" and outcome.kept == []


# Submitting -----------------------------------------------------------------------


def test_a_valid_form_becomes_a_case_announced_with_the_session(
    world, session, form_data, announced, django_capture_on_commit_callbacks
):
    hand_over_to_case_form(session, subject="from the step")

    with django_capture_on_commit_callbacks(execute=True):
        outcome = submit(
            world.microbit,
            session,
            form_data(),
            chosen(attachments=[upload("report.pdf", PDF)]),
            language="it",
        )

    case = Case.objects.get()
    assert outcome.case == case
    assert case.subject == "Registro IVA: protocollo duplicato"
    assert case.language == "it"
    assert case.reporter == world.microbit
    assert [a.name for a in case.attachments.all()] == ["report.pdf"]
    assert [heard["case"] for heard in announced] == [case]
    assert announced[0]["session"] is session
    # Nothing is left to hand over for the next case.
    assert case_form_prefill(session) == {}


def test_an_invalid_form_comes_back_400_with_its_valid_files_kept(
    world, session, form_data
):
    outcome = submit(
        world.microbit,
        session,
        form_data(subject=""),
        chosen(
            attachments=[upload("report.pdf", PDF), upload("virus.pdf", EXE)],
        ),
    )

    assert outcome.status == 400 and outcome.case is None
    assert not Case.objects.exists()
    assert "subject" in outcome.form.errors
    assert "attachments" in outcome.form.errors  # the executable is refused
    # The valid file waits for the next try under a token this session owns.
    assert [p.name for p in outcome.kept] == ["report.pdf"]
    assert owns_upload_token(session, outcome.token)

    again = submit(
        world.microbit,
        session,
        form_data(upload_token=outcome.token),
        token=outcome.token,
    )

    case = again.case
    assert case is not None
    assert [a.name for a in case.attachments.all()] == ["report.pdf"]
    assert not PendingUpload.objects.exists()
    assert not owns_upload_token(session, outcome.token)


def test_kept_files_ticked_for_removal_are_dropped(world, session, form_data):
    first = submit(
        world.microbit,
        session,
        form_data(subject=""),
        chosen(attachments=[upload("a.pdf", PDF), upload("b.pdf", PDF)]),
    )
    doomed = next(p for p in first.kept if p.name == "a.pdf")

    second = submit(
        world.microbit,
        session,
        form_data(subject=""),
        token=first.token,
        remove=[doomed.pk],
    )

    assert second.status == 400
    assert [p.name for p in second.kept] == ["b.pdf"]
    assert second.token == first.token


def test_another_sessions_token_is_ignored(world, session, form_data):
    elsewhere = submit(
        world.microbit,
        import_module(django_settings.SESSION_ENGINE).SessionStore(),
        form_data(subject=""),
        chosen(attachments=upload("report.pdf", PDF)),
    )

    outcome = submit(world.microbit, session, form_data(), token=elsewhere.token)

    assert outcome.case is not None
    assert not outcome.case.attachments.exists()
    assert PendingUpload.objects.filter(token=elsewhere.token).exists()


def test_over_the_limit_the_form_comes_back_429_with_its_files(
    world, session, form_data, settings
):
    settings.CASES_CREATE_RATE = (1, 3600)
    # A form to correct does not count against the limit.
    assert submit(world.microbit, session, form_data(subject="")).status == 400
    assert submit(world.microbit, session, form_data()).case is not None

    outcome = submit(
        world.microbit, session, form_data(), chosen(attachments=upload("r.pdf", PDF))
    )

    assert outcome.status == 429 and outcome.case is None
    assert outcome.wait > 0
    assert Case.objects.count() == 1
    assert "Too many attempts" in " ".join(outcome.form.non_field_errors())
    assert outcome.form.data["subject"] == "Registro IVA: protocollo duplicato"
    assert [p.name for p in outcome.kept] == ["r.pdf"]
    assert owns_upload_token(session, outcome.token)


# Checking the error log -----------------------------------------------------------


def test_check_log_names_the_log_to_check_and_sends_nothing(
    world, session, form_data, settings
):
    settings.CASES_LOG_CHECK = "somewhere.check_log"  # set: the button is there

    outcome = submit(
        world.microbit,
        session,
        form_data(subject="", request=""),
        chosen(error_log=upload("SISERR.LOG", LOG)),
        action=CHECK_LOG,
    )

    assert outcome.status == 200 and outcome.case is None
    assert not Case.objects.exists()
    # The unfinished request is no error: nothing was meant to be sent.
    assert not outcome.form.errors
    assert outcome.log_check is None
    assert outcome.log_to_check.upload.name == "SISERR.LOG"
    assert outcome.log_to_check.upload in outcome.kept
    assert outcome.log_to_check.product_line == "accounting"


def test_check_log_without_a_log_says_it_is_missing(
    world, session, form_data, settings
):
    settings.CASES_LOG_CHECK = "somewhere.check_log"

    outcome = submit(world.microbit, session, form_data(), action=CHECK_LOG)

    assert outcome.status == 200 and outcome.case is None
    assert outcome.log_check == {"missing": True}
    assert outcome.log_to_check is None
    assert not Case.objects.exists()


def test_without_a_log_check_the_action_sends_the_case(
    world, session, form_data, settings
):
    settings.CASES_LOG_CHECK = ""

    outcome = submit(world.microbit, session, form_data(), action=CHECK_LOG)

    assert outcome.case is not None


def test_log_checks_have_their_own_limit(world, session, form_data, settings):
    settings.CASES_LOG_CHECK = "somewhere.check_log"
    settings.CASES_CREATE_RATE = (1, 3600)
    log = upload("SISERR.LOG", LOG)
    submit(
        world.microbit, session, form_data(), chosen(error_log=log), action=CHECK_LOG
    )

    refused = submit(world.microbit, session, form_data(), action=CHECK_LOG)
    sent = submit(world.microbit, session, form_data())

    assert refused.status == 429 and refused.log_to_check is None
    assert sent.case is not None
