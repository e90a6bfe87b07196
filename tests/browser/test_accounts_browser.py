import re

from django.utils import translation
from playwright.sync_api import expect


def translated(text: str, language: str) -> str:
    with translation.override(language):
        return str(translation.gettext(text))


def test_customer_logs_in_switches_to_finnish_and_logs_out(live_demo, new_page):
    page = new_page()
    page.goto(f"{live_demo.url}/en/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_label("Customer code or e-mail").fill("024200")
    page.get_by_label("Password").fill("sportello-demo")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Reserved area")
    expect(page.get_by_text("Microbit Srl (024200)")).to_be_visible()

    page.get_by_role("navigation", name="Language").get_by_role(
        "link", name="Suomi"
    ).click()
    expect(page).to_have_url(re.compile(r"/fi/accounts/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    finnish_heading = translated("Reserved area", "fi")
    assert finnish_heading != "Reserved area", "the fi catalogue lacks this string"
    expect(page.get_by_role("heading", level=1)).to_have_text(finnish_heading)
    # Still logged in, and the company is still shown.
    expect(page.get_by_text("Microbit Srl (024200)")).to_be_visible()

    page.get_by_role("button", name=translated("Log out", "fi")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        translated("You are logged out", "fi")
    )
    page.goto(f"{live_demo.url}/fi/accounts/")
    expect(page).to_have_url(re.compile(r"/fi/accounts/login/\?next="))


def test_wrong_password_shows_message_and_keeps_the_username(live_demo, new_page):
    page = new_page()
    page.goto(f"{live_demo.url}/it/accounts/login/")
    page.get_by_label(translated("Customer code or e-mail", "it")).fill("024200")
    page.get_by_label(translated("Password", "it")).fill("wrong-password")
    page.get_by_role("button", name=translated("Log in", "it")).click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(
        page.get_by_label(translated("Customer code or e-mail", "it"))
    ).to_have_value("024200")


def test_skip_link_is_first_in_focus_order(live_demo, new_page):
    page = new_page()
    page.goto(f"{live_demo.url}/en/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to main content"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
