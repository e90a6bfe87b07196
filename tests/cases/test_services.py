"""Case numbers, assignment, the status workflow, SLA and notifications."""

import io
import logging
import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import Customer
from cases.assignment import Assignment, AssignmentPolicy
from cases.models import (
    ALLOWED_TRANSITIONS,
    Case,
    CaseCounter,
    PendingUpload,
    RoutingRule,
    SlaPolicy,
    Status,
)
from cases.services import (
    CaseDraft,
    TransitionNotAllowed,
    add_case_message,
    assign_case,
    submit_case,
    transition_case,
    update_case,
)
from tests.factories import CustomerFactory, UserFactory

from .conftest import PNG, past_first_step, upload, url

pytestmark = pytest.mark.django_db


# Numbers ---------------------------------------------------------------------------


def test_case_numbers_are_readable_unique_and_increasing(make_case):
    numbers = [make_case().number for _ in range(3)]

    year = timezone.localdate().year
    assert numbers == [f"{year}-000001", f"{year}-000002", f"{year}-000003"]
    assert all(re.fullmatch(r"\d{4}-\d{6}", number) for number in numbers)


def test_numbering_restarts_each_year(make_case):
    year = timezone.localdate().year
    CaseCounter.objects.create(year=year - 1, last=812)

    assert make_case().number == f"{year}-000001"
    assert CaseCounter.objects.get(year=year - 1).last == 812


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_submissions_get_distinct_numbers(world):
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite's in-memory test database is shared-cache: concurrent writers "
            "fail with 'table is locked' instead of waiting; PostgreSQL runs it, and "
            "test_numbering_processes.py covers SQLite with a file and processes."
        )
    threads_count = 12
    barrier = threading.Barrier(threads_count)
    numbers, errors = [], []
    customer = world.microbit.customer
    draft = {
        "customer": customer,
        "reporter": world.microbit,
        "product_line": world.accounting,
        "area": world.vat,
        "urgency": "normal",
        "subject": "Concurrent",
        "request": "At the same time",
        "notify_email": "a@example.com",
    }

    def submit():
        try:
            barrier.wait()
            numbers.append(submit_case(CaseDraft(**draft), notify=False).number)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    year = timezone.localdate().year
    assert sorted(numbers) == [f"{year}-{n:06d}" for n in range(1, threads_count + 1)]


# Assignment ------------------------------------------------------------------------


def test_case_goes_to_the_reference_partner(world, make_case):
    case = make_case()

    assert case.assigned_partner == world.nordest
    assert case.status == Status.ASSIGNED
    assigned = case.events.get(kind="assigned")
    assert (assigned.to_value, assigned.comment_label) == (
        "Nordest Informatica Srl",
        "reference partner",
    )


def test_a_different_dealer_chosen_in_the_form_wins(world, make_case):
    case = make_case(dealer=world.centro)

    assert case.assigned_partner == world.centro


def test_without_reference_partner_routing_rules_decide(world, make_case):
    orphan = CustomerFactory(reference_partner=None)
    user = UserFactory(customer=orphan)
    RoutingRule.objects.create(
        product_line=world.accounting, partner=world.nordest, priority=10
    )
    RoutingRule.objects.create(
        product_line=world.accounting, area=world.vat, partner=world.centro, priority=10
    )
    RoutingRule.objects.create(
        product_line=world.warehouse, partner=world.centro, priority=50
    )
    RoutingRule.objects.create(
        product_line=world.warehouse, partner=world.nordest, priority=5
    )

    vat_case = make_case(user, dealer=None, area=world.vat)
    ledger_case = make_case(
        user, dealer=None, area=world.accounting.areas.get(code="general-ledger")
    )
    warehouse_case = make_case(user, dealer=None, product_line=world.warehouse)

    assert vat_case.assigned_partner == world.centro  # area rule beats line rule
    assert ledger_case.assigned_partner == world.nordest
    assert warehouse_case.assigned_partner == world.nordest  # lower priority first
    assert vat_case.events.get(kind="assigned").comment_label == "routing rule"


def test_inactive_reference_partner_is_skipped(world, make_case):
    world.nordest.is_active = False
    world.nordest.save()
    RoutingRule.objects.create(product_line=world.accounting, partner=world.centro)

    assert make_case(dealer=None).assigned_partner == world.centro


