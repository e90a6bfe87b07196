"""The case page's extension point (cases.panels): other apps add their panels
through a hook; cases names none of them (issue 14)."""

import copy
from pathlib import Path

import pytest
from django.apps import apps
from wagtail import hooks

from cases.panels import CASE_PAGE_PANELS, CasePanel, case_page_panels

from .conftest import url

HERE = Path(__file__).parent


@pytest.fixture
def test_panel(settings):
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], HERE / "templates"]
    settings.TEMPLATES = templates

    def panel():
        return CasePanel("tests/case_panel.html", order=150)

    hooks.register(CASE_PAGE_PANELS, panel)
    yield panel
    hooks._hooks[CASE_PAGE_PANELS].remove((panel, 0))


def test_a_registered_panel_shows_on_the_case_page_in_its_order(
    client, world, make_case, test_panel
):
    case = make_case()
    client.force_login(world.microbit)

    html = client.get(url("cases:detail", case.number)).content.decode()

    assert f"Test panel for {case.number}" in html
    templates = [panel.template for panel in case_page_panels()]
    assert "tests/case_panel.html" in templates
    assert templates == sorted(
        templates, key=lambda t: {p.template: p.order for p in case_page_panels()}[t]
    )


def test_installed_apps_register_their_own_panels(world):
    templates = {panel.template for panel in case_page_panels()}

    assert ("remote/includes/case_sessions.html" in templates) == apps.is_installed(
        "remote"
    )
    assert ("deflection/includes/case_reading.html" in templates) == apps.is_installed(
        "deflection"
    )


def test_without_a_first_step_the_form_opens_directly(client, world, settings):
    settings.CASES_FIRST_STEP = ""
    client.force_login(world.microbit)

    response = client.get(url("cases:new"))

    assert response.status_code == 200
    assert 'name="request"' in response.content.decode()


def test_without_a_log_check_the_form_offers_no_button(client, world, settings):
    settings.CASES_FIRST_STEP = ""
    settings.CASES_LOG_CHECK = ""
    client.force_login(world.microbit)

    html = client.get(url("cases:new")).content.decode()

    assert "check_log" not in html and "data-log-check" not in html
