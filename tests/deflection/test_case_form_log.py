"""Log-aware suggestions inside the case form, without JavaScript: "Check my
log for known solutions" shows the articles that list the log's error codes,
keeps everything typed and the log, sends nothing; the case then records
those suggestions."""

import re

import pytest

from cases.models import Case, CaseAttachment
from deflection.models import CaseReading, DeflectionEvent, EventKind

from .conftest import DEMO_LOG, upload, url

pytestmark = pytest.mark.django_db

ARTICLE = "Error SIS-1042: company archive locked by another user"
SUBJECT = "The program stops when I open the company"


@pytest.fixture
def form_client(as_user, settings):
    """A customer at the case form itself (no first step before it)."""
    settings.CASES_FIRST_STEP = ""
    return as_user("024200")


def check_log(client, **fields):
    return client.post(
        url("cases:new"),
        {
            "notify_email": "amministrazione@microbit.example",
            "auto_notify": "on",
            "product_line": "accounting",
            "urgency": "normal",
            "subject": SUBJECT,
            "action": "check_log",
            **fields,
        },
    )


def test_checking_the_log_shows_its_articles_and_keeps_the_form(form_client):
    before = Case.objects.count()
    response = check_log(form_client, error_log=upload("SISERR.LOG", DEMO_LOG))
    html = response.content.decode()

    assert response.status_code == 200
    assert Case.objects.count() == before
    region = html[html.index('id="log-suggestions"') :]
    assert "Error codes recognised: <code>SIS-1042</code>" in region
    assert ARTICLE in region
    assert "(matches the error code SIS-1042)" in region
    # Everything typed is still there, the log is kept, and the unfinished
    # request is not reported as an error: nothing was meant to be sent.
    assert f'value="{SUBJECT}"' in html
    assert '<option value="accounting" selected>' in html
    assert "SISERR.LOG" in html[html.index('class="kept-files"') :]
    assert "The request was not sent" not in html
    assert 'class="field field-invalid' not in html


def test_the_case_sent_after_the_check_records_the_log_suggestions(
    form_client, as_user, django_capture_on_commit_callbacks
):
    html = check_log(
        form_client, error_log=upload("SISERR.LOG", DEMO_LOG)
    ).content.decode()
    token = re.search(r'name="upload_token" value="([^"]+)"', html).group(1)
    area = re.search(
        r'<option value="(\d+)"[^>]*data-product-line="accounting"', html
    ).group(1)

    with django_capture_on_commit_callbacks(execute=True):
        sent = form_client.post(
            url("cases:new"),
            {
                "notify_email": "amministrazione@microbit.example",
                "auto_notify": "on",
                "product_line": "accounting",
                "area": area,
                "urgency": "normal",
                "subject": SUBJECT,
                "request": "It says the archive is locked.",
                "upload_token": token,
            },
        )

    case = Case.objects.order_by("-pk").first()
    assert sent["Location"] == url("cases:detail", case.number)
    assert CaseAttachment.objects.get(case=case).name == "SISERR.LOG"
    reading = CaseReading.objects.get(case=case)
    assert [item["key"] for item in reading.suggested] == [
        "demo/sis-1042-archive-locked"
    ]
    assert reading.error_codes == ["SIS-1042"]
    assert not reading.asked_after_reading
    kinds = DeflectionEvent.objects.order_by("pk").values_list("kind", flat=True)
    assert list(kinds) == [EventKind.SHOWN, EventKind.SUBMITTED]
    partner_html = as_user("partner").get(url("cases:detail", case.number))
    page = partner_html.content.decode()
    assert "The customer was shown articles but opened none of them." in page
    assert ARTICLE in page


def test_a_suggestion_from_the_check_can_be_opened(form_client):
    html = check_log(
        form_client, error_log=upload("SISERR.LOG", DEMO_LOG)
    ).content.decode()
    region = html[html.index('id="log-suggestions"') :]
    href = re.search(r'<a href="([^"]+)">' + re.escape(ARTICLE), region).group(1)

    opened = form_client.get(href.replace("&amp;", "&"))

    assert opened.status_code == 302
    assert DeflectionEvent.objects.filter(
        kind=EventKind.OPENED, article_key="demo/sis-1042-archive-locked"
    ).exists()


def test_checking_without_a_log_asks_for_one(form_client):
    before = Case.objects.count()
    response = check_log(form_client)

    assert response.status_code == 200
    assert "Choose the error log first, then check it." in response.content.decode()
    assert Case.objects.count() == before


def test_a_log_without_codes_or_of_the_wrong_type_is_said_so(form_client):
    before = Case.objects.count()
    quiet = check_log(
        form_client, error_log=upload("SISERR.LOG", b"10:00 INFO all fine\n")
    )
    assert "No error codes were found in the log." in quiet.content.decode()

    wrong = check_log(form_client, error_log=upload("SISERR.exe", b"MZ\x90\x00"))
    html = wrong.content.decode()
    assert "Choose the error log first, then check it." in html
    assert "field-invalid" in html  # the error log field says what is wrong
    assert Case.objects.count() == before


def test_without_a_log_check_the_form_has_no_such_button(form_client, settings):
    settings.CASES_LOG_CHECK = ""
    html = form_client.get(url("cases:new")).content.decode()

    assert "Check my log for known solutions" not in html
    assert "Send request" in html


def test_the_form_offers_the_check_next_to_the_error_log(form_client):
    html = form_client.get(url("cases:new")).content.decode()

    assert 'name="action" value="check_log"' in html
    assert 'aria-live="polite"' in html
    assert 'data-url="/api/deflection/log/"' in html


def test_the_log_api_answers_in_the_language_of_the_page(form_client):
    response = form_client.post(
        "/api/deflection/log/",
        {"error_log": upload("SISERR.LOG", DEMO_LOG), "lang": "it"},
    )

    assert response.status_code == 200
    assert [a["lang"] for a in response.json()["articles"]] == ["it"]
