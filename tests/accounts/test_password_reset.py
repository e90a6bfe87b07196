"""Password reset by e-mail, without revealing which addresses have accounts."""

import re

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation

from accounts import conf
from accounts.models import User
from tests.conftest import DEMO_PASSWORD

NEW_PASSWORD = "a-fresh-passphrase-42"
CUSTOMER_EMAIL = "amministrazione@microbit.example"


def url_in(name: str, language: str = "en", **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def reset_link(message, language: str) -> str:
    pattern = (
        rf"http://testserver(/{language}/accounts/password/reset/[^/\s]+/[^/\s]+/)"
    )
    match = re.search(pattern, message.body)
    assert match, message.body
    return match.group(1)


def translated(text: str, language: str) -> str:
    """``text`` as the page shows it in ``language`` (once catalogues exist)."""
    with translation.override(language):
        return translation.gettext(text)


def request_reset(client, email: str, language: str = "en"):
    """POST the reset form; the outbox delivers its mail when the test's
    transaction would commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            url_in("accounts:password_reset", language), {"email": email}
        )


def log_in(client, username: str, password: str):
    return client.post(
        url_in("accounts:login"), {"username": username, "password": password}
    )


def test_reset_page_shows_the_form(client, db):
    html = client.get(url_in("accounts:password_reset", "fi")).content.decode()

    assert 'name="email"' in html
    assert "csrfmiddlewaretoken" in html


@pytest.mark.parametrize("language", ["it", "fi", "en"])
def test_known_email_gets_a_link_in_the_page_language(client, demo, language):
    response = request_reset(client, CUSTOMER_EMAIL, language)

    assert response.status_code == 302
    assert response["Location"] == url_in("accounts:password_reset_done", language)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [CUSTOMER_EMAIL]
    assert reset_link(message, language)
    html_body, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert reset_link(message, language) in html_body


def test_email_case_does_not_matter(client, demo):
    request_reset(client, "Amministrazione@MICROBIT.example")

    assert [m.to for m in mail.outbox] == [[CUSTOMER_EMAIL]]


def test_following_the_link_sets_a_new_password(client, demo):
    request_reset(client, CUSTOMER_EMAIL, "it")
    link = reset_link(mail.outbox[0], "it")

    # Django swaps the token for a session marker and redirects.
    response = client.get(link)
    assert response.status_code == 302
    set_password_url = response["Location"]
    assert set_password_url.endswith("/set-password/")
    form_page = client.get(set_password_url)
    assert 'name="new_password1"' in form_page.content.decode()

    done = client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done.status_code == 302
    assert done["Location"] == url_in("accounts:password_reset_complete", "it")
    complete_page = client.get(done["Location"]).content.decode()
    assert translated("Your new password is set.", "it") in complete_page
    assert log_in(client, "024200", DEMO_PASSWORD).status_code == 200
    assert log_in(client, "024200", NEW_PASSWORD).status_code == 302


def test_a_used_link_no_longer_works(client, demo):
    request_reset(client, CUSTOMER_EMAIL)
    link = reset_link(mail.outbox[0], "en")
    set_password_url = client.get(link)["Location"]
    client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    response = client.get(link)

    assert response.status_code == 200
    assert "The link is invalid or has already been used" in response.content.decode()


def test_mismatched_new_passwords_change_nothing(client, demo):
    request_reset(client, CUSTOMER_EMAIL)
    set_password_url = client.get(reset_link(mail.outbox[0], "en"))["Location"]

    response = client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": "something-else-99"},
    )

    assert response.status_code == 200
    assert "The two password fields didn’t match." in response.content.decode()
    assert User.objects.get(username="024200").check_password(DEMO_PASSWORD)


def test_unknown_email_gets_the_same_page_and_no_mail(client, demo):
    known = request_reset(client, CUSTOMER_EMAIL)
    mail.outbox.clear()

    unknown = request_reset(client, "nobody@example.com")

    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    page = client.get(unknown["Location"]).content.decode()
    assert "If an account uses that address" in page
    assert mail.outbox == []


def test_deactivated_user_gets_no_reset_mail(client, demo):
    # Switched off by staff after using the portal: neither a reset nor a
    # confirmation link (which would switch it back on).
    User.objects.filter(username="024200").update(
        is_active=False, last_login=timezone.now()
    )

    response = request_reset(client, CUSTOMER_EMAIL)

    assert response.status_code == 302
    assert mail.outbox == []


def test_reset_requests_are_throttled_per_address(client, demo):
    limit, _window = conf.RESET_RATE
    for _attempt in range(limit):
        request_reset(client, "nobody@example.com")

    response = request_reset(client, CUSTOMER_EMAIL)

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert mail.outbox == []
