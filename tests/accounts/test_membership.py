"""Joining a company: the first user registers with the two codes; anyone later
asks the company's users, who approve or refuse by e-mail link or on the
members page (or staff in the admin). Until approved, a registrant sees nothing
of the company."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.models import CompanyJoinRequest, JoinRequestStatus, User
from cases.models import Case, CaseAttachment
from mailer.models import OutboundEmail
from tests.cases.conftest import PDF, upload
from tests.factories import CustomerFactory, UserFactory, demo_world

PASSWORD = "correct-horse-battery"
NEWCOMER = "paola.gialli@microbit.example"
LINK_RE = r"https?://testserver(/\S+/members/join/\S+/)"


def url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name, args=args or None)


def registration(**overrides) -> dict:
    data = {
        "customer_code": "024200",
        "installation_code": "112195",
        "first_name": "Paola",
        "last_name": "Gialli",
        "email": NEWCOMER,
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def outbox_to(address: str, template: str) -> list[OutboundEmail]:
    return [
        row
        for row in OutboundEmail.objects.filter(template_prefix=template)
        if address in row.to
    ]


def links_in(message) -> dict[str, str]:
    """The approve and refuse links of a request mail (in this order)."""
    found = re.findall(LINK_RE, message.body)
    assert len(found) == 2, message.body
    return dict(zip(("approve", "refuse"), found, strict=True))


def request_mail_to(address: str):
    return next(
        m for m in mail.outbox if m.to == [address] and "/members/join/" in m.body
    )


@pytest.fixture
def world(db):
    return demo_world("remote.demo", first_name="Carla", last_name="Colleghi")


@pytest.fixture
def mails(django_capture_on_commit_callbacks):
    """Run what commits on commit (the outbox's delivery) inside the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def join(client, mails):
    """Register ``email`` with Microbit's codes through the form and follow the
    verification link; returns the new user (logged out)."""

    def run(email: str = NEWCOMER, **overrides) -> User:
        with mails():
            response = client.post(
                url("accounts:register"), registration(email=email, **overrides)
            )
        assert response.status_code == 302, response.content.decode()[:1000]
        (message,) = [m for m in mail.outbox if m.to == [email]]
        link = re.search(r"https?://testserver(/\S+/verify/\S+/)", message.body)
        with mails():
            assert client.get(link.group(1)).status_code == 302
        return User.objects.get(email=email)

    return run


@pytest.fixture
def case(world, client):
    """A Microbit case with an attachment, opened through the case form."""
    client.force_login(world.microbit)
    response = client.post(
        url("cases:new"),
        {
            "notify_email": "amministrazione@microbit.example",
            "auto_notify": "on",
            "dealer": str(world.nordest.pk),
            "product_line": "accounting",
            "area": str(world.vat.pk),
            "urgency": "high",
            "subject": "Registro IVA: protocollo duplicato",
            "request": "La stampa del registro IVA si interrompe con l'errore 4711.",
            "upload_token": "",
            "attachments": [upload("fattura.pdf", PDF)],
        },
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    client.logout()
    return Case.objects.get()


# Registering -----------------------------------------------------------------


def test_a_later_registrant_only_asks_to_join(world, join, client):
    user = join()

    assert user.is_active
    assert user.customer is None
    assert user.username == NEWCOMER
    request = CompanyJoinRequest.objects.get(user=user)
    assert (request.customer, request.status) == (
        world.microbit.customer,
        JoinRequestStatus.PENDING,
    )
    page = client.get(url("accounts:login")).content.decode()
    assert "have been asked to approve your request" in page


def test_the_verification_mail_says_approval_follows(world, client, mails):
    with mails():
        client.post(url("accounts:register"), registration())

    (message,) = mail.outbox
    assert "Microbit Srl already has users on Sportello" in message.body
    # Nobody is asked before the address is confirmed.
    assert not OutboundEmail.objects.filter(
        template_prefix="accounts/email/join_request"
    ).exists()


def test_the_first_user_of_a_company_still_joins_with_the_codes(db, join):
    CustomerFactory(name="Nuova Srl", code="777777", installation_code="123456")

    user = join(customer_code="777777", installation_code="123456")

    assert user.username == "777777"
    assert user.customer.name == "Nuova Srl"
    assert not CompanyJoinRequest.objects.exists()


def test_of_two_first_registrants_the_first_to_confirm_gets_the_company(
    db, client, mails
):
    customer = CustomerFactory(code="777777", installation_code="123456")
    codes = {"customer_code": "777777", "installation_code": "123456"}
    with mails():
        client.post(
            url("accounts:register"), registration(email="a@x.example", **codes)
        )
        client.post(
            url("accounts:register"), registration(email="b@x.example", **codes)
        )
    first, second = User.objects.order_by("pk")
    # Both registered before anyone had access: both were let in, for now.
    assert first.customer == second.customer == customer
    links = {
        m.to[0]: re.search(r"https?://testserver(/\S+/verify/\S+/)", m.body).group(1)
        for m in mail.outbox
    }

    with mails():
        client.get(links["b@x.example"])
        client.get(links["a@x.example"])

    first.refresh_from_db()
    second.refresh_from_db()
    assert second.customer == customer
    assert first.customer is None
    # The customer code is the username of the company's first user only.
    assert first.username == "a@x.example"
    assert CompanyJoinRequest.objects.get().user == first
    (ask,) = OutboundEmail.objects.filter(template_prefix="accounts/email/join_request")
    assert ask.to == ["b@x.example"]


# What a pending member sees --------------------------------------------------


def test_a_pending_member_sees_no_case_of_the_company(world, join, client, case):
    user = join()
    attachment = CaseAttachment.objects.get(case=case)
    client.force_login(user)

    listing = client.get(url("cases:list") + "?scope=all")
    assert listing.status_code == 200
    assert case.subject not in listing.content.decode()
    assert client.get(url("cases:detail", case.number)).status_code == 404
    assert (
        client.get(url("cases:attachment", case.number, attachment.pk)).status_code
        == 404
    )
    assert client.get(url("cases:new")).status_code == 403
    assert client.post(url("cases:reply", case.number), {"body": "Hi"}).status_code == (
        404
    )


def test_a_pending_member_sees_no_remote_record_of_the_company(
    world, join, client, django_capture_on_commit_callbacks
):
    from remote.models import Authorisation
    from tests.remote.conftest import current_version

    client.force_login(world.microbit)
    data = {
        "company_name": "Microbit Srl",
        "operator_name": "Mario Bianchi",
        "email": "mario.bianchi@microbit.example",
        "customer_code": "024200",
        "installation_code": "112195",
        "consent_version": str(current_version("en").pk),
        **{f"clause_{number}": "on" for number in range(1, 7)},
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("remote:authorise"), data).status_code == 302
    client.logout()
    authorisation = Authorisation.objects.get()
    user = join()
    client.force_login(user)

    history = client.get(url("remote:history"))
    assert history.status_code == 403
    detail = client.get(url("remote:authorisation", authorisation.public_id))
    assert detail.status_code == 404
    pdf = client.get(url("remote:authorisation_pdf", authorisation.public_id))
    assert pdf.status_code == 404


def test_the_profile_says_the_request_waits(world, join, client):
    client.force_login(join())

    page = client.get(url("accounts:profile")).content.decode()

    assert "your request to join waits for approval" in page
    assert url("accounts:members") not in page


# Asking the company's users --------------------------------------------------


def test_every_user_of_the_company_is_asked_with_their_own_links(world, join):
    join()

    asked = OutboundEmail.objects.filter(template_prefix="accounts/email/join_request")
    assert sorted(row.to[0] for row in asked) == [
        "amministrazione@microbit.example",
        "colleague@microbit.example",
    ]
    # Sent in the company's language (Italian for Microbit).
    assert {row.language for row in asked} == {"it"}
    assert links_in(request_mail_to("amministrazione@microbit.example")) != (
        links_in(request_mail_to("colleague@microbit.example"))
    )


def test_the_approve_link_works_once(world, join, client, case, mails):
    user = join()
    link = links_in(request_mail_to("amministrazione@microbit.example"))["approve"]
    client.force_login(world.microbit)

    confirm = client.get(link)
    assert confirm.status_code == 200
    assert "Paola Gialli" in confirm.content.decode()
    user.refresh_from_db()
    assert user.customer is None  # opening the link decides nothing

    with mails():
        response = client.post(link)

    assert response.status_code == 302
    # The link is in the company's language (Italian for Microbit).
    assert response["Location"] == url("accounts:members", language="it")
    user.refresh_from_db()
    assert user.customer == world.microbit.customer
    request = CompanyJoinRequest.objects.get(user=user)
    assert (request.status, request.decided_by) == (
        JoinRequestStatus.APPROVED,
        world.microbit,
    )
    assert client.post(link).status_code == 400
    assert client.get(link).status_code == 400
    # Now the newcomer sees the company's cases.
    client.force_login(user)
    assert client.get(url("cases:detail", case.number)).status_code == 200


def test_on_approval_the_requester_and_every_user_are_told(world, join, client, mails):
    user = join()
    link = links_in(request_mail_to("colleague@microbit.example"))["approve"]
    client.force_login(world.colleague)

    with mails():
        client.post(link)

    (approved,) = outbox_to(user.email, "accounts/email/join_approved")
    assert "Microbit Srl" in approved.subject
    notices = OutboundEmail.objects.filter(
        template_prefix="accounts/email/member_joined"
    )
    assert sorted(row.to[0] for row in notices) == [
        "amministrazione@microbit.example",
        "colleague@microbit.example",
    ]
    assert all("Paola Gialli" in row.body for row in notices)


def test_the_refuse_link_works_once(world, join, client, mails):
    user = join()
    link = links_in(request_mail_to("amministrazione@microbit.example"))["refuse"]
    client.force_login(world.microbit)

    with mails():
        response = client.post(link)

    assert response.status_code == 302
    assert not CompanyJoinRequest.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.customer is None
    (refused,) = outbox_to(user.email, "accounts/email/join_refused")
    assert "Microbit Srl" in refused.body
    assert not OutboundEmail.objects.filter(
        template_prefix="accounts/email/member_joined"
    ).exists()
    assert client.post(link).status_code == 400
    # The other decision's link stops working too.
    approve = links_in(request_mail_to("amministrazione@microbit.example"))["approve"]
    assert client.post(approve).status_code == 400
    user.refresh_from_db()
    assert user.customer is None


def test_a_link_needs_its_recipient_logged_in(world, join, client):
    user = join()
    link = links_in(request_mail_to("amministrazione@microbit.example"))["approve"]

    anonymous = client.get(link)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(url("accounts:login", language="it"))
    # A colleague (same company) who got the forwarded mail: not their link.
    client.force_login(world.colleague)
    assert client.post(link).status_code == 400
    # A user of another company.
    client.force_login(world.rossi)
    assert client.post(link).status_code == 400
    # The requester.
    client.force_login(user)
    assert client.post(link).status_code == 400
    user.refresh_from_db()
    assert user.customer is None


def test_a_forged_or_expired_link_is_refused(world, join, client, settings):
    join()
    link = links_in(request_mail_to("amministrazione@microbit.example"))["approve"]
    client.force_login(world.microbit)

    forged = link.replace("/join/", "/join/x")
    assert client.get(forged).status_code == 400
    settings.ACCOUNTS_JOIN_LINK_MAX_AGE = -1  # every link older than "now"
    response = client.post(link)
    assert response.status_code == 400
    with translation.override("it"):
        invalid = translation.gettext("This link does not work")
    assert invalid in response.content.decode()
    assert CompanyJoinRequest.objects.get().status == JoinRequestStatus.PENDING


# The members page --------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", "login"),
        ("pending", 404),
        ("partner", 404),
        ("editor", 404),
        ("rossi", 200),
        ("microbit", 200),
    ],
)
def test_members_page_permissions(world, join, client, who, expected):
    pending = join()
    if who == "pending":
        client.force_login(pending)
    elif who != "anonymous":
        client.force_login(getattr(world, who))

    response = client.get(url("accounts:members"))

    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(url("accounts:login"))
        return
    assert response.status_code == expected
    shown = response.content.decode()
    # Only Microbit's users see Microbit's request.
    assert (NEWCOMER in shown) == (who == "microbit")


