"""The first step of "New case" without JavaScript: describe → suggestions →
solved, or → still need help → the case form prefilled → submit; what the
partner then sees on the case page."""

import re

import pytest

from cases.models import Case, CaseAttachment
from deflection.models import CaseReading, DeflectionEvent, EventKind

from .conftest import DEMO_LOG, upload, url

pytestmark = pytest.mark.django_db

DESCRIPTION = "The archive is locked by another user when I open the company"


def suggest(client, description=DESCRIPTION, line="accounting", **extra):
    return client.post(
        url("deflection:start"),
        {
            "product_line": line,
            "description": description,
            "action": "suggest",
            **extra,
        },
    )


def suggestion_links(html: str) -> list[tuple[str, str]]:
    listing = html[html.index('class="suggestion-list"') :]
    listing = listing[: listing.index("</ol>")]
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', listing)


def kinds() -> list[str]:
    return list(DeflectionEvent.objects.order_by("pk").values_list("kind", flat=True))


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("024200", 200), ("partner", 403), ("editor", 403)],
)
def test_who_may_use_the_first_step(as_user, who, expected):
    response = as_user(who).get(url("deflection:start"))

    assert response.status_code == expected
    if who == "anonymous":
        assert response["Location"].startswith(url("accounts:login"))


def test_new_case_starts_with_the_step_and_carries_the_help_menu_query(as_user):
    client = as_user("024200")

    response = client.get(url("cases:new") + "?product_line=warehouse&subject=Giacenze")

    assert response.status_code == 302
    assert response["Location"] == (
        url("deflection:start") + "?product_line=warehouse&subject=Giacenze"
    )
    html = client.get(response["Location"]).content.decode()
    assert '<option value="warehouse" selected>' in html
    assert ">\nGiacenze</textarea>" in html


def test_round_trip_shows_articles_news_and_the_search_link(as_user):
    client = as_user("024200")

    response = suggest(client)
    assert response.status_code == 302
    assert response["Location"] == url("deflection:start") + "#suggestions"
    html = client.get(url("deflection:start")).content.decode()

    links = suggestion_links(html)
    assert 1 <= len(links) <= 5
    assert links[0][1] == "Error SIS-1042: company archive locked by another user"
    # Partner-only notes are never suggested to a customer.
    assert "stale archive lock" not in html
    assert "Rassegna Info: latest news for your products" in html
    assert "/search/?q=The+archive+is+locked" in html
    assert DESCRIPTION in html  # what was typed is still there
    assert kinds() == [EventKind.SHOWN]


def test_suggestions_are_in_the_users_language_and_product_line(as_user):
    client = as_user("024200")

    client.post(
        url("deflection:start", language="it"),
        {
            "product_line": "warehouse",
            "description": "giacenza negativa in magazzino",
            "action": "suggest",
        },
    )
    html = client.get(url("deflection:start", language="it")).content.decode()

    links = suggestion_links(html)
    assert links
    assert all("lang=it" in href for href, _title in links)
    from kb.models import ArticlePage

    for href, _title in links:
        key = re.search(r"key=([^&]+)", href).group(1).replace("%2F", "/")
        page = ArticlePage.objects.get(import_key=key, locale__language_code="it")
        assert "warehouse" in {line.code for line in page.product_lines.all()}


def test_description_is_required_and_kept_on_error(as_user):
    client = as_user("024200")

    response = suggest(client, description="   ")

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert DeflectionEvent.objects.count() == 0


