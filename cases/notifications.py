"""The mail (and SMS) a case causes. Every message goes through the mailer's
outbox inside the caller's transaction, so it is committed with the change it
announces and delivered after the commit; a template or outbox error is logged
and never undoes the change."""

import logging

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Partner
from mailer.models import OutboundEmail
from mailer.services import prepare_email, queue_emails

from . import conf
from .models import Case, CaseEvent, CaseMessage, Status

logger = logging.getLogger(__name__)

# Status changes the customer is told about (when automatic notification is on).
CUSTOMER_STATUS_NOTICES = frozenset(
    {Status.WAITING_CUSTOMER, Status.RESOLVED, Status.CLOSED}
)


def case_url(case: Case, language: str) -> str:
    with translation.override(language):
        path = reverse("cases:detail", args=[case.number])
    return conf.base_url() + path


def customer_language(case: Case) -> str:
    return case.customer.preferred_language or case.language or "en"


def partner_recipients(partner: Partner | None) -> list[str]:
    """The partner's desk address, else its active users' addresses."""
    if partner is None:
        return []
    if partner.email:
        return [partner.email]
    return list(
        partner.users.filter(is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def _prepare(
    template: str, context: dict, to: list[str], language: str
) -> OutboundEmail | None:
    """One message rendered, or None when it has no recipient or cannot be
    rendered (logged)."""
    if not any(to):
        return None
    try:
        return prepare_email(f"cases/email/{template}", context, to, language)
    except Exception:
        logger.exception("could not queue %s for case %s", template, context["case"])
        return None


def _queue_all(case: Case, emails: list[OutboundEmail | None]) -> None:
    """Store the rendered messages in the outbox with one statement, in a
    savepoint, so that an outbox error is logged and never undoes the case."""
    emails = [email for email in emails if email is not None]
    if not emails:
        return
    try:
        with transaction.atomic():
            queue_emails(emails)
    except Exception:
        logger.exception(
            "could not queue %s for case %s",
            ", ".join(email.template_prefix for email in emails),
            case,
        )


def _queue(template: str, context: dict, to: list[str], language: str) -> None:
    _queue_all(context["case"], [_prepare(template, context, to, language)])


def _queue_sms(to: str, text: str) -> None:
    from .tasks import send_sms_task

    def enqueue():
        try:
            send_sms_task.enqueue(to, text)
        except Exception:
            logger.exception("could not enqueue an SMS")

    transaction.on_commit(enqueue)


def notify_case_submitted(case: Case, attachments=None) -> None:
    """The summary to the reporter (in the language they wrote in) and the new
    case to its partner, stored together. ``attachments``: the case's, when
    the caller has them (else they are read)."""
    if attachments is None:
        attachments = list(case.attachments.all())
    language = case.language or customer_language(case)
    _queue_all(
        case,
        [
            _prepare(
                "case_submitted",
                {
                    "case": case,
                    "url": case_url(case, language),
                    "attachments": list(attachments),
                },
                [case.notify_email],
                language,
            ),
            _partner_new_case(case, reassigned=False, attachments=attachments),
        ],
    )


def notify_partner_of_case(case: Case, reassigned: bool) -> None:
    _queue_all(case, [_partner_new_case(case, reassigned)])


def _partner_new_case(
    case: Case, reassigned: bool, attachments=None
) -> OutboundEmail | None:
    language = conf.PARTNER_LANGUAGE
    if attachments is None:
        attachments = case.attachments.all()
    return _prepare(
        "partner_new_case",
        {
            "case": case,
            "reassigned": reassigned,
            "url": case_url(case, language),
            "attachments": list(attachments),
        },
        partner_recipients(case.assigned_partner),
        language,
    )


def notify_customer_of_reply(case: Case, message: CaseMessage) -> None:
    """A reply by the partner: e-mail, and SMS to the mobile if one is set, when
    the case has automatic notification on. In the customer's language."""
    if message.is_internal or not case.auto_notify:
        return
    language = customer_language(case)
    url = case_url(case, language)
    _queue(
        "case_reply",
        {"case": case, "message": message, "url": url},
        [case.notify_email],
        language,
    )
    if case.notify_mobile:
        with translation.override(language):
            text = _("Case %(number)s: new reply from %(partner)s. %(url)s") % {
                "number": case.number,
                "partner": message.author_name,
                "url": url,
            }
        _queue_sms(case.notify_mobile, text)


def notify_customer_of_status(case: Case, event: CaseEvent) -> None:
    if not case.auto_notify or event.to_value not in CUSTOMER_STATUS_NOTICES:
        return
    language = customer_language(case)
    _queue(
        "case_status",
        {"case": case, "event": event, "url": case_url(case, language)},
        [case.notify_email],
        language,
    )


def notify_partner_of_message(case: Case, message: CaseMessage) -> None:
    """The customer wrote on a case: tell the partner handling it."""
    language = conf.PARTNER_LANGUAGE
    _queue(
        "customer_message",
        {"case": case, "message": message, "url": case_url(case, language)},
        partner_recipients(case.assigned_partner),
        language,
    )


def notify_partner_of_status(case: Case, event: CaseEvent) -> None:
    """The customer closed or reopened the case: tell the partner."""
    language = conf.PARTNER_LANGUAGE
    _queue(
        "partner_status",
        {"case": case, "event": event, "url": case_url(case, language)},
        partner_recipients(case.assigned_partner),
        language,
    )