def test_members_page_approves_without_javascript(world, join, client, mails):
    user = join()
    request = CompanyJoinRequest.objects.get(user=user)
    client.force_login(world.colleague)
    page = client.get(url("accounts:members")).content.decode()
    action = url("accounts:decide_join_request", request.pk)
    assert f'action="{action}"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'name="decision" value="approve"' in page

    with mails():
        response = client.post(action, {"decision": "approve"}, follow=True)

    assert "Paola Gialli is now a user of Microbit Srl." in response.content.decode()
    user.refresh_from_db()
    assert user.customer == world.microbit.customer
    again = client.post(action, {"decision": "refuse"}, follow=True)
    assert "This request has already been decided." in again.content.decode()
    user.refresh_from_db()
    assert user.customer == world.microbit.customer


def test_members_page_refuses(world, join, client, mails):
    user = join()
    request = CompanyJoinRequest.objects.get(user=user)
    client.force_login(world.microbit)

    with mails():
        client.post(
            url("accounts:decide_join_request", request.pk), {"decision": "refuse"}
        )

    assert not CompanyJoinRequest.objects.exists()
    assert outbox_to(user.email, "accounts/email/join_refused")


def test_a_decision_sent_after_the_session_expired_leads_back_to_the_buttons(
    world, join, client
):
    user = join()
    request = CompanyJoinRequest.objects.get(user=user)
    action = url("accounts:decide_join_request", request.pk)

    logged_out = client.post(action, {"decision": "approve"})
    client.force_login(world.colleague)
    # Where the login form sends the user back: the decision's address.
    back = client.get(action)

    assert logged_out.status_code == 302
    assert "/accounts/login/" in logged_out["Location"]
    assert back.status_code == 302
    assert back["Location"] == url("accounts:members")
    assert CompanyJoinRequest.objects.get(pk=request.pk).status == request.status


