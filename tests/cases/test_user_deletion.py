"""Deleting a customer's user who reported cases and wrote in them: the Wagtail
admin deletes the account without a server error, and the cases, their
messages and their history stay with the company, still naming who wrote
them."""

import pytest
from django.urls import reverse

from accounts.models import User
from cases.models import Case, CaseEvent, CaseMessage
from cases.services import add_case_message

from .conftest import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(world, make_case):
    """A case Carla (Microbit's second user) reported, with her reply in it."""
    world.colleague.first_name, world.colleague.last_name = "Carla", "Colleghi"
    world.colleague.save()
    case = make_case(world.colleague)
    add_case_message(case, world.colleague, "Ecco il log richiesto.", notify=False)
    return case


def test_the_admin_deletes_a_user_who_reported_cases(client, world, reported):
    client.force_login(world.admin)
    address = reverse("wagtailusers_users:delete", args=[world.colleague.pk])

    confirm = client.get(address)
    response = client.post(address)

    assert confirm.status_code == 200

    assert response.status_code == 302
    assert not User.objects.filter(pk=world.colleague.pk).exists()
    case = Case.objects.get(pk=reported.pk)
    assert case.reporter is None
    assert case.customer == world.microbit.customer
    message = CaseMessage.objects.get(case=case, body="Ecco il log richiesto.")
    assert message.author is None
    assert message.author_name.startswith("Carla Colleghi")
    assert CaseEvent.objects.filter(
        case=case, actor_name__startswith="Carla Colleghi"
    ).exists()


def test_the_company_still_reads_the_case_of_a_deleted_user(client, world, reported):
    world.colleague.delete()
    client.force_login(world.microbit)

    response = client.get(url("cases:detail", reported.number))

    assert response.status_code == 200
    page = response.content.decode()
    assert reported.subject in page
    assert "Ecco il log richiesto." in page
    assert "Carla Colleghi" in page
