"""Queue e-mail in the outbox and deliver it, retrying until it goes through.

``queue_email`` (or ``queue_emails``, for several messages in one statement)
stores the rendered message in the caller's transaction and
hands it to the task framework only after the commit: a case and the mail
announcing it are committed together, and a broken SMTP server never undoes the
case. Delivery that fails is retried with exponential backoff; nothing is
dropped.
"""

import base64
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from core.mail import render_email

from . import conf
from .models import OutboundEmail

logger = logging.getLogger(__name__)


def prepare_email(
    template_prefix: str,
    context: dict,
    to: Sequence[str],
    language: str | None = None,
    attachments: Iterable[tuple[str, bytes, str]] = (),
) -> OutboundEmail:
    """Render ``template_prefix`` in ``language`` into an outbox message, not
    saved yet: :func:`queue_emails` stores several with one statement.

    ``attachments`` are ``(name, content, mimetype)`` triples, stored
    base64-encoded: keep them small.
    """
    recipients = [address for address in to if address]
    if not recipients:
        raise ValueError(f"{template_prefix}: no recipient")
    subject, body, html = render_email(template_prefix, context, language)
    return OutboundEmail(
        template_prefix=template_prefix,
        to=recipients,
        subject=subject[:998],
        body=body,
        html=html or "",
        language=language or "",
        attachments=[
            {
                "name": name,
                "mimetype": mimetype,
                "content": base64.b64encode(content).decode("ascii"),
            }
            for name, content, mimetype in attachments
        ],
    )


def queue_emails(emails: Sequence[OutboundEmail]) -> list[OutboundEmail]:
    """Store messages made by :func:`prepare_email` in the outbox, all with one
    statement. The delivery of each is enqueued (task ``deliver_email``) when
    the current transaction commits, or at once outside a transaction."""
    saved = OutboundEmail.objects.bulk_create(emails)
    ids = [email.pk for email in saved]

    def enqueue_all():
        for email_id in ids:
            enqueue_delivery(email_id)

    transaction.on_commit(enqueue_all)
    return saved


def queue_email(
    template_prefix: str,
    context: dict,
    to: Sequence[str],
    language: str | None = None,
    attachments: Iterable[tuple[str, bytes, str]] = (),
) -> OutboundEmail:
    """Render ``template_prefix`` in ``language`` and store it in the outbox.

    Delivery is enqueued (task ``deliver_email``) when the current transaction
    commits, or at once outside a transaction. ``attachments`` are
    ``(name, content, mimetype)`` triples, stored base64-encoded: keep them small.
    """
    email = prepare_email(template_prefix, context, to, language, attachments)
    return queue_emails([email])[0]


def enqueue_delivery(email_id: int, run_after: datetime | None = None) -> None:
    """Hand one outbox message to the task backend. If the backend itself is
    unavailable the message stays queued for ``send_queued_mail``."""
    from .tasks import deliver_email

    task = deliver_email
    if run_after is not None:
        if not task.get_backend().supports_defer:
            # The immediate backend cannot wait: cron's send_queued_mail will
            # pick the message up when it is due.
            return
        task = task.using(run_after=run_after)
    try:
        task.enqueue(email_id)
    except Exception:  # noqa: BLE001 - the outbox row is the source of truth
        logger.warning(
            "could not enqueue delivery of e-mail %s", email_id, exc_info=True
        )


def retry_delay(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed attempts: 1, 2, 4 … minutes, capped."""
    minutes = conf.RETRY_BASE_MINUTES * 2 ** max(attempts - 1, 0)
    return timedelta(minutes=min(minutes, conf.RETRY_MAX_MINUTES))


def build_message(email: OutboundEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        email.subject, email.body, settings.DEFAULT_FROM_EMAIL, list(email.to)
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    for item in email.attachments:
        message.attach(
            item["name"], base64.b64decode(item["content"]), item.get("mimetype")
        )
    return message


def _claim(email_id: int, now: datetime) -> bool:
    """Mark one due message as being sent by this worker; False when another
    worker has it, it was sent already, or it is not due yet."""
    claimed = (
        OutboundEmail.objects.filter(pk=email_id)
        .due(now)
        .update(
            status=OutboundEmail.Status.SENDING,
            next_attempt_at=now + timedelta(minutes=conf.CLAIM_MINUTES),
        )
    )
    return claimed == 1


def deliver_queued_email(email_id: int) -> str:
    """Try to send one outbox message now, if it is due; return its status.

    On failure the error is recorded, the attempt counted and the next attempt
    scheduled with exponential backoff; the message is never deleted.
    """
    now = timezone.now()
    if not _claim(email_id, now):
        status = (
            OutboundEmail.objects.filter(pk=email_id)
            .values_list("status", flat=True)
            .first()
        )
        return status or "missing"
    email = OutboundEmail.objects.get(pk=email_id)
    attempts = email.attempts + 1
    try:
        build_message(email).send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any failure is retried later
        give_up = attempts >= conf.MAX_ATTEMPTS
        next_attempt = timezone.now() + retry_delay(attempts)
        OutboundEmail.objects.filter(pk=email_id).update(
            status=(
                OutboundEmail.Status.FAILED if give_up else OutboundEmail.Status.QUEUED
            ),
            attempts=attempts,
            next_attempt_at=next_attempt,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        logger.warning(
            "e-mail %s not sent (attempt %d): %s: %s",
            email_id,
            attempts,
            type(exc).__name__,
            exc,
        )
        if not give_up:
            enqueue_delivery(email_id, run_after=next_attempt)
        return OutboundEmail.Status.FAILED if give_up else OutboundEmail.Status.QUEUED
    OutboundEmail.objects.filter(pk=email_id).update(
        status=OutboundEmail.Status.SENT,
        attempts=attempts,
        sent_at=timezone.now(),
        last_error="",
    )
    logger.info("e-mail %s sent (%s)", email_id, email.template_prefix)
    return OutboundEmail.Status.SENT


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def send_due_emails(limit: int | None = None) -> DeliveryReport:
    """Send every queued message whose next attempt is due (oldest first)."""
    report = DeliveryReport()
    ids = OutboundEmail.objects.due().order_by("next_attempt_at", "pk")
    ids = ids.values_list("pk", flat=True)
    for email_id in list(ids[:limit] if limit else ids):
        status = deliver_queued_email(email_id)
        if status == OutboundEmail.Status.SENT:
            report.sent += 1
        elif status == OutboundEmail.Status.QUEUED:
            report.retrying += 1
        elif status == OutboundEmail.Status.FAILED:
            report.failed += 1
    return report


def requeue_failed_emails() -> int:
    """Put messages that exhausted their attempts back in the queue, due now."""
    return OutboundEmail.objects.filter(status=OutboundEmail.Status.FAILED).update(
        status=OutboundEmail.Status.QUEUED, attempts=0, next_attempt_at=timezone.now()
    )
