"""The outbox delivers through a real SMTP server and survives an outage."""

import email
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from mailer.models import OutboundEmail
from mailer.services import queue_email

pytestmark = pytest.mark.django_db


def queue_notice(**kwargs):
    params = {
        "template_prefix": "mailer/email/notice",
        "context": {"subject": "Case 2026-000001 received", "body": "Rossi & Co: ok"},
        "to": ["customer@example.com"],
        "language": "en",
    }
    params.update(kwargs)
    return queue_email(**params)


def run_command(*args) -> str:
    out = io.StringIO()
    call_command("send_queued_mail", *args, stdout=out)
    return out.getvalue()


def test_queued_email_goes_out_over_smtp_after_the_commit(
    smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.start()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = queue_notice()
        # Not sent before the transaction commits.
        assert smtp_server.messages == []
    for callback in callbacks:
        callback()

    queued.refresh_from_db()
    assert queued.status == OutboundEmail.Status.SENT
    assert queued.attempts == 1
    assert queued.sent_at is not None
    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == ["customer@example.com"]
    received = email.message_from_bytes(envelope.content)
    assert received["Subject"] == "Case 2026-000001 received"
    # Plain-text templates are not HTML-escaped.
    assert "Rossi & Co: ok" in received.get_payload(decode=True).decode()


def test_attachment_is_delivered(smtp_server, django_capture_on_commit_callbacks):
    smtp_server.start()

    with django_capture_on_commit_callbacks(execute=True):
        queue_notice(attachments=[("summary.txt", b"case summary", "text/plain")])

    received = email.message_from_bytes(smtp_server.messages[0].content)
    parts = {part.get_filename(): part for part in received.walk()}
    assert parts["summary.txt"].get_payload(decode=True) == b"case summary"


def test_smtp_outage_keeps_the_message_until_send_queued_mail_delivers_it(
    smtp_server, django_capture_on_commit_callbacks
):
    # Nothing listens on the port yet: the first attempt fails.
    with django_capture_on_commit_callbacks(execute=True):
        queued = queue_notice()

    queued.refresh_from_db()
    assert queued.status == OutboundEmail.Status.QUEUED
    assert queued.attempts == 1
    assert "Connection refused" in queued.last_error or "Errno" in queued.last_error
    wait = queued.next_attempt_at - timezone.now()
    assert timedelta(seconds=30) < wait <= timedelta(minutes=1)

    # Before the retry is due, cron sends nothing.
    assert run_command().startswith("0 sent")

    # A minute later the server is back.
    smtp_server.start()
    OutboundEmail.objects.filter(pk=queued.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert run_command().startswith("1 sent")

    queued.refresh_from_db()
    assert queued.status == OutboundEmail.Status.SENT
    assert queued.attempts == 2
    assert queued.last_error == ""
    assert len(smtp_server.messages) == 1
    assert email.message_from_bytes(smtp_server.messages[0].content)["Subject"] == (
        "Case 2026-000001 received"
    )
    # Sent once: running the command again sends nothing more.
    assert run_command().startswith("0 sent")
    assert len(smtp_server.messages) == 1


@override_settings(MAILER_RETRY_BASE_MINUTES=1, MAILER_RETRY_MAX_MINUTES=4)
def test_backoff_doubles_up_to_the_cap_and_never_drops(
    smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queued = queue_notice()
    waits = []
    for _ in range(4):
        queued.refresh_from_db()
        waits.append(queued.next_attempt_at - timezone.now())
        OutboundEmail.objects.filter(pk=queued.pk).update(
            next_attempt_at=timezone.now()
        )
        run_command()
    queued.refresh_from_db()

    minutes = [round(wait.total_seconds() / 60) for wait in waits]
    assert minutes == [1, 2, 4, 4]
    assert queued.attempts == 5
    assert queued.status == OutboundEmail.Status.QUEUED
    assert OutboundEmail.objects.count() == 1


@override_settings(MAILER_MAX_ATTEMPTS=2)
def test_exhausted_message_is_kept_as_failed_and_can_be_requeued(
    smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queued = queue_notice()
    OutboundEmail.objects.filter(pk=queued.pk).update(next_attempt_at=timezone.now())
    assert "1 failed" in run_command()
    queued.refresh_from_db()
    assert queued.status == OutboundEmail.Status.FAILED

    smtp_server.start()
    output = run_command("--retry-failed")

    assert "1 failed message(s) requeued" in output
    assert "1 sent" in output
    queued.refresh_from_db()
    assert queued.status == OutboundEmail.Status.SENT
    assert len(smtp_server.messages) == 1


def test_dry_run_counts_without_sending(django_capture_on_commit_callbacks):
    queue_notice()  # no commit callbacks run: still queued

    assert run_command("--dry-run").startswith("1 due")
    assert mail.outbox == []
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.QUEUED


def test_locmem_backend_receives_html_and_text(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue_notice(to=["a@example.com", "", "b@example.com"])

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["a@example.com", "b@example.com"]
    assert mail.outbox[0].subject == "Case 2026-000001 received"


# A real worker checks its connection between tasks (close_old_connections),
# which needs autocommit: this test runs outside the usual test transaction.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_database_task_backend_retries_with_run_after(smtp_server):
    from django_tasks_db.models import DBTaskResult

    queued = queue_notice()  # autocommit: enqueued at once
    # The commit enqueued one delivery; a worker runs it while SMTP is down.
    assert DBTaskResult.objects.count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())

    queued.refresh_from_db()
    assert queued.status == OutboundEmail.Status.QUEUED
    retry = DBTaskResult.objects.exclude(status="SUCCESSFUL").get()
    assert retry.task_path == "mailer.tasks.deliver_email"
    assert retry.args_kwargs["args"] == [queued.pk]
    assert abs(retry.run_after - queued.next_attempt_at) < timedelta(seconds=1)


def test_a_message_without_recipients_is_refused():
    with pytest.raises(ValueError):
        queue_notice(to=["", ""])
    assert not OutboundEmail.objects.exists()


def test_several_messages_are_stored_together_and_each_goes_out_after_the_commit(
    smtp_server, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mailer.services import prepare_email, queue_emails

    smtp_server.start()
    prepared = [
        prepare_email(
            "mailer/email/notice",
            {"subject": f"Notice {n}", "body": "ok"},
            [f"person{n}@example.com"],
            "en",
        )
        for n in range(3)
    ]
    assert not OutboundEmail.objects.exists()  # rendered, not stored yet

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with CaptureQueriesContext(connection) as captured:
            queued = queue_emails(prepared)
        assert smtp_server.messages == []
    for callback in callbacks:
        callback()

    assert len(captured.captured_queries) == 1
    assert [email.status for email in OutboundEmail.objects.order_by("pk")] == [
        OutboundEmail.Status.SENT
    ] * 3
    assert sorted(e.rcpt_tos[0] for e in smtp_server.messages) == [
        "person0@example.com",
        "person1@example.com",
        "person2@example.com",
    ]
    assert [email.pk for email in queued] == list(
        OutboundEmail.objects.order_by("pk").values_list("pk", flat=True)
    )
