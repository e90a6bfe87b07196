"""Account mail (verification and reset links) goes through the mailer's outbox:
an SMTP outage delays it, never loses it, and never answers 500. An account
waiting for confirmation can ask for a new link."""

import email
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from accounts import conf
from accounts.models import User
from mailer.models import OutboundEmail

NEW_PASSWORD = "correct-horse-battery"
NEW_EMAIL = "paola.gialli@microbit.example"


def url_in(name: str, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name)


def registration(**overrides) -> dict:
    data = {
        "customer_code": "024200",
        "installation_code": "112195",
        "first_name": "Paola",
        "last_name": "Gialli",
        "email": NEW_EMAIL,
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST a form; what the outbox delivers after the commit goes out too."""

    def send(name: str, data: dict, language: str = "en"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url_in(name, language), data)

    return send


def deliver_due_mail() -> None:
    """The worker's retry, once the backoff has passed."""
    OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED).update(
        next_attempt_at=timezone.now()
    )
    call_command("send_queued_mail", stdout=io.StringIO())


def body_of(envelope) -> str:
    message = email.message_from_bytes(envelope.content)
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def link_in(text: str) -> str:
    match = re.search(r"http://testserver(/\S+/)", text)
    assert match, text
    return match.group(1)


def test_registration_during_an_smtp_outage_queues_the_link_until_delivered(
    client, demo, post, smtp_server
):
    # Nothing listens on the SMTP port: delivery fails.
    response = post("accounts:register", registration())

    assert response.status_code == 302
    assert response["Location"] == url_in("accounts:register_done")
    user = User.objects.get(email=NEW_EMAIL)
    assert not user.is_active
    queued = OutboundEmail.objects.get(to=[NEW_EMAIL])
    assert queued.template_prefix == "accounts/email/verify_email"
    assert queued.status == OutboundEmail.Status.QUEUED
    assert queued.attempts == 1
    assert queued.last_error

    smtp_server.start()
    deliver_due_mail()

    queued.refresh_from_db()
    assert queued.status == OutboundEmail.Status.SENT
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == [NEW_EMAIL]
    confirmed = client.get(link_in(body_of(envelope)))
    assert confirmed.status_code == 302
    user.refresh_from_db()
    assert user.is_active


def test_reset_link_during_an_smtp_outage_is_delivered_later(
    client, demo, post, smtp_server
):
    address = "amministrazione@microbit.example"

    response = post("accounts:password_reset", {"email": address})

    assert response.status_code == 302
    queued = OutboundEmail.objects.get(to=[address])
    assert queued.template_prefix == "accounts/email/password_reset"
    assert queued.status == OutboundEmail.Status.QUEUED

    smtp_server.start()
    deliver_due_mail()

    [envelope] = smtp_server.messages
    reset_path = link_in(body_of(envelope))
    assert "/en/accounts/password/reset/" in reset_path
    assert client.get(reset_path).status_code == 302  # to the set-password form


def test_registering_again_before_confirming_sends_a_new_link(client, demo, post):
    post("accounts:register", registration())
    mail.outbox.clear()

    again = post("accounts:register", registration(first_name="Paolo"))

    assert again.status_code == 302
    assert again["Location"] == url_in("accounts:register_done")
    assert User.objects.filter(email=NEW_EMAIL).count() == 1
    [message] = mail.outbox
    assert message.to == [NEW_EMAIL]
    assert "/accounts/verify/" in message.body


@pytest.mark.parametrize("language", ["it", "fi", "en"])
def test_an_account_waiting_for_confirmation_can_ask_for_a_new_link(
    client, demo, post, language
):
    post("accounts:register", registration())
    mail.outbox.clear()

    response = post(
        "accounts:resend_verification", {"email": NEW_EMAIL.upper()}, language
    )

    assert response.status_code == 302
    assert response["Location"] == url_in("accounts:resend_verification_done", language)
    [message] = mail.outbox
    assert message.to == [NEW_EMAIL]
    link = link_in(message.body)
    assert link.startswith(f"/{language}/accounts/verify/")
    assert client.get(link).status_code == 302
    assert (
        client.post(
            url_in("accounts:login"), {"username": NEW_EMAIL, "password": NEW_PASSWORD}
        ).status_code
        == 302
    )


@pytest.mark.parametrize(
    "address",
    ["nobody@example.com", "amministrazione@microbit.example"],
    ids=["unknown", "already-active"],
)
def test_asking_for_a_new_link_answers_the_same_whatever_the_address(
    client, demo, post, address
):
    post("accounts:register", registration())
    mail.outbox.clear()
    waiting = post("accounts:resend_verification", {"email": NEW_EMAIL})
    mail.outbox.clear()

    response = post("accounts:resend_verification", {"email": address})

    assert response.status_code == waiting.status_code == 302
    assert response["Location"] == waiting["Location"]
    assert mail.outbox == []
    page = client.get(response["Location"]).content.decode()
    assert "we have sent it a new link" in page


def test_new_link_form_rejects_a_bad_address_and_keeps_it(client, db):
    response = client.post(url_in("accounts:resend_verification"), {"email": "nope"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert 'value="nope"' in page


def test_new_link_requests_are_throttled_per_address(client, demo, post):
    limit, _window = conf.RESEND_RATE
    for _attempt in range(limit):
        post("accounts:resend_verification", {"email": "nobody@example.com"})

    response = post("accounts:resend_verification", {"email": NEW_EMAIL})

    assert response.status_code == 429
    assert response.has_header("Retry-After")


def test_unconfirmed_account_asking_for_a_reset_gets_a_confirmation_link(
    client, demo, post
):
    post("accounts:register", registration())
    mail.outbox.clear()

    post("accounts:password_reset", {"email": NEW_EMAIL})

    [message] = mail.outbox
    assert "/accounts/verify/" in message.body


def test_login_and_registration_pages_offer_a_new_link(client, demo, post):
    new_link = url_in("accounts:resend_verification", "it")

    login = client.get(url_in("accounts:login", "it")).content.decode()
    done = client.get(url_in("accounts:register_done", "it")).content.decode()
    form = client.get(new_link)

    assert f'href="{new_link}"' in login
    assert f'href="{new_link}"' in done
    assert form.status_code == 200
    assert 'name="email"' in form.content.decode()


def test_staff_deactivated_account_gets_no_new_link(client, demo, post):
    User.objects.filter(username="024200").update(
        is_active=False, last_login=timezone.now()
    )

    post("accounts:resend_verification", {"email": "amministrazione@microbit.example"})

    assert mail.outbox == []
    assert not User.objects.get(username="024200").is_active
