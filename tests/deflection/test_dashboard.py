"""The admin dashboard's numbers are the events recorded; content gaps, CSV,
who may see it; the one-click draft article from a resolved case; the
remote assistance page's suggestions."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case, CaseMessage, Role, Status
from core.redaction import redact_text
from deflection.models import ArticleDraft, CaseReading, DeflectionEvent, EventKind
from kb.models import ArticlePage

from .conftest import url

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/reports/deflection/"
EXPORT = "/admin/reports/deflection/export.csv"


def event(kind, line="accounting", days_ago=0, article="", area=""):
    return DeflectionEvent.objects.create(
        kind=kind,
        session_id="s",
        product_line=line,
        area=area,
        language="en",
        article_key=article,
        created_at=timezone.now() - timedelta(days=days_ago),
    )


@pytest.fixture
def recorded(indexed_demo):
    """Three solved and one submitted in accounting this week, one solved and
    three submitted in warehouse two weeks ago, plus noise."""
    for _ in range(3):
        event(EventKind.SOLVED, article="demo/sis-1042-archive-locked")
    event(EventKind.SUBMITTED)
    event(EventKind.SOLVED, "warehouse", 14)
    for _ in range(3):
        event(EventKind.SUBMITTED, "warehouse", 14, area="inventory")
    event(EventKind.SHOWN)
    event(EventKind.OPENED, article="demo/sis-1042-archive-locked")
    event(EventKind.SOLVED, days_ago=400)  # outside 12 weeks


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("024200", 302),
        ("partner", 302),
        ("editor", 200),
        ("admin", 200),
    ],
)
def test_who_may_see_the_dashboard(as_user, who, expected):
    assert as_user(who).get(DASHBOARD).status_code == expected


def test_dashboard_numbers_are_the_events_recorded(as_user, recorded):
    html = as_user("editor").get(DASHBOARD).content.decode()

    # Overall: 4 solved of 8 outcomes in 12 weeks.
    assert re.search(r"<strong>50 %</strong>\s*4 solved, 4 submitted", html)
    lines = html[html.index('data-table="lines"') :]
    assert re.search(
        r"Accounting <code>accounting</code></td><td>3</td><td>1</td><td>75 %", lines
    )
    assert re.search(
        r"Warehouse <code>warehouse</code></td><td>1</td><td>3</td><td>25 %", lines
    )
    weeks = html[html.index('data-table="weeks"') : html.index('data-table="lines"')]
    assert weeks.count("<tr><td>") == 2
    assert "<svg" in html and "Deflection rate per week" in html
    top = html[html.index('data-table="top"') :]
    assert "Error SIS-1042: company archive locked by another user" in top
    assert "<td>3</td>" in top
    everything = as_user("editor").get(DASHBOARD + "?weeks=all").content.decode()
    assert "5 solved, 4 submitted" in everything


def test_csv_export_matches_the_events(as_user, recorded):
    response = as_user("editor").get(EXPORT + "?weeks=all")

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Disposition"].startswith("attachment;")
    assert sum(int(r["solved"]) for r in rows) == 5
    assert sum(int(r["submitted"]) for r in rows) == 4
    assert sum(int(r["shown"]) for r in rows) == 1
    warehouse = [
        r for r in rows if r["product_line"] == "warehouse" and r["area"] == "inventory"
    ]
    assert warehouse[0]["deflection_rate"] == "0.000"


def test_content_gaps_show_cases_asked_without_reading_redacted(as_user, indexed_demo):
    case = Case.objects.filter(customer__code="024200").first()
    CaseReading.objects.create(
        case=case,
        description=(
            "Microbit Srl: stampa bloccata, chiamare 347 1234567. Sono Anna "
            "Neri, password: Segreta1, IBAN IT60X0542811101000000123456"
        ),
        suggested=[{"key": "k", "lang": "en", "title": "t", "url": "/"}],
    )

    html = as_user("editor").get(DASHBOARD).content.decode()

    gaps = html[html.index('data-table="gaps"') :]
    assert case.product_line.name in gaps and case.area.name in gaps
    assert "stampa bloccata" in gaps
    assert "Microbit" not in gaps and "1234567" not in gaps
    for personal in ("Anna", "Neri", "Segreta1", "IT60X054"):
        assert personal not in gaps


def test_redaction_removes_names_codes_emails_and_phones():
    text = (
        "Mario Rossi of Microbit Srl (code 024200, inst. INST-77) wrote from "
        "mario.rossi@microbit.example, call +39 347 123 4567. Error SIS-1042 "
        "on 2026-03-02 10:15:22, case 2026-000123."
    )

    clean = redact_text(
        text, names=["Mario Rossi", "Microbit Srl"], codes=["024200", "INST-77"]
    )

    for gone in ("Rossi", "Microbit", "024200", "INST-77", "@", "347"):
        assert gone not in clean
    for kept in ("SIS-1042", "2026-03-02 10:15:22", "2026-000123"):
        assert kept in clean


@pytest.fixture
def resolved_case(indexed_demo):
    case = Case.objects.filter(
        customer__code="024200", assigned_partner__isnull=False
    ).first()
    case.subject = "Microbit: SIS-1042 all'apertura"
    case.request = (
        "Buongiorno, sono Mario (mario@microbit.example, 347 1234567).\n\nSIS-1042."
    )
    case.status = Status.RESOLVED
    case.save()
    CaseMessage.objects.create(
        case=case, role=Role.PARTNER, body="Rinominate DITTA.LCK e riaprite la ditta."
    )
    CaseMessage.objects.create(
        case=case,
        role=Role.PARTNER,
        body="Nota interna: cliente Microbit",
        is_internal=True,
    )
    CaseReading.objects.create(case=case, error_codes=["SIS-1042"])
    return case


def test_partner_turns_a_resolved_case_into_a_redacted_draft(as_user, resolved_case):
    client = as_user("partner")
    page_html = client.get(url("cases:detail", resolved_case.number)).content.decode()
    assert "Turn into a draft knowledge-base article" in page_html

    response = client.post(url("deflection:draft_article", resolved_case.number))

    assert response.status_code == 302
    draft = ArticleDraft.objects.get(case=resolved_case)
    page = ArticlePage.objects.get(pk=draft.page_id)
    assert not page.live and page.get_latest_revision() is not None
    assert page.get_parent().locale == page.locale
    text = page.title + page.summary + str(page.body)
    assert "Microbit" not in text and "mario@" not in text and "1234567" not in text
    assert "DITTA.LCK" in text and "Nota interna" not in text
    assert page.error_code_list == ["SIS-1042"]
    assert [line.code for line in page.product_lines.all()] == [
        resolved_case.product_line.code
    ]
    # A second click makes no second draft.
    client.post(url("deflection:draft_article", resolved_case.number))
    assert ArticleDraft.objects.count() == 1
    assert (
        "A draft knowledge-base article was made"
        in client.get(url("cases:detail", resolved_case.number)).content.decode()
    )


@pytest.mark.parametrize(
    ("who", "expected"), [("024200", 403), ("partner2", 404), ("031337", 404)]
)
def test_only_the_cases_partner_may_draft_an_article(
    as_user, resolved_case, who, expected
):
    from accounts.models import Partner, User

    if who == "partner2" and not User.objects.filter(username="partner2").exists():
        pytest.skip("no second partner in the demo")
    response = as_user(who).post(url("deflection:draft_article", resolved_case.number))

    assert response.status_code == expected
    assert not ArticleDraft.objects.exists()
    assert Partner.objects.exists()


def test_an_open_case_cannot_become_an_article(as_user, resolved_case):
    resolved_case.status = Status.IN_PROGRESS
    resolved_case.save()

    response = as_user("partner").post(
        url("deflection:draft_article", resolved_case.number)
    )

    assert response.status_code == 403


def test_remote_assistance_offers_three_articles_for_the_linked_case(
    as_user, indexed_demo
):
    from remote.services import suggested_articles
    from taxonomy.models import Area

    case = Case.objects.filter(customer__code="024200").open().first()
    case.subject = "SIS-1042 archive locked by another user"
    case.area = Area.objects.get(product_line__code="accounting", code="general-ledger")
    case.product_line = case.area.product_line
    case.save()

    articles = suggested_articles(case, "en", 3)
    assert 1 <= len(articles) <= 3
    assert articles[0].title == "Error SIS-1042: company archive locked by another user"
    assert suggested_articles(None, "en", 3) == []
    html = (
        as_user("024200")
        .get(url("remote:authorise") + f"?case={case.number}")
        .content.decode()
    )
    assert "Error SIS-1042: company archive locked by another user" in html


def test_editors_and_moderators_hold_the_dashboard_permission(as_user, recorded):
    from django.contrib.auth.models import Group

    from accounts.models import User

    for name in ("Editors", "Moderators"):
        assert (
            Group.objects.get(name=name)
            .permissions.filter(
                content_type__app_label="deflection", codename="view_dashboard"
            )
            .exists()
        )
    users = {user.username: user for user in User.objects.all()}
    assert users["editor"].has_perm("deflection.view_dashboard")
    assert users["reviewer"].has_perm("deflection.view_dashboard")
    assert not users["024200"].has_perm("deflection.view_dashboard")
    assert not users["partner"].has_perm("deflection.view_dashboard")
    page = as_user("reviewer").get(DASHBOARD)
    assert page.status_code == 200
    assert "Deflection rate per week" in page.content.decode()
    for who in ("024200", "partner"):
        assert as_user(who).get(DASHBOARD).status_code == 302
