"""Staff's Wagtail admin: every case with filters (read-only), routing rules,
SLA rows and API tokens issued once and revoked."""

import re

import pytest
from django.urls import reverse

from cases.models import ApiToken, Case, RoutingRule, SlaPolicy, Status
from cases.services import transition_case

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cases.urls")]


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


def test_staff_list_every_case_and_filter_by_status(admin_client, world, make_case):
    mine = make_case(subject="Microbit open")
    theirs = make_case(user=world.rossi, subject="Rossi solved")
    transition_case(theirs, Status.RESOLVED, world.partner2)

    everything = admin_client.get(reverse("wagtailsnippets_cases_case:list"))
    resolved = admin_client.get(
        reverse("wagtailsnippets_cases_case:list") + "?status=resolved"
    )

    assert everything.status_code == 200
    assert mine.number in everything.content.decode()
    assert theirs.number in everything.content.decode()
    assert theirs.number in resolved.content.decode()
    assert mine.number not in resolved.content.decode()


def test_staff_inspect_a_case_but_cannot_edit_or_delete_it(
    admin_client, world, make_case
):
    case = make_case(subject="Read only")

    inspect = admin_client.get(
        reverse("wagtailsnippets_cases_case:inspect", args=[case.pk])
    )
    edit = admin_client.post(
        reverse("wagtailsnippets_cases_case:edit", args=[case.pk]), {"subject": "x"}
    )
    delete = admin_client.post(
        reverse("wagtailsnippets_cases_case:delete", args=[case.pk])
    )

    assert inspect.status_code == 200
    assert case.number in inspect.content.decode()
    assert edit.status_code in (302, 403)
    assert delete.status_code in (302, 403)
    case.refresh_from_db()
    assert case.subject == "Read only"
    assert Case.objects.filter(pk=case.pk).exists()


def test_editors_do_not_see_cases_in_the_admin(client, world, make_case):
    make_case(subject="Hidden from editors")
    client.force_login(world.editor)

    response = client.get(reverse("wagtailsnippets_cases_case:list"))

    assert response.status_code in (302, 403)
    assert "Hidden from editors" not in response.content.decode()


def test_staff_add_a_routing_rule_and_an_sla_row(admin_client, world):
    rule = admin_client.post(
        reverse("wagtailsnippets_cases_routingrule:add"),
        {
            "product_line": world.payroll.pk,
            "area": "",
            "partner": world.centro.pk,
            "priority": 10,
            "is_active": "on",
        },
    )
    sla = admin_client.post(
        reverse("wagtailsnippets_cases_slapolicy:add"),
        {"urgency": "blocking", "hours": 4},
    )

    assert rule.status_code == 302 and sla.status_code == 302
    assert RoutingRule.objects.get().partner == world.centro
    assert SlaPolicy.objects.get().hours == 4


def test_routing_rule_area_must_belong_to_its_line(admin_client, world):
    response = admin_client.post(
        reverse("wagtailsnippets_cases_routingrule:add"),
        {
            "product_line": world.payroll.pk,
            "area": world.vat.pk,
            "partner": world.centro.pk,
            "priority": 10,
        },
    )

    assert response.status_code == 200
    assert "This area belongs to another product line." in response.content.decode()
    assert not RoutingRule.objects.exists()


def test_admin_issues_a_token_once_and_revokes_it(admin_client, client, world):
    response = admin_client.post(
        reverse("wagtailsnippets_cases_apitoken:add"),
        {"customer": world.microbit.customer.pk, "name": "server-01"},
        follow=True,
    )
    raw = re.search(r"spt_[A-Za-z0-9_-]{20,}", response.content.decode()).group(0)
    token = ApiToken.objects.get()

    assert token.name == "server-01" and token.created_by == world.admin
    listing = admin_client.get(reverse("wagtailsnippets_cases_apitoken:list"))
    assert raw not in listing.content.decode()
    assert (
        client.get("/api/cases/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    )

    admin_client.post(
        reverse("wagtailsnippets_cases_apitoken:edit", args=[token.pk]),
        {"name": "server-01", "revoke": "on"},
    )

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert (
        client.get("/api/cases/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    )
