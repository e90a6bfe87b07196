"""The first step of "New case" in a browser: with JavaScript the suggestions
appear while typing; without it the same step works by round trips and hands
everything typed on to the case form."""

import pytest
from playwright.sync_api import expect

PASSWORD = "sportello-demo"
DESCRIPTION = "The archive is locked by another user when I open the company"


@pytest.fixture
def indexed(live_demo):
    from kb.documents import iter_article_documents
    from search.documents import Document
    from search.services import rebuild_index

    rebuild_index(Document(**document) for document in iter_article_documents())
    return live_demo


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/en/accounts/login/")
    page.get_by_label("Customer code or e-mail").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reserved area")


def test_typing_shows_suggestions_then_solved(indexed, new_page):
    from deflection.models import DeflectionEvent

    page = new_page()
    log_in(page, indexed.url, "024200")
    page.goto(f"{indexed.url}/en/cases/new/")

    expect(page).to_have_url(f"{indexed.url}/en/cases/new/describe/")
    page.get_by_label("Product line").select_option("accounting")
    page.get_by_label("What is the problem?").press_sequentially(
        "archive locked", delay=20
    )

    suggestions = page.locator("[data-suggestions] .suggestion-list a")
    expect(suggestions.first).to_have_text(
        "Error SIS-1042: company archive locked by another user"
    )
    expect(
        page.get_by_role("link", name="Search all the documentation")
    ).to_have_attribute("href", "/en/search/?q=archive+locked&product_line=accounting")
    solved = page.get_by_role("button", name="This solved my problem")
    expect(solved).to_be_visible()
    solved.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Glad it is solved")
    kinds = list(DeflectionEvent.objects.values_list("kind", flat=True))
    assert sorted(kinds) == ["shown", "solved"]


def test_without_javascript_still_need_help_prefills_the_form(indexed, browser):
    from cases.models import Case
    from deflection.models import CaseReading

    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, indexed.url, "024200")
        page.goto(f"{indexed.url}/en/cases/new/")
        page.get_by_label("Product line").select_option("accounting")
        page.get_by_label("What is the problem?").fill(DESCRIPTION)
        page.get_by_role("button", name="Show matching articles").click()

        expect(page.locator(".suggestion-list a").first).to_have_text(
            "Error SIS-1042: company archive locked by another user"
        )
        page.get_by_role("button", name="I still need help").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Request assistance")
        expect(page.get_by_label("Product line")).to_have_value("accounting")
        expect(page.get_by_label("Subject")).to_have_value(DESCRIPTION)
        expect(page.locator("#id_request")).to_have_value(DESCRIPTION)
        page.get_by_label("Area").select_option(label="General ledger")
        page.get_by_role("button", name="Send request").click()

        expect(page.locator(".case-number")).to_contain_text("Case ")
        case = Case.objects.order_by("-pk").first()
        assert case.subject == DESCRIPTION
        reading = CaseReading.objects.get(case=case)
        assert reading.suggested and not reading.asked_after_reading
    finally:
        page.screenshot(
            path="tests/browser/screenshots/test_deflection_no_js.png", full_page=True
        )
        context.close()


def test_choosing_a_log_in_the_case_form_shows_its_articles(indexed, new_page):
    from cases.models import Case
    from deflection.models import CaseReading

    page = new_page()
    log_in(page, indexed.url, "024200")
    page.goto(f"{indexed.url}/en/cases/new/")
    page.get_by_label("Product line").select_option("accounting")
    page.get_by_label("What is the problem?").fill("The program stops")
    page.get_by_role("button", name="I still need help").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request assistance")
    # The form's script runs once the page has loaded (deferred).
    page.wait_for_load_state("load")

    page.get_by_label("Error log (SISERR.LOG)").set_input_files(
        {
            "name": "SISERR.LOG",
            "mimeType": "text/plain",
            "buffer": b"2026-03-02 10:15:22 ERROR SIS-1042 Archivio bloccato\n",
        }
    )

    found = page.locator("[data-log-suggestions] .suggestion-list a")
    expect(found.first).to_have_text(
        "Error SIS-1042: company archive locked by another user"
    )
    expect(page.locator("[data-log-suggestions] .codes")).to_contain_text("SIS-1042")
    page.get_by_label("Area").select_option(label="General ledger")
    page.get_by_role("button", name="Send request").click()

    expect(page.locator(".case-number")).to_contain_text("Case ")
    case = Case.objects.order_by("-pk").first()
    assert case.attachments.get().name == "SISERR.LOG"
    reading = CaseReading.objects.get(case=case)
    assert "demo/sis-1042-archive-locked" in [i["key"] for i in reading.suggested]
    assert reading.error_codes == ["SIS-1042"]
