"""The one-time code and the handshake of the Finnish manual: the partner opens
the session with the code, asks to view the desktop, then to use keyboard and
mouse; the customer allows or denies each; either side closes."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from remote.models import Consent, EventKind, RemoteSession, Revocation, SessionStatus

from .conftest import url

pytestmark = pytest.mark.django_db

REFUSAL = "This code does not open a session."


def open_with(client, code):
    return client.post(url("remote:desk"), {"code": code})


def status_of(client, page_url):
    return client.get(page_url.rstrip("/") + "/status/").json()


def test_the_reference_partner_opens_the_session_with_the_code(
    world, authorise, client_factory
):
    done = authorise(world.microbit)
    partner = client_factory(world.partner)

    response = open_with(partner, done.code)

    session = RemoteSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("remote:desk_session", session.public_id)
    assert session.status == SessionStatus.OPEN
    assert session.opened_by == world.partner
    assert session.events.last().kind == EventKind.OPENED
    page = partner.get(response["Location"]).content.decode()
    assert "Microbit Srl" in page and "Ask to view the desktop" in page


def test_the_code_may_be_typed_without_spaces_or_with_dashes(
    world, authorise, client_factory
):
    done = authorise(world.microbit)

    response = open_with(client_factory(world.partner), done.code.replace(" ", "-"))

    assert response.status_code == 302


def test_a_used_code_is_refused(world, opened, client_factory):
    again = open_with(opened.partner_client, opened.code)
    staff = open_with(client_factory(world.admin), opened.code)

    assert again.status_code == 400 and REFUSAL in again.content.decode()
    assert staff.status_code == 400 and REFUSAL in staff.content.decode()
    assert RemoteSession.objects.get().opened_by == world.partner


def test_an_expired_code_is_refused(world, authorise, client_factory):
    done = authorise(world.microbit)
    RemoteSession.objects.filter(pk=done.authorisation.session.pk).update(
        code_expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = open_with(client_factory(world.partner), done.code)

    assert response.status_code == 400
    assert REFUSAL in response.content.decode()
    assert RemoteSession.objects.get().status == SessionStatus.WAITING
    customer_page = done.client.get(done.page_url).content.decode()
    assert "Your session code has expired" in customer_page


@pytest.mark.parametrize("typed", ["000 000 000", "12345", "abc def ghi", ""])
def test_unknown_and_malformed_codes_get_the_same_refusal(
    world, authorise, client_factory, typed
):
    authorise(world.microbit)

    response = open_with(client_factory(world.partner), typed)

    assert response.status_code == 400
    if typed:
        assert REFUSAL in response.content.decode()
    assert RemoteSession.objects.get().status == SessionStatus.WAITING


def test_another_partner_gets_the_same_refusal_with_a_right_code(
    world, authorise, client_factory
):
    done = authorise(world.microbit)

    response = open_with(client_factory(world.partner2), done.code)

    assert response.status_code == 400
    assert REFUSAL in response.content.decode()
    assert RemoteSession.objects.get().status == SessionStatus.WAITING


def test_the_case_partner_may_open_it_too(world, authorise, client_factory, make_case):
    case = make_case(dealer=world.centro)
    done = authorise(world.microbit, case=case.number)

    response = open_with(client_factory(world.partner2), done.code)

    assert response.status_code == 302
    assert RemoteSession.objects.get().opened_by == world.partner2


def test_only_staff_may_open_an_anonymous_authorisation(
    world, authorise, client_factory
):
    done = authorise()  # anonymous: no company, so no partner

    refused = open_with(client_factory(world.partner), done.code)
    accepted = open_with(client_factory(world.admin), done.code)

    assert refused.status_code == 400
    assert accepted.status_code == 302
    assert RemoteSession.objects.get().opened_by == world.admin


def test_a_new_code_invalidates_the_old_one(world, authorise, client_factory):
    done = authorise(world.microbit)
    response = done.client.post(done.page_url + "new-code/")
    new_page = done.client.get(response["Location"]).content.decode()
    partner = client_factory(world.partner)

    assert "Here is your new code" in new_page
    fresh = re.search(r"data-session-code>\s*([0-9 ]{11})\s*<", new_page).group(1)
    assert fresh != done.code
    old = open_with(partner, done.code)
    assert old.status_code == 400 and REFUSAL in old.content.decode()
    assert open_with(partner, fresh).status_code == 302
    kinds = list(RemoteSession.objects.get().events.values_list("kind", flat=True))
    assert kinds == [EventKind.AUTHORISED, EventKind.CODE_ISSUED, EventKind.OPENED]


def test_no_new_code_once_the_session_is_open(world, opened):
    response = opened.client.post(opened.page_url + "new-code/", follow=True)

    assert "no new code is needed" in response.content.decode()
    assert "data-session-code" not in response.content.decode()


def test_wrong_codes_are_throttled_per_partner_user(
    world, authorise, client_factory, settings
):
    settings.REMOTE_CODE_RATE = (3, 600)
    done = authorise(world.microbit)
    partner = client_factory(world.partner)
    for guess in ("111 111 111", "222 222 222", "333 333 333"):
        assert open_with(partner, guess).status_code == 400

    blocked = open_with(partner, done.code)

    assert blocked.status_code == 429
    assert RemoteSession.objects.get().status == SessionStatus.WAITING
    # The desk comes back with the code as typed and when to retry.
    page = blocked.content.decode()
    assert "Too many attempts: try again in" in page
    assert done.code.replace(" ", "") in page.replace(" ", "")
    assert blocked["Retry-After"].isdigit()
    # Another partner user from another address is not blocked.
    other = client_factory(world.admin)
    assert (
        other.post(
            url("remote:desk"), {"code": done.code}, REMOTE_ADDR="198.51.100.7"
        ).status_code
        == 302
    )


def test_wrong_codes_are_throttled_per_address(world, client_factory, settings):
    settings.REMOTE_CODE_IP_RATE = (4, 600)
    partner, partner2 = client_factory(world.partner), client_factory(world.partner2)
    for index in range(4):
        who = partner if index % 2 else partner2
        assert open_with(who, f"{index}00 000 000").status_code == 400

    assert open_with(partner, "900 000 000").status_code == 429
    assert open_with(partner2, "900 000 001").status_code == 429


def test_the_whole_handshake_is_recorded(world, opened):
    customer, partner = opened.client, opened.partner_client
    desk = opened.desk_url

    # Control can only be asked after viewing was allowed.
    early = partner.post(desk + "request/", {"access": "control"}, follow=True)
    assert "Ask to view the desktop first" in early.content.decode()

    partner.post(desk + "request/", {"access": "view"})
    seen = status_of(customer, opened.page_url)
    assert seen["view"] == Consent.REQUESTED
    assert "The technician asks to view your desktop." in seen["html"]

    customer.post(opened.page_url + "answer/", {"access": "view", "answer": "allow"})
    partner.post(desk + "request/", {"access": "control"})
    asked = status_of(customer, opened.page_url)
    assert "The technician asks to use your keyboard and mouse." in asked["html"]
    customer.post(opened.page_url + "answer/", {"access": "control", "answer": "deny"})

    answers = status_of(partner, desk)
    assert answers["view"] == Consent.ALLOWED
    assert answers["control"] == Consent.DENIED
    assert "Allowed" in answers["html"] and "Denied" in answers["html"]

    closed = partner.post(desk + "close/", follow=True)
    assert "The session is closed." in closed.content.decode()
    session = RemoteSession.objects.get()
    assert session.status == SessionStatus.CLOSED
    assert session.closed_by == world.partner
    assert session.closed_by_role == "partner"
    assert session.closed_at is not None
    assert session.duration is not None
    assert status_of(customer, opened.page_url)["status"] == SessionStatus.CLOSED
    events = list(session.events.values_list("kind", "actor_role", "actor_name"))
    assert events == [
        (EventKind.AUTHORISED, "customer", "Mario Bianchi"),
        (EventKind.OPENED, "partner", "Luca Verdi (Nordest Informatica Srl)"),
        (EventKind.VIEW_REQUESTED, "partner", "Luca Verdi (Nordest Informatica Srl)"),
        (EventKind.VIEW_ALLOWED, "customer", "Mario Bianchi"),
        (
            EventKind.CONTROL_REQUESTED,
            "partner",
            "Luca Verdi (Nordest Informatica Srl)",
        ),
        (EventKind.CONTROL_DENIED, "customer", "Mario Bianchi"),
        (EventKind.CLOSED, "partner", "Luca Verdi (Nordest Informatica Srl)"),
    ]
    assert all(event.created_at for event in session.events.all())


def test_a_denied_request_may_be_asked_again(world, opened):
    partner, customer = opened.partner_client, opened.client
    partner.post(opened.desk_url + "request/", {"access": "view"})
    customer.post(opened.page_url + "answer/", {"access": "view", "answer": "deny"})

    partner.post(opened.desk_url + "request/", {"access": "view"})

    assert RemoteSession.objects.get().view_consent == Consent.REQUESTED


def test_the_customer_cannot_answer_what_was_not_asked(world, opened):
    response = opened.client.post(
        opened.page_url + "answer/", {"access": "view", "answer": "allow"}, follow=True
    )

    assert "There is no request to answer" in response.content.decode()
    assert RemoteSession.objects.get().view_consent == Consent.NOT_REQUESTED


def test_the_customer_closes_the_session(world, opened):
    response = opened.client.post(opened.page_url + "close/", follow=True)

    session = RemoteSession.objects.get()
    assert "The session is closed." in response.content.decode()
    assert session.closed_by_role == "customer"
    assert session.closed_by_name == "Mario Bianchi"
    refused = opened.partner_client.post(
        opened.desk_url + "request/", {"access": "view"}, follow=True
    )
    assert "The session is not open." in refused.content.decode()


def test_cancelling_before_opening_kills_the_code(world, authorise, client_factory):
    done = authorise(world.microbit)
    done.client.post(done.page_url + "close/")

    response = open_with(client_factory(world.partner), done.code)

    assert response.status_code == 400
    session = RemoteSession.objects.get()
    assert session.close_reason == "cancelled"
    assert session.opened_at is None


def test_revoking_closes_the_session_and_kills_the_code(
    world, authorise, client_factory
):
    done = authorise(world.microbit)

    response = done.client.post(
        url("remote:authorisation_revoke", done.authorisation.public_id), follow=True
    )

    assert "The authorisation is revoked" in response.content.decode()
    assert done.authorisation.revocation.user == world.microbit
    assert RemoteSession.objects.get().close_reason == "revoked"
    assert open_with(client_factory(world.partner), done.code).status_code == 400
    again = done.client.post(
        url("remote:authorisation_revoke", done.authorisation.public_id), follow=True
    )
    assert "This authorisation was already revoked." in again.content.decode()
    assert Revocation.objects.count() == 1


def test_an_anonymous_authoriser_follows_the_session_in_the_same_browser(
    world, authorise, client_factory
):
    done = authorise()
    admin = client_factory(world.admin)
    desk = open_with(admin, done.code)["Location"]
    admin.post(desk + "request/", {"access": "view"})

    page = done.client.get(done.page_url).content.decode()
    done.client.post(done.page_url + "answer/", {"access": "view", "answer": "allow"})

    assert "The technician asks to view your desktop." in page
    events = RemoteSession.objects.get().events.values_list("actor_name", flat=True)
    assert list(events)[-1] == "Mario Bianchi"  # the operator name typed
    # Another browser with the same address gets nothing.
    assert client_factory().get(done.page_url).status_code == 404