def test_no_partner_and_no_rule_leaves_the_case_in_the_default_queue(
    world, make_case, client
):
    orphan = CustomerFactory(reference_partner=None)
    case = make_case(UserFactory(customer=orphan), dealer=None)

    assert case.assigned_partner is None
    assert case.status == Status.NEW
    client.force_login(world.admin)
    assert case.number in client.get(url("cases:partner_queue")).content.decode()


class EverythingToCentro(AssignmentPolicy):
    def assign(self, case):
        from accounts.models import Partner

        return Assignment(Partner.objects.get(code="P0200"), "test policy")


def test_assignment_policy_is_chosen_by_setting(world, make_case, settings):
    settings.CASES_ASSIGNMENT_POLICY = "tests.cases.test_services.EverythingToCentro"

    case = make_case()

    assert case.assigned_partner == world.centro
    assert case.events.get(kind="assigned").comment_label == "test policy"


def test_bad_assignment_policy_setting_fails_loudly(world, make_case, settings):
    settings.CASES_ASSIGNMENT_POLICY = "cases.assignment.NoSuchPolicy"

    with pytest.raises(ImproperlyConfigured):
        make_case()
    assert Case.objects.count() == 0


def test_reassignment_is_audited_and_told_to_the_new_partner(
    world, make_case, django_capture_on_commit_callbacks
):
    case = make_case()

    with django_capture_on_commit_callbacks(execute=True):
        assign_case(case, world.centro, world.partner, "Competenza paghe")

    event = case.events.filter(kind="assigned").last()
    assert (event.from_value, event.to_value, event.actor) == (
        "Nordest Informatica Srl",
        "Centro Servizi Gestionali Snc",
        world.partner,
    )
    assert mail.outbox[0].to == ["help@centro-gestionali.example"]
    # Partners are written to in PARTNER_LANGUAGE (Italian by default).
    assert "riassegnato" in mail.outbox[0].subject


# Status workflow -------------------------------------------------------------------


def test_every_status_has_its_transitions_and_closed_is_final():
    assert set(ALLOWED_TRANSITIONS) == set(Status.values)
    assert ALLOWED_TRANSITIONS[Status.CLOSED] == frozenset()
    assert Status.IN_PROGRESS in ALLOWED_TRANSITIONS[Status.RESOLVED]  # reopen


def test_full_workflow_is_audited(world, make_case):
    case = make_case()
    path = [
        Status.IN_PROGRESS,
        Status.WAITING_CUSTOMER,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.CLOSED,
    ]

    for status in path:
        case = transition_case(case, status, world.partner, f"to {status}")

    events = list(
        case.events.filter(kind="status").values_list("from_value", "to_value")
    )
    assert events == [
        ("new", "assigned"),
        ("assigned", "in_progress"),
        ("in_progress", "waiting_customer"),
        ("waiting_customer", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "closed"),
    ]
    last = case.events.last()
    assert last.actor == world.partner and last.comment == "to closed"
    assert case.resolved_at is not None and case.closed_at is not None


def test_invalid_transition_raises_and_changes_nothing(world, make_case):
    case = make_case()
    transition_case(case, Status.CLOSED, world.partner)

    with pytest.raises(TransitionNotAllowed) as error:
        transition_case(case, Status.IN_PROGRESS, world.partner)

    assert str(error.value) == "A case that is “Closed” cannot become “In progress”."
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.events.filter(kind="status").count() == 2


def test_reopening_restarts_the_clock(world, make_case):
    case = make_case()
    transition_case(case, Status.RESOLVED, world.partner)
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(days=9))

    case = transition_case(case, Status.IN_PROGRESS, world.microbit, "Not fixed")

    assert case.resolved_at is None
    assert case.due_at > timezone.now()


# SLA -------------------------------------------------------------------------------


def test_due_date_follows_the_sla_table_and_its_defaults(world, make_case, settings):
    SlaPolicy.objects.create(urgency="high", hours=2)
    settings.CASES_SLA_DEFAULT_HOURS = {"low": 100, "normal": 10, "blocking": 1}

    high = make_case(urgency="high")
    normal = make_case(urgency="normal")

    assert high.due_at - high.created_at == timedelta(hours=2)
    assert normal.due_at - normal.created_at == timedelta(hours=10)


