"""What every portal page offers: language prefixes and switcher, skip link and
main region, CSRF tokens in every POST form, local assets only, error pages."""

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import translation
from wagtail.models import Page

from home.demo import HOME
from home.models import HomePage
from portal.views import server_error
from tests.conftest import DEMO_PASSWORD

LANGUAGES = ["it", "fi", "en"]
# Pages every visitor can open, without the language prefix.
PUBLIC_PAGES = [
    "",
    "accounts/login/",
    "accounts/register/",
    "accounts/password/reset/",
    "accounts/password/reset/sent/",
    "accounts/register/done/",
]
# Pages behind the login.
RESERVED_PAGES = [
    "accounts/",
    "accounts/members/",
    "accounts/password/",
    "accounts/password/done/",
]


@pytest.fixture
def customer_client(client, customer_user):
    client.force_login(customer_user)
    return client


def test_root_redirects_to_a_language_prefix(client, demo):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] in {f"/{code}/" for code in LANGUAGES}


def test_root_follows_the_browser_language(client, demo):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fi-FI,fi;q=0.9,en;q=0.5")

    assert response["Location"] == "/fi/"


@pytest.mark.parametrize("language", LANGUAGES)
def test_home_page_in_each_language(client, demo, read_page, language):
    response = client.get(f"/{language}/")

    assert response.status_code == 200
    html = response.content.decode()
    title, _intro = HOME[language]
    assert f"<h1>{title}</h1>" in html
    page = read_page(response)
    assert page.html_lang == language
    assert page.language_links == {code: f"/{code}/" for code in LANGUAGES}


def test_home_page_offers_the_reserved_area_to_visitors(client, demo):
    html = client.get("/it/").content.decode()

    assert 'href="/it/accounts/login/"' in html


@pytest.mark.parametrize("path", PUBLIC_PAGES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_share_the_accessible_layout(
    client, demo, read_page, path, language
):
    response = client.get(f"/{language}/{path}")

    assert response.status_code == 200
    page = read_page(response)
    assert page.html_lang == language
    assert page.has_skip_link
    assert page.main_ids == ["main"]
    assert page.language_links == {code: f"/{code}/{path}" for code in LANGUAGES}


@pytest.mark.parametrize("path", RESERVED_PAGES)
def test_reserved_pages_share_the_accessible_layout(customer_client, read_page, path):
    response = customer_client.get(f"/fi/{path}")

    assert response.status_code == 200
    page = read_page(response)
    assert page.html_lang == "fi"
    assert page.has_skip_link
    assert page.main_ids == ["main"]
    assert page.language_links == {code: f"/{code}/{path}" for code in LANGUAGES}


def test_language_switcher_on_a_django_page_keeps_the_page(client, demo, read_page):
    page = read_page(client.get("/fi/accounts/login/"))

    assert page.language_links["it"] == "/it/accounts/login/"
    assert page.language_links["en"] == "/en/accounts/login/"


def test_language_switcher_keeps_the_query_string(client, demo, read_page):
    page = read_page(client.get("/en/accounts/login/?next=/en/accounts/"))

    assert page.language_links["it"] == "/it/accounts/login/?next=/en/accounts/"


def test_switcher_on_an_untranslated_page_offers_the_home_pages(
    client, demo, read_page
):
    en_home = HomePage.objects.get(locale__language_code="en")
    page = en_home.add_child(
        instance=Page(
            title="Only in English", slug="only-english", locale=en_home.locale
        )
    )
    page.save_revision().publish()
    request = RequestFactory().get("/en/only-english/")

    with translation.override("en"):
        html = render_to_string("base.html", {"page": page}, request=request)

    links = read_page(html).language_links
    assert links == {"it": "/it/", "fi": "/fi/", "en": "/en/only-english/"}
    assert client.get(links["it"]).status_code == 200
    # Why: the same path in Italian does not exist.
    assert client.get("/it/only-english/").status_code == 404


# CSRF ------------------------------------------------------------------------


def post_forms(page) -> list[dict]:
    return [form for form in page.forms if form["method"] == "post"]


@pytest.mark.parametrize(
    "path",
    [
        "/en/accounts/login/",
        "/it/accounts/register/",
        "/fi/accounts/password/reset/",
    ],
)
def test_every_post_form_carries_a_csrf_token(client, demo, read_page, path):
    forms = post_forms(read_page(client.get(path)))

    assert forms, "the page should offer a form"
    assert all("csrfmiddlewaretoken" in form["fields"] for form in forms)


@pytest.mark.parametrize("path", ["/en/", *(f"/en/{p}" for p in RESERVED_PAGES)])
def test_logout_and_other_forms_carry_a_csrf_token_when_logged_in(
    customer_client, read_page, path
):
    forms = post_forms(read_page(customer_client.get(path)))

    assert "/en/accounts/logout/" in [form["action"] for form in forms]
    assert all("csrfmiddlewaretoken" in form["fields"] for form in forms)


def test_login_without_csrf_token_is_forbidden(demo):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/en/accounts/login/", {"username": "024200", "password": DEMO_PASSWORD}
    )

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_login_with_the_csrf_token_works(demo):
    client = Client(enforce_csrf_checks=True)
    client.get("/en/accounts/login/")
    token = client.cookies["csrftoken"].value

    response = client.post(
        "/en/accounts/login/",
        {"username": "024200", "password": DEMO_PASSWORD},
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 302


# Assets ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/it/", "/fi/accounts/login/", "/en/accounts/register/", "/fi/nope/"]
)
def test_pages_load_no_external_assets(client, demo, read_page, path):
    assets = read_page(client.get(path)).assets

    assert assets, "the page should load the portal's stylesheet"
    assert not [a for a in assets if a.startswith(("http://", "https://", "//"))]


