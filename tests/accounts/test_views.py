"""Login, logout, lockout, the reserved area and password change, through HTTP."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from tests.conftest import DEMO_PASSWORD
from tests.factories import CustomerFactory, UserFactory

WRONG_LOGIN = "The customer code (or e-mail) and password do not match."
NOT_ACTIVE = "This account is not active yet"
LOCKED_OUT = "Too many failed logins"


def url_in(name: str, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name)


def profile_page(client):
    return client.get(url_in("accounts:profile"))


# Login -----------------------------------------------------------------------


def test_login_page_shows_the_form(client, login_url, db):
    response = client.get(login_url())

    assert response.status_code == 200
    assert "Customer code or e-mail" in response.content.decode()


def test_login_with_customer_code_opens_the_reserved_area(client, post_login, demo):
    response = post_login("024200", language="it")

    assert response.status_code == 302
    assert response["Location"] == url_in("accounts:profile", "it")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Microbit Srl" in page.content.decode()


def test_login_with_email_ignores_its_case(client, post_login, demo):
    response = post_login("AMMINISTRAZIONE@Microbit.Example")

    assert response.status_code == 302
    assert "Microbit Srl" in profile_page(client).content.decode()


def test_login_follows_next_to_a_page_of_the_portal(client, login_url, demo):
    wanted = url_in("accounts:password_change")

    response = client.post(
        login_url() + f"?next={wanted}",
        {"username": "024200", "password": DEMO_PASSWORD, "next": wanted},
    )

    assert response.status_code == 302
    assert response["Location"] == wanted


def test_wrong_password_shows_the_error_and_keeps_the_username(
    client, post_login, demo
):
    response = post_login("024200", "not-the-password")

    assert response.status_code == 200
    html = response.content.decode()
    assert WRONG_LOGIN in html
    assert 'value="024200"' in html
    assert "_auth_user_id" not in client.session


def test_unknown_user_gets_the_same_error(client, post_login, db):
    response = post_login("999999", "whatever-password")

    assert response.status_code == 200
    assert WRONG_LOGIN in response.content.decode()


def test_unverified_user_with_the_right_password_is_told_to_verify(
    client, post_login, db
):
    UserFactory(username="555555", email="new@example.com", is_active=False)

    response = post_login("new@example.com")

    html = response.content.decode()
    assert response.status_code == 200
    assert NOT_ACTIVE in html
    assert WRONG_LOGIN not in html
    assert "_auth_user_id" not in client.session


def test_unverified_user_with_a_wrong_password_gets_the_generic_error(
    client, post_login, db
):
    UserFactory(username="555555", is_active=False)

    html = post_login("555555", "not-the-password").content.decode()

    assert WRONG_LOGIN in html
    assert NOT_ACTIVE not in html


def test_logged_in_user_visiting_login_goes_to_the_reserved_area(
    client, customer_user, login_url
):
    client.force_login(customer_user)

    response = client.get(login_url())

    assert response.status_code == 302
    assert response["Location"] == url_in("accounts:profile")


# Logout ----------------------------------------------------------------------


def test_logout_refuses_get_and_keeps_the_user_logged_in(client, customer_user):
    client.force_login(customer_user)

    response = client.get(url_in("accounts:logout"))

    assert response.status_code == 405
    assert profile_page(client).status_code == 200


@pytest.mark.parametrize("language", ["it", "fi", "en"])
def test_logout_by_post_ends_the_session(client, customer_user, language):
    client.force_login(customer_user)

    response = client.post(url_in("accounts:logout", language))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert "accounts/logged_out.html" in [t.name for t in response.templates]
    assert f'href="{url_in("accounts:login", language)}"' in html
    assert "_auth_user_id" not in client.session
    assert profile_page(client).status_code == 302


def test_logout_follows_a_safe_next(client, customer_user):
    client.force_login(customer_user)

    response = client.post(url_in("accounts:logout"), {"next": "/it/"})

    assert response.status_code == 302
    assert response["Location"] == "/it/"
    assert "_auth_user_id" not in client.session


def test_logout_ignores_a_next_to_another_site(client, customer_user):
    client.force_login(customer_user)

    response = client.post(url_in("accounts:logout"), {"next": "https://evil.example/"})

    assert response.status_code == 200
    assert "evil.example" not in response.get("Location", "")
    assert "_auth_user_id" not in client.session


def test_pages_offer_logout_as_a_form_to_logged_in_users(client, customer_user):
    client.force_login(customer_user)

    html = profile_page(client).content.decode()

    assert f'action="{url_in("accounts:logout")}"' in html
    assert "Log out" in html


# Lockout (django-axes) -------------------------------------------------------


def fail_logins(post_login, username: str, times: int):
    return [post_login(username, f"wrong-{n}") for n in range(times)]


def test_lockout_refuses_even_the_right_password(client, post_login, demo):
    limit = settings.AXES_FAILURE_LIMIT
    responses = fail_logins(post_login, "024200", limit - 1)
    assert all(r.status_code == 200 for r in responses)

    last_failure = post_login("024200", "still-wrong")
    right_password = post_login("024200", DEMO_PASSWORD)

    assert last_failure.status_code == 429
    assert right_password.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in right_password.templates]
    assert LOCKED_OUT in right_password.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_does_not_affect_other_usernames(client, post_login, demo):
    fail_logins(post_login, "024200", settings.AXES_FAILURE_LIMIT)

    response = post_login("031337")

    assert response.status_code == 302
    assert "Rossi Contabilità" in profile_page(client).content.decode()


def test_lockout_counts_every_spelling_of_the_same_account(client, post_login, demo):
    # The e-mail and the customer code, in any case, are one account: an
    # attacker must not get five fresh tries per spelling.
    spellings = [
        "024200",
        "amministrazione@microbit.example",
        "AMMINISTRAZIONE@microbit.example",
        "Amministrazione@Microbit.example",
        "amministrazione@MICROBIT.EXAMPLE",
    ]
    for spelling in spellings[: settings.AXES_FAILURE_LIMIT]:
        post_login(spelling, "wrong-password")

    response = post_login("aMMINISTRAZIONE@microbit.example", DEMO_PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_successful_login_clears_earlier_failures(client, post_login, demo):
    fail_logins(post_login, "024200", settings.AXES_FAILURE_LIMIT - 1)
    assert post_login("024200").status_code == 302
    client.post(url_in("accounts:logout"))

    fail_logins(post_login, "024200", settings.AXES_FAILURE_LIMIT - 1)

    assert post_login("024200").status_code == 302


def test_one_address_trying_many_usernames_is_locked_out(
    client, post_login, login_url, demo
):
    # Two tries each on many names never reach the per-account limit; the
    # address's own cap stops the walk through usernames.
    from accounts import conf

    cap = conf.ADDRESS_FAILURE_LIMIT
    assert settings.AXES_FAILURE_LIMIT > 2
    names = [f"guess-{n}@example.com" for n in range(cap // 2)]
    statuses = [
        post_login(name, f"wrong-{n}").status_code for name in names for n in (1, 2)
    ]
    assert statuses[: cap - 1] == [200] * (cap - 1)
    assert statuses[cap - 1] == 429

    # Even a real account with its right password waits, from that address...
    refused = post_login("031337", DEMO_PASSWORD, language="it")
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "L'accesso è sospeso per qualche minuto" in refused.content.decode()
    # ...while the same login from another address works.
    elsewhere = client.post(
        login_url(),
        {"username": "031337", "password": DEMO_PASSWORD},
        REMOTE_ADDR="10.0.0.9",
    )
    assert elsewhere.status_code == 302


def test_address_cap_follows_the_setting(client, post_login, demo, settings):
    settings.ACCOUNTS_ADDRESS_FAILURE_LIMIT = 3

    statuses = [post_login(f"name-{n}", "wrong").status_code for n in range(4)]

    assert statuses == [200, 200, 429, 429]


# Permission matrix -----------------------------------------------------------

LOGIN_REQUIRED = [
    "accounts:profile",
    "accounts:password_change",
    "accounts:password_change_done",
]
ROLES = ["customer_user", "partner_user", "editor_user", "admin_user_demo"]


@pytest.mark.parametrize("name", LOGIN_REQUIRED)
@pytest.mark.parametrize("language", ["it", "fi", "en"])
def test_anonymous_is_sent_to_login_with_next(client, db, login_url, name, language):
    url = url_in(name, language)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{login_url(language)}?next={url}"


@pytest.mark.parametrize("name", LOGIN_REQUIRED)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_the_reserved_pages(client, db, request, name, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get(url_in(name))

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("customer_user", "Microbit Srl", "Rossi Contabilità"),
        ("other_customer_user", "Rossi Contabilità", "Microbit Srl"),
    ],
)
def test_profile_shows_only_the_users_own_company(
    client, db, request, role, shown, hidden
):
    client.force_login(request.getfixturevalue(role))

    html = profile_page(client).content.decode()

    assert shown in html
    assert hidden not in html


def test_customer_profile_lists_partner_and_licensed_lines(client, customer_user):
    client.force_login(customer_user)

    html = client.get(url_in("accounts:profile", "it")).content.decode()

    assert "Nordest Informatica Srl" in html
    assert "Contabilità" in html
    assert "Magazzino" in html
    assert "Paghe" not in html


def test_partner_profile_shows_the_partner(client, partner_user):
    client.force_login(partner_user)

    html = profile_page(client).content.decode()

    assert "Nordest Informatica Srl (P0100)" in html
    assert "Microbit Srl" not in html


def test_customer_without_licences_sees_none(client, db):
    user = UserFactory(customer=CustomerFactory(name="Empty Srl"))
    client.force_login(user)

    html = profile_page(client).content.decode()

    assert "Empty Srl" in html
    assert "<dd>none</dd>" in html


# Password change -------------------------------------------------------------


def test_password_change_lets_the_user_log_in_with_the_new_one(
    client, customer_user, post_login
):
    client.force_login(customer_user)

    response = client.post(
        url_in("accounts:password_change"),
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "a-brand-new-passphrase",
            "new_password2": "a-brand-new-passphrase",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == url_in("accounts:password_change_done")
    assert (
        "Your password has been changed."
        in client.get(response["Location"]).content.decode()
    )
    client.post(url_in("accounts:logout"))
    assert post_login("024200").status_code == 200
    assert post_login("024200", "a-brand-new-passphrase").status_code == 302


def test_password_change_with_a_wrong_old_password_changes_nothing(
    client, customer_user
):
    client.force_login(customer_user)

    response = client.post(
        url_in("accounts:password_change"),
        {
            "old_password": "not-the-password",
            "new_password1": "a-brand-new-passphrase",
            "new_password2": "a-brand-new-passphrase",
        },
    )

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    assert User.objects.get(pk=customer_user.pk).check_password(DEMO_PASSWORD)
