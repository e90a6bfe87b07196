"""accounts.services: who logs in, who may register, and what they are sent."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from accounts.services import (
    RegistrationError,
    find_login_user,
    find_member_customer,
    register_customer_user,
    verify_email,
)
from tests.conftest import DEMO_PASSWORD
from tests.factories import CustomerFactory, UserFactory


def register(customer, email="new.user@example.com", language="en", **extra):
    return register_customer_user(
        customer=customer,
        email=email,
        password="correct-horse-battery",
        first_name="New",
        last_name="User",
        request_base_url="https://portal.example/",
        language=language,
        **extra,
    )


def link_parts(message) -> tuple[str, str]:
    match = re.search(r"/verify/([^/\s]+)/([^/\s]+)/", message.body)
    assert match, message.body
    return match.group(1), match.group(2)


# Logging in ------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "024200",
        " 024200 ",
        "amministrazione@microbit.example",
        "AMMINISTRAZIONE@MICROBIT.EXAMPLE",
    ],
)
def test_login_accepts_the_code_or_the_email(client, demo, typed):
    response = client.post(
        reverse("accounts:login"), {"username": typed, "password": DEMO_PASSWORD}
    )

    assert response.status_code == 302
    assert "Microbit Srl" in client.get(response["Location"]).content.decode()


def test_an_email_shared_by_two_users_logs_in_neither(client, db):
    UserFactory(username="first", email="shared@example.com")
    UserFactory(username="second", email="shared@example.com")

    by_email = client.post(
        reverse("accounts:login"),
        {"username": "shared@example.com", "password": DEMO_PASSWORD},
    )
    by_username = client.post(
        reverse("accounts:login"), {"username": "second", "password": DEMO_PASSWORD}
    )

    assert find_login_user("shared@example.com") is None
    assert by_email.status_code == 200
    assert by_username.status_code == 302


def test_failed_logins_are_recorded_once_per_account(client, demo):
    for spelling in ["024200", "Amministrazione@Microbit.example"]:
        client.post(
            reverse("accounts:login"), {"username": spelling, "password": "wrong"}
        )

    attempts = AccessAttempt.objects.all()

    assert [(a.username, a.failures_since_start) for a in attempts] == [("024200", 2)]


def test_admin_login_counts_spellings_together_with_the_axes_callable(
    client, demo, settings
):
    # The portal's login form already counts per account; Wagtail admin's login
    # form does too once settings name accounts.backends.axes_username.
    settings.AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"
    spellings = ["admin", "ADMIN", "Admin", "admin@sportello.example", "aDmIn"]
    for spelling in spellings[: settings.AXES_FAILURE_LIMIT]:
        client.post(
            reverse("wagtailadmin_login"), {"username": spelling, "password": "x"}
        )

    response = client.post(
        reverse("wagtailadmin_login"),
        {"username": "ADMIN@sportello.example", "password": DEMO_PASSWORD},
    )

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


# Registering -----------------------------------------------------------------


def test_find_member_customer_needs_both_codes(demo):
    assert find_member_customer(" 024200 ", "112195 ").name == "Microbit Srl"
    for codes in [("024200", "220731"), ("031337", "112195"), ("999999", "")]:
        with pytest.raises(RegistrationError):
            find_member_customer(*codes)


def test_an_inactive_customer_cannot_take_new_users(db):
    CustomerFactory(code="777777", installation_code="123456", is_active=False)

    with pytest.raises(RegistrationError):
        find_member_customer("777777", "123456")


def test_first_user_gets_the_code_later_users_the_email(
    db, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(code="777777")

    with django_capture_on_commit_callbacks(execute=True):
        first = register(customer, email="first@example.com")
        second = register(customer, email="Second.User@Example.COM")

    assert (first.username, first.is_active) == ("777777", False)
    assert (second.username, second.is_active) == ("second.user@example.com", False)
    assert second.email == "Second.User@example.com"
    assert [m.to for m in mail.outbox] == [["first@example.com"], [second.email]]


def test_the_link_is_in_the_language_asked_for(db, django_capture_on_commit_callbacks):
    customer = CustomerFactory()

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        register(customer, language="fi")

    (message,) = mail.outbox
    assert "https://portal.example/fi/accounts/verify/" in message.body


def test_no_mail_when_the_registration_is_rolled_back(
    db, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            register(customer)
            raise RuntimeError

    assert callbacks == []
    assert mail.outbox == []
    assert not User.objects.filter(email="new.user@example.com").exists()


# Verifying -------------------------------------------------------------------


def test_verify_email_activates_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = register(CustomerFactory())
    uid, token = link_parts(mail.outbox[0])

    assert verify_email(uid, token) == user
    user.refresh_from_db()
    assert user.is_active
    assert user.email_verified_at is not None
    assert verify_email(uid, token) is None


def test_a_link_stops_working_when_the_email_changes(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = register(CustomerFactory())
    uid, token = link_parts(mail.outbox[0])
    User.objects.filter(pk=user.pk).update(email="someone.else@example.com")

    assert verify_email(uid, token) is None
    assert not User.objects.get(pk=user.pk).is_active


def test_a_password_reset_token_does_not_verify(db):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = UserFactory(is_active=False)
    uid = urlsafe_base64_encode(force_bytes(user.pk))

    assert verify_email(uid, default_token_generator.make_token(user)) is None
    assert not User.objects.get(pk=user.pk).is_active
