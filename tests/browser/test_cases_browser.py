"""The whole path of a case in a browser: the demo customer sends a request with
an error log, sees the case number and gets the summary e-mail; the partner
replies from the desk; the customer sees the reply and is notified of it."""

from django.core import mail
from playwright.sync_api import expect

PASSWORD = "sportello-demo"
SUBJECT = "F24 export stops at the second company"
REQUEST = "Exporting the F24 file stops with an error after the first company."
REPLY = "Please run the archive check, then export again: it will go through."


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/en/accounts/login/")
    page.get_by_label("Customer code or e-mail").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reserved area")


def test_case_from_request_to_partner_reply(live_demo, new_page):
    from cases.models import Case

    mail.outbox.clear()
    customer = new_page()
    log_in(customer, live_demo.url, "024200")
    customer.goto(f"{live_demo.url}/en/cases/new/")

    # The first step: describe the problem; nothing matched, so on to the form.
    customer.get_by_label("Product line").select_option("accounting")
    customer.get_by_label("What is the problem?").fill(SUBJECT)
    customer.get_by_role("button", name="I still need help").click()
    expect(customer.get_by_role("heading", level=1)).to_have_text("Request assistance")
    expect(customer.get_by_label("Product line")).to_have_value("accounting")
    expect(customer.get_by_label("Subject")).to_have_value(SUBJECT)

    customer.get_by_label("Area").select_option(label="General ledger")
    customer.get_by_label("Urgency").select_option("high")
    customer.locator("#id_request").fill(REQUEST)
    customer.get_by_label("Error log (SISERR.LOG)").set_input_files(
        {
            "name": "SISERR.LOG",
            "mimeType": "text/plain",
            "buffer": b"2026-03-02 10:15:22 ERROR SIS-2203 Export F24 interrotto\n",
        }
    )
    customer.get_by_role("button", name="Send request").click()

    number = customer.locator(".case-number")
    expect(number).to_contain_text("Case ")
    case = Case.objects.get(subject=SUBJECT)
    expect(number).to_have_text(f"Case {case.number}")
    expect(customer.get_by_role("link", name="SISERR.LOG")).to_be_visible()
    assert case.assigned_partner.name == "Nordest Informatica Srl"
    assert case.attachments.get().name == "SISERR.LOG"

    summary = [m for m in mail.outbox if case.notify_email in m.to]
    assert len(summary) == 1
    assert case.number in summary[0].subject
    assert REQUEST in summary[0].body
    partner_notice = [m for m in mail.outbox if case.notify_email not in m.to]
    assert partner_notice and case.number in partner_notice[0].subject

    # The partner finds the case in the desk and replies.
    partner = new_page()
    partner.goto(f"{live_demo.url}/en/accounts/login/")
    partner.get_by_label("Customer code or e-mail").fill("partner")
    partner.get_by_label("Password").fill(PASSWORD)
    partner.get_by_role("button", name="Log in").click()
    partner.wait_for_url(lambda url: "/accounts/login/" not in url)
    partner.goto(f"{live_demo.url}/en/partner/cases/")
    partner.get_by_role("link", name=case.number).click()
    expect(partner.locator(".case-number")).to_have_text(f"Case {case.number}")
    mail.outbox.clear()
    partner.locator("#id_body").fill(REPLY)
    partner.get_by_role("button", name="Send", exact=True).click()
    expect(partner.locator(".message-item").filter(has_text=REPLY)).to_be_visible()

    # The customer sees the reply on the case page and got the e-mail.
    customer.reload()
    expect(customer.get_by_text(REPLY)).to_be_visible()
    notice = [m for m in mail.outbox if case.notify_email in m.to]
    assert len(notice) == 1
    assert case.number in notice[0].subject
    assert REPLY in notice[0].body
