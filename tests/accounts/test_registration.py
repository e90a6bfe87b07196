"""Self-registration with the customer code and the installation code, e-mail
verification, and the registration throttle."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts import conf
from accounts.models import User
from tests.conftest import DEMO_PASSWORD
from tests.factories import CustomerFactory

NEW_PASSWORD = "correct-horse-battery"
NO_MEMBERSHIP = "The customer code and installation code do not match our records."
EMAIL_IN_USE = "An account with this e-mail already exists"


def register_url(language: str = "en") -> str:
    with translation.override(language):
        return reverse("accounts:register")


def form_data(**overrides) -> dict:
    data = {
        "customer_code": "024200",
        "installation_code": "112195",
        "first_name": "Paola",
        "last_name": "Gialli",
        "email": "paola.gialli@microbit.example",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


@pytest.fixture
def register(client, django_capture_on_commit_callbacks):
    """POST the registration form; the verification mail goes out on commit."""

    def post(language: str = "en", **overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(register_url(language), form_data(**overrides))

    return post


def verification_link(message) -> str:
    match = re.search(r"https?://testserver(/\S+/verify/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def translated(text: str, language: str) -> str:
    """``text`` as the page shows it in ``language`` (once catalogues exist)."""
    with translation.override(language):
        return translation.gettext(text)


def test_register_page_shows_the_form(client, db):
    html = client.get(register_url("it")).content.decode()

    assert 'name="customer_code"' in html
    assert 'name="installation_code"' in html
    assert "csrfmiddlewaretoken" in html


def test_registration_creates_an_inactive_user_and_mails_a_link(register, client, demo):
    response = register(language="it")

    assert response.status_code == 302
    with translation.override("it"):
        assert response["Location"] == reverse("accounts:register_done")
    done_page = client.get(response["Location"]).content.decode()
    assert translated("Check your e-mail", "it") in done_page
    user = User.objects.get(email="paola.gialli@microbit.example")
    assert not user.is_active
    # Microbit has users already: the registrant asks to join (test_membership).
    assert user.customer is None
    assert user.join_request.customer.name == "Microbit Srl"
    assert (user.first_name, user.last_name) == ("Paola", "Gialli")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["paola.gialli@microbit.example"]
    assert message.subject == translated(
        "Confirm your e-mail address for Sportello", "it"
    )
    # The link is in the language of the page the user registered on.
    assert verification_link(message).startswith("/it/accounts/verify/")


def test_unverified_user_cannot_log_in(register, client, demo):
    register()

    response = client.post(
        reverse("accounts:login"),
        {"username": "paola.gialli@microbit.example", "password": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert "This account is not active yet" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_following_the_link_activates_the_account(register, client, demo):
    # A company's first user: the one who belongs to it once confirmed.
    CustomerFactory(name="Nuova Srl", code="777777", installation_code="123456")
    register(language="fi", customer_code="777777", installation_code="123456")
    link = verification_link(mail.outbox[0])

    response = client.get(link)

    assert response.status_code == 302
    with translation.override("fi"):
        assert response["Location"] == reverse("accounts:login")
    login_page = client.get(response["Location"]).content.decode()
    confirmed = translated(
        "Your e-mail address is confirmed: you can log in now.", "fi"
    )
    assert confirmed in login_page
    user = User.objects.get(email="paola.gialli@microbit.example")
    assert user.is_active
    assert user.email_verified_at is not None
    login = client.post(
        response["Location"],
        {"username": "paola.gialli@microbit.example", "password": NEW_PASSWORD},
    )
    assert login.status_code == 302
    assert "Nuova Srl" in client.get(login["Location"]).content.decode()


def test_the_link_works_only_once(register, client, demo):
    register()
    link = verification_link(mail.outbox[0])
    client.get(link)

    response = client.get(link)

    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()


@pytest.mark.parametrize(
    "link",
    ["/en/accounts/verify/bm9wZQ/abc-123/", "/en/accounts/verify/!!/abc-123/"],
)
def test_a_forged_link_is_refused(client, db, link):
    response = client.get(link)

    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()


def test_wrong_installation_code_keeps_what_was_typed(register, demo):
    response = register(installation_code="999999")

    html = response.content.decode()
    assert response.status_code == 200
    assert NO_MEMBERSHIP in html
    for value in ("024200", "999999", "Paola", "Gialli", "paola.gialli@microbit"):
        assert f'value="{value}' in html
    assert NEW_PASSWORD not in html
    assert not User.objects.filter(email="paola.gialli@microbit.example").exists()
    assert mail.outbox == []


def test_unknown_customer_code_is_refused_the_same_way(register, demo):
    users_before = User.objects.count()

    response = register(customer_code="999999")

    assert NO_MEMBERSHIP in response.content.decode()
    assert User.objects.count() == users_before
    assert mail.outbox == []


def test_customer_without_installation_code_cannot_register(register, demo):
    from accounts.models import Customer

    Customer.objects.filter(code="024200").update(installation_code="")

    response = register(installation_code="")

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not User.objects.filter(email="paola.gialli@microbit.example").exists()


@pytest.mark.parametrize(
    "email", ["amministrazione@microbit.example", "Amministrazione@MICROBIT.example"]
)
def test_email_already_in_use_gets_the_same_answer_as_a_new_one(
    register, client, demo, email
):
    # The page must not tell whether an address has an account: same redirect,
    # same page as a successful registration.
    new_address = register(email="someone.new@microbit.example")
    mail.outbox.clear()

    response = register(email=email)

    assert response.status_code == new_address.status_code == 302
    assert response["Location"] == new_address["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "Check your e-mail" in page
    assert EMAIL_IN_USE not in page
    assert User.objects.filter(email__iexact=email).count() == 1
    owner = User.objects.get(email__iexact=email)
    assert owner.check_password(DEMO_PASSWORD)  # the account is untouched


def test_existing_account_owner_is_told_of_the_attempt(register, demo):
    register(language="it", email="amministrazione@microbit.example")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amministrazione@microbit.example"]
    assert message.subject == translated(
        "Someone tried to register on Sportello with your e-mail address", "it"
    )
    with translation.override("it"):
        login, reset = reverse("accounts:login"), reverse("accounts:password_reset")
    assert f"http://testserver{login}" in message.body
    assert f"http://testserver{reset}" in message.body
    assert NEW_PASSWORD not in message.body


def test_unverified_account_gets_a_new_verification_link(register, client, demo):
    register(email="paola.gialli@microbit.example")
    register(email="Paola.Gialli@microbit.example", first_name="Someone")

    assert (
        User.objects.filter(email__iexact="paola.gialli@microbit.example").count() == 1
    )
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["paola.gialli@microbit.example"]
    assert client.get(verification_link(mail.outbox[1])).status_code == 302
    user = User.objects.get(email="paola.gialli@microbit.example")
    assert user.is_active
    assert user.first_name == "Paola"


def test_password_mismatch_is_reported_on_the_second_password(register, demo):
    response = register(password2="something-else-entirely")

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["password2"] == ["The two passwords differ."]
    assert "The two passwords differ." in response.content.decode()
    assert not User.objects.filter(email="paola.gialli@microbit.example").exists()


def test_weak_password_is_refused(register, demo):
    response = register(password1="12345678", password2="12345678")

    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    assert not User.objects.filter(email="paola.gialli@microbit.example").exists()


def test_second_user_of_a_company_logs_in_with_the_email(register, client, demo):
    register(email="Paola.Gialli@Microbit.example")

    user = User.objects.get(email__iexact="paola.gialli@microbit.example")
    assert user.username == "paola.gialli@microbit.example"
    assert user.join_request.customer == User.objects.get(username="024200").customer


def test_first_user_of_a_company_gets_the_customer_code(register, db):
    CustomerFactory(name="Nuova Srl", code="777777", installation_code="123456")

    register(customer_code="777777", installation_code="123456")

    user = User.objects.get(email="paola.gialli@microbit.example")
    assert user.username == "777777"
    assert user.customer.name == "Nuova Srl"


def test_logged_in_user_is_sent_to_the_reserved_area(client, customer_user):
    client.force_login(customer_user)

    response = client.get(register_url())

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")


def test_too_many_attempts_from_one_address_are_throttled(client, demo):
    limit, _window = conf.REGISTER_RATE
    data = form_data(installation_code="000000")
    for _attempt in range(limit):
        assert client.post(register_url(), data).status_code == 200

    response = client.post(register_url(), form_data())

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert not User.objects.filter(email="paola.gialli@microbit.example").exists()


def test_a_throttled_registration_keeps_what_was_typed_and_checks_nothing(
    client, demo, settings
):
    settings.ACCOUNTS_REGISTER_RATE = (1, 60)
    first = client.post(register_url(), form_data(installation_code="000000"))
    assert "do not match our records" in first.content.decode()

    response = client.post(
        register_url(), form_data(installation_code="000000", first_name="Ilaria")
    )

    page = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"].isdigit()
    assert "Too many attempts: try again in" in page
    # The form as typed, without a word on whether the codes were right.
    assert 'value="Ilaria"' in page
    assert 'value="024200"' in page
    assert NEW_PASSWORD not in page
    assert "do not match our records" not in page


def test_register_rate_follows_the_setting(client, demo, settings):
    settings.ACCOUNTS_REGISTER_RATE = (2, 60)
    data = form_data(installation_code="000000")
    client.post(register_url(), data)
    client.post(register_url(), data)

    response = client.post(register_url(), data)

    assert response.status_code == 429


def test_throttle_counts_per_address(client, demo):
    limit, _window = conf.REGISTER_RATE
    data = form_data(installation_code="000000")
    for _attempt in range(limit + 1):
        client.post(register_url(), data)

    response = client.post(register_url(), data, REMOTE_ADDR="10.0.0.2")

    assert response.status_code == 200
    assert NO_MEMBERSHIP in response.content.decode()
