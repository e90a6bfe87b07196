"""Search in a real browser: suggestions as you type in the header box, and
the advanced search page without JavaScript."""

import re

from playwright.sync_api import expect


def test_header_suggestions_open_the_chosen_article(live_demo, new_page):
    page = new_page()
    page.goto(f"{live_demo.url}/en/")
    box = page.get_by_role("combobox", name="Search the documentation")

    box.press_sequentially("invent", delay=50)

    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    option = listbox.get_by_role("option", name="Running a physical inventory count")
    expect(option).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    expect(listbox.get_by_role("option").first).to_have_attribute(
        "aria-selected", "true"
    )
    option.click()

    expect(page).to_have_url(re.compile(r"/en/kb/[^/]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Running a physical inventory count"
    )


def test_search_page_round_trip_without_javascript(live_demo, browser):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(f"{live_demo.url}/en/")
        page.get_by_role("searchbox", name="Search the documentation").fill("error")
        page.get_by_role("button", name="Search", exact=True).click()

        expect(page).to_have_url(re.compile(r"/en/search/\?q=error$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Advanced document search"
        )
        page.get_by_label("Product line").select_option("warehouse")
        page.get_by_role("button", name="Apply filters").click()

        expect(page).to_have_url(re.compile(r"product_line=warehouse"))
        expect(page.get_by_label("Product line")).to_have_value("warehouse")
        results = page.locator(".search-result-title")
        expect(results.first).to_be_visible()
        expect(
            page.get_by_text("Error MAG-2001: negative stock not allowed")
        ).to_be_visible()
        expect(page.get_by_text("Error SIS-1042")).to_have_count(0)

        page.go_back()
        expect(page).to_have_url(re.compile(r"/en/search/\?q=error$"))
        results.first.click()
        expect(page).to_have_url(re.compile(r"/en/kb/[^/]+/$"))
    finally:
        context.close()
