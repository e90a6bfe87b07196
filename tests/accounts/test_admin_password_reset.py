"""The Wagtail admin's "forgot password" goes through the mailer's outbox like
the portal's reset: an SMTP outage delays the link, never loses it."""

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from accounts.models import User
from mailer.models import OutboundEmail

from .test_account_mail import body_of, deliver_due_mail

NEW_PASSWORD = "a-fresh-admin-passphrase-42"


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    def send(address: str, data: dict, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(address, data, **extra)

    return send


def admin_link_in(text: str) -> str:
    match = re.search(r"https?://\S+(/admin/password_reset/confirm/\S+/)", text)
    assert match, text
    return match.group(1)


def test_admin_reset_link_during_an_smtp_outage_is_delivered_later(
    client, admin_user_demo, post, smtp_server
):
    response = post(
        reverse("wagtailadmin_password_reset"), {"email": admin_user_demo.email}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_password_reset_done")
    queued = OutboundEmail.objects.get(to=[admin_user_demo.email])
    assert queued.template_prefix == "wagtailadmin/account/password_reset/email"
    assert queued.status == OutboundEmail.Status.QUEUED
    assert queued.subject

    smtp_server.start()
    deliver_due_mail()

    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == [admin_user_demo.email]
    form_page = client.get(admin_link_in(body_of(envelope)), follow=True)
    assert form_page.status_code == 200
    set_password = urlsplit(form_page.redirect_chain[-1][0]).path
    done = client.post(
        set_password, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert User.objects.get(pk=admin_user_demo.pk).check_password(NEW_PASSWORD)


def test_admin_reset_message_is_in_the_language_of_the_request(admin_user_demo, post):
    post(
        reverse("wagtailadmin_password_reset"),
        {"email": admin_user_demo.email},
        HTTP_ACCEPT_LANGUAGE="it",
    )

    queued = OutboundEmail.objects.get(to=[admin_user_demo.email])
    assert queued.language == "it"
    assert "segui il link qui sotto per reimpostare la tua password" in queued.body


def test_admin_reset_for_an_unknown_address_queues_nothing_and_answers_the_same(
    client, demo, post
):
    response = post(
        reverse("wagtailadmin_password_reset"), {"email": "nobody@example.com"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_password_reset_done")
    assert not OutboundEmail.objects.exists()
