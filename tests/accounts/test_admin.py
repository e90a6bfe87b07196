"""The Wagtail admin for companies and users: snippet listings with search and
filters, and the user form's company fields."""

import pytest
from django.urls import reverse

from accounts.models import Customer, Partner, User
from tests.factories import CustomerFactory


@pytest.fixture
def admin_client_demo(client, admin_user_demo):
    client.force_login(admin_user_demo)
    return client


def customers_url() -> str:
    return reverse("wagtailsnippets_accounts_customer:list")


def partners_url() -> str:
    return reverse("wagtailsnippets_accounts_partner:list")


def test_customer_listing_shows_both_companies(admin_client_demo):
    response = admin_client_demo.get(customers_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "Microbit Srl" in html
    assert "Rossi Contabilità" in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("Microbit", "Microbit Srl", "Rossi Contabilità"),
        ("Rossi", "Rossi Contabilità", "Microbit Srl"),
        ("031337", "Rossi Contabilità", "Microbit Srl"),
    ],
)
def test_customer_search(admin_client_demo, query, shown, hidden):
    response = admin_client_demo.get(customers_url(), {"q": query})

    html = response.content.decode()
    assert response.status_code == 200
    assert shown in html
    assert hidden not in html


def test_customer_search_finds_an_installation_code(admin_client_demo):
    response = admin_client_demo.get(customers_url(), {"q": "220731"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Rossi Contabilità" in html
    assert "Microbit Srl" not in html


def test_customer_filter_by_reference_partner(admin_client_demo):
    partner = Partner.objects.get(code="P0200")

    response = admin_client_demo.get(customers_url(), {"reference_partner": partner.pk})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Rossi Contabilità" in html
    assert "Microbit Srl" not in html


def test_customer_filter_by_licensed_product_line(admin_client_demo):
    from taxonomy.models import ProductLine

    warehouse = ProductLine.objects.get(code="warehouse")

    response = admin_client_demo.get(customers_url(), {"product_lines": warehouse.pk})

    html = response.content.decode()
    assert "Microbit Srl" in html
    assert "Rossi Contabilità" not in html


def test_customer_filter_by_active(admin_client_demo):
    CustomerFactory(name="Dormant Spa", is_active=False)

    response = admin_client_demo.get(customers_url(), {"is_active": "false"})

    html = response.content.decode()
    assert "Dormant Spa" in html
    assert "Microbit Srl" not in html


def test_partner_listing_and_search(admin_client_demo):
    everyone = admin_client_demo.get(partners_url()).content.decode()
    searched = admin_client_demo.get(partners_url(), {"q": "Nordest"})

    assert "Nordest Informatica Srl" in everyone
    assert "Centro Servizi Gestionali Snc" in everyone
    html = searched.content.decode()
    assert searched.status_code == 200
    assert "Nordest Informatica Srl" in html
    assert "Centro Servizi Gestionali Snc" not in html


def test_customer_edit_form_shows_the_codes(admin_client_demo):
    customer = Customer.objects.get(code="024200")
    edit_url = reverse("wagtailsnippets_accounts_customer:edit", args=[customer.pk])
    form_page = admin_client_demo.get(edit_url)
    assert form_page.status_code == 200
    assert 'value="112195"' in form_page.content.decode()


@pytest.mark.parametrize("username", ["024200", "partner"])
def test_customers_and_partners_cannot_open_the_listings(client, demo, username):
    client.force_login(User.objects.get(username=username))

    response = client.get(customers_url())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_user_edit_form_shows_the_company(admin_client_demo):
    user = User.objects.get(username="024200")

    response = admin_client_demo.get(reverse("wagtailusers_users:edit", args=[user.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="customer"' in html
    assert 'name="partner"' in html
    assert 'name="mobile"' in html
    customer = user.customer
    assert f'<option value="{customer.pk}" selected>' in html


def test_user_create_form_shows_the_company_fields(admin_client_demo):
    response = admin_client_demo.get(reverse("wagtailusers_users:add"))

    html = response.content.decode()
    assert 'name="customer"' in html
    assert 'name="partner"' in html


def test_admin_refuses_a_user_in_a_customer_and_a_partner(admin_client_demo):
    user = User.objects.get(username="024200")

    response = admin_client_demo.post(
        reverse("wagtailusers_users:edit", args=[user.pk]),
        {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "is_active": "on",
            "customer": user.customer_id,
            "partner": Partner.objects.get(code="P0100").pk,
        },
    )

    assert response.status_code == 200
    assert (
        "A user belongs to a customer or to a partner, not to both."
        in response.content.decode()
    )
    assert User.objects.get(pk=user.pk).partner is None


def test_admin_moves_a_user_to_another_customer(admin_client_demo):
    user = User.objects.get(username="024200")
    rossi = Customer.objects.get(code="031337")

    response = admin_client_demo.post(
        reverse("wagtailusers_users:edit", args=[user.pk]),
        {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "is_active": "on",
            "customer": rossi.pk,
            "mobile": "+39 333 0000000",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.customer == rossi
    assert user.mobile == "+39 333 0000000"


def test_partner_chooser_search_on_the_customer_form(admin_client_demo):
    # The customer form picks its reference partner through this chooser.
    url = reverse("wagtailsnippetchoosers_accounts_partner:choose_results")

    response = admin_client_demo.get(url, {"q": "Centro"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Centro Servizi Gestionali Snc" in html
    assert "Nordest Informatica Srl" not in html
