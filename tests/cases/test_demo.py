"""The demo cases as `make run` loads them."""

import io

import pytest
from django.core.management import call_command

from cases.models import Case, RoutingRule, SlaPolicy, Status

from .conftest import url

pytestmark = pytest.mark.django_db


def test_demo_cases_routing_and_sla(demo, client, customer_user):
    microbit = Case.objects.filter(customer__code="024200")
    resolved = microbit.get(status=Status.RESOLVED)

    assert microbit.count() == 2
    assert microbit.filter(status=Status.IN_PROGRESS).count() == 1
    assert resolved.messages.filter(role="partner").exists()
    assert Case.objects.filter(customer__code="031337").count() == 1
    assert RoutingRule.objects.count() == 1
    assert SlaPolicy.objects.count() == 4
    client.force_login(customer_user)
    history = client.get(url("cases:list") + "?scope=resolved").content.decode()
    assert resolved.number in history


def test_loading_the_demo_again_duplicates_nothing(demo):
    before = (Case.objects.count(), RoutingRule.objects.count())

    call_command("load_demo", stdout=io.StringIO())

    assert (Case.objects.count(), RoutingRule.objects.count()) == before
