"""`manage.py load_demo`: idempotent, and the README's logins work."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from wagtail.models import Locale, Page, Site

from accounts.models import Customer, Partner, User
from home.models import HomePage
from taxonomy.models import Area, ProductLine
from tests.conftest import DEMO_PASSWORD

README_LOGINS = [
    "024200",
    "031337",
    "partner",
    "partner2",
    "editor",
    "admin",
    "reviewer",
]


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            Customer,
            Partner,
            ProductLine,
            Area,
            HomePage,
            Page,
            Locale,
            Site,
            Group,
        )
    }


def test_loading_twice_duplicates_nothing(db):
    output = io.StringIO()
    call_command("load_demo", stdout=output)
    first = counts()

    call_command("load_demo", stdout=output)

    assert counts() == first
    assert first["User"] == 7
    assert (first["Customer"], first["Partner"]) == (2, 2)
    assert (first["ProductLine"], first["Area"]) == (3, 9)
    assert (first["HomePage"], first["Locale"]) == (3, 3)
    assert "Demo loaded." in output.getvalue()


def test_loading_again_keeps_a_changed_password(demo):
    user = User.objects.get(username="024200")
    user.set_password("my-own-passphrase")
    user.save()

    call_command("load_demo", stdout=io.StringIO())

    assert User.objects.get(username="024200").check_password("my-own-passphrase")


def test_demo_companies_match_the_readme(demo):
    microbit = Customer.objects.get(code="024200")
    rossi = Customer.objects.get(code="031337")

    assert microbit.name == "Microbit Srl"
    assert microbit.installation_code == "112195"
    assert microbit.reference_partner.name == "Nordest Informatica Srl"
    assert sorted(microbit.product_lines.values_list("code", flat=True)) == [
        "accounting",
        "warehouse",
    ]
    assert rossi.name == "Rossi Contabilità"
    assert rossi.reference_partner.name == "Centro Servizi Gestionali Snc"
    assert sorted(rossi.product_lines.values_list("code", flat=True)) == [
        "accounting",
        "payroll",
    ]


def test_the_english_home_page_is_the_site_root(demo):
    site = Site.objects.get(is_default_site=True)

    assert site.root_page.specific.locale.language_code == "en"
    translations = site.root_page.get_translations(inclusive=True).live()
    assert sorted(p.locale.language_code for p in translations) == ["en", "fi", "it"]


@pytest.mark.parametrize("username", README_LOGINS)
def test_every_readme_login_works(client, demo, username):
    response = client.post(
        "/en/accounts/login/", {"username": username, "password": DEMO_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/"
    assert client.get("/en/accounts/").status_code == 200


@pytest.mark.parametrize(
    ("username", "group"), [("editor", "Editors"), ("reviewer", "Moderators")]
)
def test_editorial_logins_are_in_their_wagtail_group(demo, username, group):
    assert list(
        User.objects.get(username=username).groups.values_list("name", flat=True)
    ) == [group]


@pytest.mark.parametrize("username", ["editor", "reviewer", "admin"])
def test_staff_logins_reach_the_wagtail_admin(client, demo, username):
    client.post(
        "/en/accounts/login/", {"username": username, "password": DEMO_PASSWORD}
    )

    response = client.get("/admin/")

    assert response.status_code == 200


@pytest.mark.parametrize("username", ["024200", "partner"])
def test_customers_and_partners_are_kept_out_of_the_admin(client, demo, username):
    client.post(
        "/en/accounts/login/", {"username": username, "password": DEMO_PASSWORD}
    )

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_refuses_where_the_settings_do_not_allow_demo_data(db, settings):
    from django.core.management.base import CommandError

    settings.DEMO_DATA_ALLOWED = False
    before = counts()

    with pytest.raises(CommandError, match="Refusing to load the demo"):
        call_command("load_demo", stdout=io.StringIO())

    assert counts() == before
    assert not User.objects.filter(username="admin").exists()


def test_settings_without_the_flag_refuse_too(db, settings):
    from django.core.management.base import CommandError

    del settings.DEMO_DATA_ALLOWED

    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        call_command("load_demo", "--only", "accounts.demo", stdout=io.StringIO())


def test_allow_production_flag_loads_anyway(db, settings):
    settings.DEMO_DATA_ALLOWED = False
    output = io.StringIO()

    call_command("load_demo", "--allow-production", stdout=output)

    assert "Demo loaded." in output.getvalue()
    assert User.objects.filter(username="admin").exists()
