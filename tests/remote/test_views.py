"""What customers and partners read: the reserved area's list and detail of
authorisations with their session logs, the case page's remote assistance, the
desk's lists."""

import io

import pytest
from django.core.management import call_command

from remote.models import ConsentVersion, RemoteTool

from .conftest import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(opened):
    """A session that went through the whole handshake and was closed."""
    partner, customer = opened.partner_client, opened.client
    partner.post(opened.desk_url + "request/", {"access": "view"})
    customer.post(opened.page_url + "answer/", {"access": "view", "answer": "allow"})
    partner.post(opened.desk_url + "request/", {"access": "control"})
    customer.post(opened.page_url + "answer/", {"access": "control", "answer": "deny"})
    partner.post(opened.desk_url + "close/")
    return opened


def test_the_reserved_area_lists_the_company_sessions(world, closed, client_factory):
    page = client_factory(world.colleague).get(url("remote:history")).content.decode()

    assert "Luca Verdi (Nordest Informatica Srl)" in page
    assert "Allowed" in page and "Denied" in page
    assert "closed by Luca Verdi" in page
    assert url("remote:authorisation", closed.authorisation.public_id) in page


def test_the_detail_shows_clauses_hash_and_log(world, closed, client_factory):
    record = closed.authorisation

    page = (
        client_factory(world.colleague)
        .get(url("remote:authorisation", record.public_id))
        .content.decode()
    )

    assert record.consent_version.clause_5 in page
    assert record.consent_sha256 in page
    assert "Asked to use keyboard and mouse" in page
    assert "Keyboard and mouse denied" in page
    assert "Duration:" in page
    assert "Revoke this authorisation" in page


def test_the_case_page_shows_the_remote_sessions(
    world, make_case, authorise, client_factory
):
    case = make_case()
    done = authorise(world.microbit, case=case.number)
    partner = client_factory(world.partner)
    desk = partner.post(url("remote:desk"), {"code": done.code})["Location"]
    partner.post(desk + "close/")

    customer_page = done.client.get(url("cases:detail", case.number)).content.decode()
    partner_page = partner.get(url("cases:detail", case.number)).content.decode()

    for page in (customer_page, partner_page):
        assert 'id="remote-heading"' in page
        assert "Luca Verdi (Nordest Informatica Srl)" in page
        assert url("remote:authorisation", done.authorisation.public_id) in page
    assert f"{url('remote:authorise')}?case={case.number}" in customer_page
    assert "?case=" not in partner_page


def test_the_case_page_without_sessions_offers_remote_assistance(
    world, make_case, client_factory
):
    case = make_case()

    page = (
        client_factory(world.microbit)
        .get(url("cases:detail", case.number))
        .content.decode()
    )

    assert "Authorise remote assistance for this case" in page


def test_the_desk_lists_the_partner_waiting_authorisations_only(
    world, authorise, client_factory
):
    waiting = authorise(world.microbit)
    authorise(
        world.rossi,
        the_client=client_factory(),
        company_name="Rossi Contabilità",
        operator_name="Giulia Rossi",
    )

    nordest = client_factory(world.partner).get(url("remote:desk")).content.decode()
    centro = client_factory(world.partner2).get(url("remote:desk")).content.decode()

    assert "Microbit Srl · Mario Bianchi" in nordest
    assert "Giulia Rossi" not in nordest
    assert "Giulia Rossi" in centro and "Mario Bianchi" not in centro
    assert waiting.code not in nordest


def test_the_demo_loader_runs_twice_without_duplicates(world):
    call_command("load_demo", "--only", "remote.demo", stdout=io.StringIO())

    assert ConsentVersion.objects.count() == 3
    assert RemoteTool.objects.count() == 5
    assert RemoteTool.objects.filter(is_legacy=True).count() == 2
    assert all(tool.download_url for tool in RemoteTool.objects.all())
