"""The permission matrix: every remote assistance view, for anonymous visitors,
a user of the same company, another company, the reference partner, another
partner, staff (superuser) and an editor without remote permissions. What one
may not see is a 404, as if it did not exist."""

import pytest

from remote.models import Authorisation, Consent, RemoteSession, SessionStatus
from remote.permissions import (
    can_follow_session,
    can_open_session,
    can_view_authorisation,
    can_work_session,
)

from .conftest import url

pytestmark = pytest.mark.django_db

WHO = ["anonymous", "colleague", "rossi", "partner", "partner2", "admin", "editor"]
LOGIN = "login"


@pytest.fixture
def as_user(client_factory, world):
    def login(who: str):
        return client_factory(None if who == "anonymous" else getattr(world, who))

    return login


def check(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(url("accounts:login"))
    else:
        assert response.status_code == expected, response.content.decode()[:500]


def matrix(*expected):
    return pytest.mark.parametrize(
        ("who", "expected"), list(zip(WHO, expected, strict=True))
    )


@matrix(200, 200, 200, 200, 200, 200, 200)
def test_authorisation_form(as_user, world, who, expected):
    check(as_user(who).get(url("remote:authorise")), expected)


# The customer's session page and everything on it: the company's users (and
# the browser that authorised), nobody else; staff act from the desk.
CUSTOMER_SIDE = (404, 200, 404, 404, 404, 404, 404)


@matrix(*CUSTOMER_SIDE)
def test_customer_session_page(as_user, opened, who, expected):
    check(as_user(who).get(opened.page_url), expected)


@matrix(*CUSTOMER_SIDE)
def test_customer_status(as_user, opened, who, expected):
    check(as_user(who).get(opened.page_url + "status/"), expected)


@matrix(*CUSTOMER_SIDE)
def test_customer_pdf(as_user, opened, who, expected):
    response = as_user(who).get(opened.page_url + "authorisation.pdf")
    check(response, expected)
    if expected == 200:
        assert response.content.startswith(b"%PDF")


@matrix(404, 302, 404, 404, 404, 404, 404)
def test_customer_answer(as_user, opened, who, expected):
    opened.partner_client.post(opened.desk_url + "request/", {"access": "view"})

    response = as_user(who).post(
        opened.page_url + "answer/", {"access": "view", "answer": "allow"}
    )

    check(response, expected)
    allowed = RemoteSession.objects.get().view_consent == Consent.ALLOWED
    assert allowed == (expected == 302)


@matrix(404, 302, 404, 404, 404, 404, 404)
def test_customer_close(as_user, opened, who, expected):
    check(as_user(who).post(opened.page_url + "close/"), expected)
    closed = RemoteSession.objects.get().status == SessionStatus.CLOSED
    assert closed == (expected == 302)


@matrix(404, 302, 404, 404, 404, 404, 404)
def test_customer_new_code(as_user, world, authorise, who, expected):
    done = authorise(world.microbit)
    before = done.authorisation.session.code_hash

    check(as_user(who).post(done.page_url + "new-code/"), expected)

    changed = RemoteSession.objects.get().code_hash != before
    assert changed == (expected == 302)


def test_a_forged_token_is_a_404(client, world, opened):
    forged = opened.page_url.replace("/session/", "/session/x").rstrip("/")
    other = opened.page_url[:-6] + "AAAAA/"

    assert opened.client.get(forged + "/").status_code == 404
    assert opened.client.get(other).status_code == 404


# The reserved area: the company's authorisations (customers), everything
# (staff); partners work from the desk.
@matrix(LOGIN, 200, 200, 302, 302, 200, 403)
def test_history(as_user, opened, who, expected):
    response = as_user(who).get(url("remote:history"))

    check(response, expected)
    if expected == 200:
        listed = str(opened.authorisation.public_id) in response.content.decode()
        assert listed == (who in ("colleague", "admin"))
    if who.startswith("partner"):
        assert response["Location"] == url("remote:desk")


@matrix(LOGIN, 200, 404, 200, 404, 200, 404)
def test_authorisation_detail(as_user, opened, who, expected):
    public_id = opened.authorisation.public_id
    check(as_user(who).get(url("remote:authorisation", public_id)), expected)


@matrix(LOGIN, 200, 404, 200, 404, 200, 404)
def test_authorisation_pdf(as_user, opened, who, expected):
    public_id = opened.authorisation.public_id
    response = as_user(who).get(url("remote:authorisation_pdf", public_id))

    check(response, expected)
    if expected == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


@matrix(LOGIN, 302, 404, 404, 404, 404, 404)
def test_revoke(as_user, opened, who, expected):
    public_id = opened.authorisation.public_id

    check(as_user(who).post(url("remote:authorisation_revoke", public_id)), expected)

    revoked = Authorisation.objects.get().is_revoked
    assert revoked == (expected == 302)


# The desk: partners and staff.
@matrix(LOGIN, 403, 403, 200, 200, 200, 403)
def test_desk(as_user, world, who, expected):
    check(as_user(who).get(url("remote:desk")), expected)


@matrix(LOGIN, 403, 403, 302, 400, 302, 403)
def test_opening_with_the_code(as_user, world, authorise, who, expected):
    done = authorise(world.microbit)

    check(as_user(who).post(url("remote:desk"), {"code": done.code}), expected)

    opened = RemoteSession.objects.get().status == SessionStatus.OPEN
    assert opened == (expected == 302)


# The partner's session page: who opened it, or staff.
PARTNER_SIDE = (LOGIN, 404, 404, 200, 404, 200, 404)


@matrix(*PARTNER_SIDE)
def test_partner_session_page(as_user, opened, who, expected):
    check(as_user(who).get(opened.desk_url), expected)


@matrix(*PARTNER_SIDE)
def test_partner_status(as_user, opened, who, expected):
    check(as_user(who).get(opened.desk_url + "status/"), expected)


@matrix(LOGIN, 404, 404, 302, 404, 302, 404)
def test_partner_request(as_user, opened, who, expected):
    check(as_user(who).post(opened.desk_url + "request/", {"access": "view"}), expected)
    asked = RemoteSession.objects.get().view_consent == Consent.REQUESTED
    assert asked == (expected == 302)


@matrix(LOGIN, 404, 404, 302, 404, 302, 404)
def test_partner_close(as_user, opened, who, expected):
    check(as_user(who).post(opened.desk_url + "close/"), expected)
    closed = RemoteSession.objects.get().status == SessionStatus.CLOSED
    assert closed == (expected == 302)


def test_a_colleague_of_the_partner_who_opened_it_cannot_take_over(
    world, opened, client_factory
):
    from tests.factories import UserFactory

    colleague = UserFactory(partner=world.nordest)

    assert client_factory(colleague).get(opened.desk_url).status_code == 404
    assert not can_work_session(colleague, opened.session)
    # …but may read the authorisation: Nordest is the reference partner.
    assert can_view_authorisation(colleague, opened.authorisation)


def test_the_rules_as_functions(world, opened):
    session, authorisation = opened.session, opened.authorisation

    assert can_follow_session(world.colleague, session)
    assert not can_follow_session(world.rossi, session)
    assert not can_follow_session(world.admin, session)
    assert can_open_session(world.partner, session)
    assert not can_open_session(world.partner2, session)
    assert can_open_session(world.admin, session)
    assert not can_open_session(world.microbit, session)
    assert list(Authorisation.objects.visible_to(world.rossi)) == []
    assert list(Authorisation.objects.visible_to(world.partner)) == [authorisation]
    assert list(Authorisation.objects.visible_to(world.partner2)) == []
    assert list(Authorisation.objects.visible_to(world.editor)) == []
