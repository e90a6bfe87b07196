"""The case form's state in the session (cases.services.session): the one
place its keys are read and written, for the case views and the step before
the form."""

from django.contrib.sessions.backends.signed_cookies import SessionStore

from cases.services import (
    case_form_prefill,
    clear_case_form_prefill,
    forget_upload_token,
    hand_over_to_case_form,
    owns_upload_token,
    remember_upload_token,
)


def test_a_session_owns_its_latest_upload_tokens_only():
    session = SessionStore()
    for number in range(7):
        remember_upload_token(session, f"t{number}")
    remember_upload_token(session, "t3")  # again: becomes the latest

    assert not owns_upload_token(session, "t0") and not owns_upload_token(session, "")
    assert all(owns_upload_token(session, f"t{n}") for n in (2, 3, 4, 5, 6))
    forget_upload_token(session, "t3")
    assert not owns_upload_token(session, "t3")
    assert owns_upload_token(session, "t6")


def test_the_step_hands_its_values_over_until_the_case_is_sent():
    session = SessionStore()
    assert case_form_prefill(session) == {}

    hand_over_to_case_form(session, product_line="payroll", subject="Cedolini")

    assert case_form_prefill(session) == {
        "step_done": True,
        "product_line": "payroll",
        "subject": "Cedolini",
    }
    clear_case_form_prefill(session)
    assert case_form_prefill(session) == {}