@pytest.mark.parametrize("who", ["rossi", "partner", "pending", "anonymous"])
def test_a_user_of_another_company_cannot_decide(world, join, client, who):
    pending = join()
    request = CompanyJoinRequest.objects.get(user=pending)
    if who == "pending":
        client.force_login(pending)
    elif who != "anonymous":
        client.force_login(getattr(world, who))

    response = client.post(
        url("accounts:decide_join_request", request.pk), {"decision": "approve"}
    )

    assert response.status_code in (302, 404)
    if who != "anonymous":
        assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.customer is None
    assert CompanyJoinRequest.objects.get().status == JoinRequestStatus.PENDING


def test_the_profile_of_a_company_user_counts_waiting_requests(world, join, client):
    join()
    client.force_login(world.microbit)

    page = client.get(url("accounts:profile")).content.decode()

    assert url("accounts:members") in page
    assert "1 request to join waits for your decision." in page


# Staff -------------------------------------------------------------------------


def test_staff_approve_in_the_admin(world, join, client, mails):
    user = join()
    request = CompanyJoinRequest.objects.get(user=user)
    client.force_login(world.admin)

    listing = client.get(reverse("accounts_join_requests"))
    assert listing.status_code == 200
    assert NEWCOMER in listing.content.decode()
    with mails():
        response = client.post(
            reverse("accounts_decide_join_request", args=[request.pk]),
            {"decision": "approve"},
        )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.customer == world.microbit.customer
    notices = OutboundEmail.objects.filter(
        template_prefix="accounts/email/member_joined"
    )
    assert sorted(row.to[0] for row in notices) == [
        "amministrazione@microbit.example",
        "colleague@microbit.example",
    ]


def test_staff_without_the_permission_cannot_decide(world, join, client):
    user = join()
    request = CompanyJoinRequest.objects.get(user=user)
    client.force_login(world.editor)

    assert client.get(reverse("accounts_join_requests")).status_code in (302, 403)
    client.post(
        reverse("accounts_decide_join_request", args=[request.pk]),
        {"decision": "approve"},
    )

    user.refresh_from_db()
    assert user.customer is None


def test_a_company_whose_users_have_no_address_is_left_to_staff(world, client, join):
    customer = CustomerFactory(code="888888", installation_code="654321")
    UserFactory(username="888888", email="", customer=customer)

    user = join(
        email="nuovo@example.com", customer_code="888888", installation_code="654321"
    )

    assert user.customer is None
    assert not OutboundEmail.objects.filter(
        template_prefix="accounts/email/join_request"
    ).exists()
    client.force_login(world.admin)
    assert (
        "nuovo@example.com"
        in client.get(reverse("accounts_join_requests")).content.decode()
    )
