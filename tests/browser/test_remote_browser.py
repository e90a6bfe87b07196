"""Remote assistance end to end, with two people in two browser contexts: the
customer authorises and reads the code, the partner opens the session with it,
and each sees the other's moves without reloading the page."""

import re

from playwright.sync_api import expect

PASSWORD = "sportello-demo"
# What one side does reaches the other by polling (every 2 s, 10 s after a
# failed poll), and each button is a POST and a redirect: on a busy machine
# either can take longer than expect()'s 5 s.
ACROSS = 20_000


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/en/accounts/login/")
    page.get_by_label("Customer code or e-mail").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reserved area")


def mark(page) -> None:
    """Leave a marker in the page: it survives only if the page never reloads."""
    page.evaluate("window.remoteMarker = 'not reloaded'")


def assert_not_reloaded(page) -> None:
    assert page.evaluate("window.remoteMarker") == "not reloaded"


def test_customer_and_partner_go_through_the_handshake(live_demo, new_page):
    customer = new_page()
    log_in(customer, live_demo.url, "024200")
    customer.goto(f"{live_demo.url}/en/remote/")

    # Accept stays disabled until the sixth clause is ticked.
    accept = customer.get_by_role("button", name="Accept")
    clauses = customer.locator("input[data-clause]")
    expect(clauses).to_have_count(6)
    expect(customer.get_by_label("Company name (Ragione Sociale)")).to_have_value(
        "Microbit Srl"
    )
    for index in range(6):
        expect(accept).to_be_disabled()
        clauses.nth(index).check()
    expect(accept).to_be_enabled()
    accept.click()

    expect(customer.get_by_role("heading", level=1)).to_have_text(
        "Your remote assistance session"
    )
    code = customer.locator("[data-session-code]").inner_text().strip()
    assert re.fullmatch(r"[0-9]{3} [0-9]{3} [0-9]{3}", code)
    expect(
        customer.get_by_role("link", name="Download Sportello Remote for Linux")
    ).to_be_visible()
    mark(customer)

    partner = new_page()
    log_in(partner, live_demo.url, "partner")
    partner.goto(f"{live_demo.url}/en/remote/desk/")
    partner.get_by_label("Session code").fill(code)
    partner.get_by_role("button", name="Open the session").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text(
        "Remote session: Microbit Srl"
    )
    partner.get_by_role("button", name="Ask to view the desktop").click()

    # The request reaches the customer's page without a reload.
    expect(
        customer.get_by_text("The technician asks to view your desktop.")
    ).to_be_visible(timeout=ACROSS)
    assert_not_reloaded(customer)
    mark(partner)
    customer.get_by_role("button", name="Allow").click()
    expect(customer.locator("[data-consent=view]")).to_have_text(
        "Allowed", timeout=ACROSS
    )

    expect(partner.locator("[data-consent=view]")).to_have_text(
        "Allowed", timeout=ACROSS
    )
    assert_not_reloaded(partner)
    mark(customer)
    partner.get_by_role("button", name="Ask to use keyboard and mouse").click()

    expect(
        customer.get_by_text("The technician asks to use your keyboard and mouse.")
    ).to_be_visible(timeout=ACROSS)
    assert_not_reloaded(customer)
    mark(partner)
    customer.get_by_role("button", name="Deny").click()

    # Both answers on the partner's page, still without a reload.
    expect(partner.locator("[data-consent=control]")).to_have_text(
        "Denied", timeout=ACROSS
    )
    expect(partner.locator("[data-consent=view]")).to_have_text(
        "Allowed", timeout=ACROSS
    )
    assert_not_reloaded(partner)

    mark(customer)
    partner.get_by_role("button", name="Close the session").click()
    expect(partner.get_by_text("The session is closed.").first).to_be_visible(
        timeout=ACROSS
    )
    expect(customer.get_by_text("The session is closed.").first).to_be_visible(
        timeout=ACROSS
    )
    expect(customer.locator("[data-session-status]")).to_have_text(
        "Closed", timeout=ACROSS
    )
    assert_not_reloaded(customer)
    expect(partner.locator("table.session-log tbody tr")).to_have_count(7)


def test_without_javascript_accept_is_enabled_and_the_server_refuses_five(
    live_demo, browser
):
    from .conftest import SCREENSHOTS

    context = browser.new_context(
        locale="it-IT",
        java_script_enabled=False,
        viewport={"width": 1200, "height": 900},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"{live_demo.url}/it/remote/")
        clauses = page.locator("input[data-clause]")
        expect(clauses).to_have_count(6)
        expect(clauses.nth(2)).to_have_accessible_name(re.compile("almeno due"))
        page.locator("input[name=company_name]").fill("Ferramenta Rossi")
        page.locator("input[name=operator_name]").fill("Paolo Rossi")
        page.locator("input[name=email]").fill("paolo@ferramenta.example")
        for index in range(5):
            clauses.nth(index).check()
        accept = page.locator("[data-accept-button]")
        expect(accept).to_be_enabled()
        accept.click()

        expect(page.get_by_role("alert").first).to_be_visible()
        expect(page.locator("input[name=operator_name]")).to_have_value("Paolo Rossi")
        expect(clauses.nth(0)).to_be_checked()
        expect(clauses.nth(5)).not_to_be_checked()
        expect(page.locator(".field.clause.field-invalid")).to_have_count(1)
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(
            path=str(SCREENSHOTS / "test_remote_form_without_javascript.png"),
            full_page=True,
        )
    finally:
        context.close()