def test_overdue_flags_only_cases_waiting_for_the_partner(world, make_case):
    late, waiting, solved = make_case(), make_case(), make_case()
    transition_case(waiting, Status.WAITING_CUSTOMER, world.partner)
    transition_case(solved, Status.RESOLVED, world.partner)
    Case.objects.update(due_at=timezone.now() - timedelta(minutes=1))

    assert list(Case.objects.overdue()) == [late]
    late.refresh_from_db()
    assert late.is_overdue


def test_changing_urgency_moves_the_due_date(world, make_case):
    SlaPolicy.objects.create(urgency="blocking", hours=4)
    case = make_case(urgency="low")

    case = update_case(case, world.microbit, {"urgency": "blocking"})

    assert case.due_at - case.created_at == timedelta(hours=4)


# Notifications ---------------------------------------------------------------------


def test_partner_reply_sends_mail_and_sms_when_auto_notify_is_on(
    world, make_case, django_capture_on_commit_callbacks, caplog
):
    case = make_case(notify_mobile="+393471234567")

    with caplog.at_level(logging.INFO, logger="cases.sms"):
        with django_capture_on_commit_callbacks(execute=True):
            add_case_message(case, world.partner, "Risolto: riavvii il programma.")

    assert len(mail.outbox) == 1
    assert "Risolto: riavvii il programma." in mail.outbox[0].body
    sms = [r.getMessage() for r in caplog.records if r.name == "cases.sms"]
    assert len(sms) == 1
    assert "+393471234567" in sms[0] and case.number in sms[0]


def test_no_notification_when_auto_notify_is_off(
    world, make_case, django_capture_on_commit_callbacks, caplog
):
    case = make_case(auto_notify=False, notify_mobile="+393471234567")

    with caplog.at_level(logging.INFO, logger="cases.sms"):
        with django_capture_on_commit_callbacks(execute=True):
            add_case_message(case, world.partner, "Risposta")

    assert mail.outbox == []
    assert not [r for r in caplog.records if r.name == "cases.sms"]


def test_resolution_is_mailed_to_the_customer_and_reopening_to_the_partner(
    world, make_case, django_capture_on_commit_callbacks
):
    case = make_case()

    with django_capture_on_commit_callbacks(execute=True):
        transition_case(case, Status.RESOLVED, world.partner, "Archivio corretto")
    with django_capture_on_commit_callbacks(execute=True):
        transition_case(case, Status.IN_PROGRESS, world.microbit, "Non va ancora")

    to_customer, to_partner = mail.outbox
    assert to_customer.to == [case.notify_email]
    assert "Archivio corretto" in to_customer.body
    assert to_partner.to == ["assistenza@nordest-informatica.example"]
    assert "Non va ancora" in to_partner.body


def test_summary_mail_is_committed_with_the_case(world, form_data, client):
    from mailer.models import OutboundEmail

    client.force_login(world.microbit)
    client.post(url("cases:new"), form_data())

    # Inside the test transaction nothing was delivered yet, but the outbox
    # rows exist together with the case.
    assert Case.objects.count() == 1
    assert OutboundEmail.objects.filter(status="queued").count() == 2
    assert mail.outbox == []


# Kept uploads housekeeping ---------------------------------------------------------


def test_stale_kept_uploads_are_purged(world, form_data, client, settings):
    client.force_login(world.microbit)
    client.post(
        url("cases:new"),
        {**form_data(subject=""), "attachments": [upload("s.png", PNG)]},
    )
    pending = PendingUpload.objects.get()
    path = pending.file.path
    PendingUpload.objects.update(created_at=timezone.now() - timedelta(hours=25))
    out = io.StringIO()

    call_command("clear_pending_uploads", stdout=out)

    assert "1 kept upload(s)" in out.getvalue()
    assert not PendingUpload.objects.exists()
    import os

    assert not os.path.exists(path)


def test_customer_without_licences_may_use_every_line(world, client, form_data):
    customer = Customer.objects.get(code="024200")
    customer.product_lines.clear()
    client.force_login(world.microbit)
    past_first_step(client)

    html = client.get(url("cases:new")).content.decode()

    assert 'value="payroll"' in html
