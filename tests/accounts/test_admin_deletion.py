"""Deleting a company in the Wagtail admin while users (or cases, or consent
records) still refer to it is refused with a message saying what refers to
it, instead of a server error; nothing is deleted."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import Customer, Partner, User
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user_demo):
    client.force_login(admin_user_demo)
    return client


def delete_url(model: str, pk: int) -> str:
    return reverse(f"wagtailsnippets_accounts_{model}:delete", args=[pk])


def edit_url(model: str, pk: int) -> str:
    return reverse(f"wagtailsnippets_accounts_{model}:edit", args=[pk])


def message_of(response) -> str:
    (message,) = get_messages(response.wsgi_request)
    return str(message)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_customer_with_users_is_not_deleted(admin_client, customer_user, method):
    customer = customer_user.customer
    users = User.objects.filter(customer=customer).count()

    response = getattr(admin_client, method)(delete_url("customer", customer.pk))

    assert response.status_code == 302
    assert response["Location"] == edit_url("customer", customer.pk)
    text = message_of(response)
    assert f"{customer} cannot be deleted: " in text
    assert f"{users} user" in text
    assert "Nothing was deleted." in text
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert User.objects.filter(customer=customer).count() == users


def test_the_message_counts_every_kind_of_reference(admin_client, customer_user):
    from cases.models import Case

    customer = customer_user.customer
    cases = Case.objects.filter(customer=customer).count()
    assert cases  # the demo's cases of this company

    response = admin_client.post(delete_url("customer", customer.pk))

    text = message_of(response)
    assert f"{cases} case" in text
    assert Case.objects.filter(customer=customer).count() == cases


def test_a_partner_with_logins_is_not_deleted(admin_client, partner_user):
    partner = partner_user.partner

    response = admin_client.post(delete_url("partner", partner.pk))

    assert response.status_code == 302
    assert "cannot be deleted" in message_of(response)
    assert Partner.objects.filter(pk=partner.pk).exists()


def test_a_customer_nothing_refers_to_is_deleted(admin_client, demo):
    customer = CustomerFactory()

    response = admin_client.post(delete_url("customer", customer.pk))

    assert response.status_code == 302
    assert not Customer.objects.filter(pk=customer.pk).exists()


def test_bulk_deleting_customers_refuses_them_all_if_one_is_referenced(
    admin_client, customer_user
):
    unused = CustomerFactory()
    referenced = customer_user.customer
    listing = reverse("wagtailsnippets_accounts_customer:list")
    address = (
        reverse("wagtail_bulk_action", args=["accounts", "customer", "delete"])
        + f"?id={unused.pk}&id={referenced.pk}&next={listing}"
    )

    response = admin_client.post(address)

    assert response.status_code == 302
    assert response["Location"] == listing
    assert f"{referenced} cannot be deleted" in message_of(response)
    assert Customer.objects.filter(pk__in=[unused.pk, referenced.pk]).count() == 2