def test_opening_a_suggestion_is_recorded_then_solved_ends_the_flow(as_user):
    client = as_user("024200")
    cases_before = Case.objects.count()
    suggest(client)
    href, _title = suggestion_links(
        client.get(url("deflection:start")).content.decode()
    )[0]

    opened = client.get(href.replace("&amp;", "&"))
    assert opened.status_code == 302
    assert opened["Location"].startswith("/en/kb/")
    solved = client.post(url("deflection:start"), {"action": "solved"})

    assert solved["Location"] == url("deflection:solved")
    assert "Glad it is solved" in client.get(solved["Location"]).content.decode()
    assert kinds() == [EventKind.SHOWN, EventKind.OPENED, EventKind.SOLVED]
    event = DeflectionEvent.objects.get(kind=EventKind.SOLVED)
    assert event.article_key == "demo/sis-1042-archive-locked"
    assert (event.product_line, event.language) == ("accounting", "en")
    assert Case.objects.count() == cases_before
    # The flow is over: "New case" starts again with the step.
    assert client.get(url("cases:new"))["Location"] == url("deflection:start")


def test_only_shown_articles_can_be_followed(as_user):
    client = as_user("024200")
    suggest(client)

    response = client.get(
        url("deflection:open") + "?key=demo/sis-1042-stale-lock-server&lang=en"
    )

    assert response.status_code == 404


def test_still_need_help_prefills_the_form_and_the_case_records_the_reading(
    as_user, django_capture_on_commit_callbacks
):
    client = as_user("024200")
    suggest(client, error_log=upload("SISERR.LOG", DEMO_LOG))
    href, _title = suggestion_links(
        client.get(url("deflection:start")).content.decode()
    )[0]
    client.get(href.replace("&amp;", "&"))

    response = client.post(
        url("deflection:start"),
        {
            "product_line": "accounting",
            "description": DESCRIPTION,
            "action": "continue",
        },
    )
    assert response["Location"] == url("cases:new")
    form = client.get(url("cases:new"))
    html = form.content.decode()

    assert form.status_code == 200
    assert '<option value="accounting" selected>' in html
    assert f'value="{DESCRIPTION}"' in html  # the subject
    assert f">\n{DESCRIPTION}</textarea>" in html  # the request
    assert "SISERR.LOG" in html  # the log chosen at the first step is kept
    token = re.search(r'name="upload_token" value="([^"]+)"', html).group(1)

    area = re.search(
        r'<option value="(\d+)"[^>]*data-product-line="accounting"', html
    ).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        submitted = client.post(
            url("cases:new"),
            {
                "notify_email": "amministrazione@microbit.example",
                "auto_notify": "on",
                "product_line": "accounting",
                "area": area,
                "urgency": "normal",
                "subject": DESCRIPTION,
                "request": DESCRIPTION,
                "upload_token": token,
            },
        )

    case = Case.objects.order_by("-pk").first()
    assert submitted["Location"] == url("cases:detail", case.number)
    assert CaseAttachment.objects.get(case=case).name == "SISERR.LOG"
    reading = CaseReading.objects.get(case=case)
    assert reading.asked_after_reading
    assert reading.opened[0]["key"] == "demo/sis-1042-archive-locked"
    assert reading.error_codes == ["SIS-1042"]
    assert kinds() == [
        EventKind.SHOWN,
        EventKind.OPENED,
        EventKind.CONTINUED,
        EventKind.SUBMITTED,
    ]
    # Partner sees what was read; the customer does not see that section.
    customer_html = client.get(url("cases:detail", case.number)).content.decode()
    assert "Read before asking" not in customer_html
    partner = as_user("partner")
    partner_html = partner.get(url("cases:detail", case.number)).content.decode()
    assert "Asked after reading" in partner_html
    assert "Error SIS-1042: company archive locked by another user" in partner_html
    assert "(opened)" in partner_html
    # The next "New case" starts at the step again.
    assert as_user("024200").get(url("cases:new"))["Location"] == url(
        "deflection:start"
    )


def test_events_hold_no_personal_data(as_user):
    client = as_user("024200")
    suggest(client, description="Mario Rossi mario@microbit.example archive locked")
    client.post(url("deflection:start"), {"action": "solved"})

    for event in DeflectionEvent.objects.values():
        text = " ".join(str(value) for value in event.values())
        assert "Rossi" not in text and "@" not in text and "024200" not in text