def test_stylesheet_and_script_ship_with_the_portal(client, demo, read_page):
    assets = read_page(client.get("/en/")).assets

    assert assets
    for asset in assets:
        assert asset.startswith(settings.STATIC_URL), asset
        assert finders.find(asset.removeprefix(settings.STATIC_URL)), asset


# Error pages -----------------------------------------------------------------


def test_missing_page_uses_the_portal_404(client, demo, read_page):
    response = client.get("/fi/does-not-exist/")

    assert response.status_code == 404
    html = response.content.decode()
    assert 'lang="fi"' in html
    assert "404.html" in [t.name for t in response.templates]
    page = read_page(response)
    assert page.has_skip_link
    assert page.main_ids == ["main"]
    assert page.language_links["it"] == "/it/does-not-exist/"


@pytest.mark.parametrize("language", LANGUAGES)
def test_server_error_page_renders_without_the_database(language):
    request = RequestFactory().get(f"/{language}/broken/")

    with translation.override(language):
        response = server_error(request)

    html = response.content.decode()
    assert response.status_code == 500
    assert f'<html lang="{language}">' in html
    with translation.override(language):
        assert translation.gettext("Something went wrong") in html
    assert f'href="/{language}/"' in html
    assert "http://" not in html
    assert "https://" not in html


def test_the_icon_ships_with_the_portal_and_favicon_ico_finds_it(client, demo):
    page = client.get("/en/").content.decode()
    response = client.get("/favicon.ico")

    icon = f"{settings.STATIC_URL}portal/favicon.svg"
    assert f'<link rel="icon" href="{icon}" type="image/svg+xml">' in page
    assert response.status_code == 302
    assert response["Location"] == icon
    assert finders.find("portal/favicon.svg")


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_private_areas(
    client, demo
):
    response = client.get("/robots.txt")
    lines = response.content.decode().splitlines()

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    for private in ("/admin/", "/api/", "/*/cases/", "/*/accounts/"):
        assert f"Disallow: {private}" in lines
    assert client.get("/sitemap.xml").status_code == 200
