"""Working on a case: messages and internal notes, status changes,
reassignment and the customer's edits. Each function is one transaction that
locks the case row."""

import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Partner

from .. import notifications, signals
from ..attachments import delete_stored_file
from ..models import (
    ALLOWED_TRANSITIONS,
    Case,
    CaseEvent,
    CaseMessage,
    EventKind,
    Role,
    Status,
)
from ..permissions import is_case_partner, is_case_staff
from .submission import (
    IncomingFile,
    attach_uploaded_files,
    compute_due_at,
    display_name,
)

logger = logging.getLogger(__name__)


class TransitionNotAllowed(Exception):
    """The status change is not in ``ALLOWED_TRANSITIONS``."""

    def __init__(self, from_status: str, to_status: str):
        self.from_status = from_status
        self.to_status = to_status
        super().__init__(
            _("A case that is “%(from)s” cannot become “%(to)s”.")
            % {
                "from": Status(from_status).label,
                "to": Status(to_status).label
                if to_status in Status.values
                else to_status,
            }
        )


class CaseNotEditable(Exception):
    """Someone started working on the case: its fields can no longer change."""


# Working on a case -----------------------------------------------------------------


def role_of(user, case: Case) -> str:
    if is_case_partner(user, case):
        return Role.PARTNER
    if user is not None and user.customer_id == case.customer_id:
        return Role.CUSTOMER
    if is_case_staff(user):
        return Role.STAFF
    return Role.SYSTEM


def add_case_message(
    case: Case,
    author,
    body: str,
    files: Sequence[IncomingFile] = (),
    *,
    internal: bool = False,
    notify: bool = True,
) -> CaseMessage:
    """Add a reply or an internal note (partners and staff only) with files.

    A partner's public reply notifies the customer (e-mail and SMS, if the case
    has automatic notification on); a customer's message notifies the partner
    and, if the case was waiting for the customer, puts it back in progress.
    """
    role = role_of(author, case)
    if role == Role.CUSTOMER:
        internal = False
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            message = CaseMessage.objects.create(
                case=locked,
                author=author,
                author_name=display_name(author),
                role=role,
                body=body,
                is_internal=internal,
            )
            attach_uploaded_files(locked, files, stored, author, message)
            locked.save(update_fields=["updated_at"])
            if role == Role.CUSTOMER:
                if locked.status == Status.WAITING_CUSTOMER:
                    transition_case(
                        locked,
                        Status.IN_PROGRESS,
                        author,
                        _("The customer replied."),
                        notify=False,
                    )
                if notify:
                    notifications.notify_partner_of_message(locked, message)
            elif notify and not internal:
                notifications.notify_customer_of_reply(locked, message)
    except BaseException:
        for name in stored:
            delete_stored_file(name)
        raise
    return message


def transition_case(
    case: Case, to_status: str, actor, comment: str = "", *, notify: bool = True
) -> Case:
    """Move ``case`` to ``to_status`` if ``ALLOWED_TRANSITIONS`` permits it
    (else TransitionNotAllowed), recording who, when, from and to. Reopening a
    resolved case restarts its SLA clock. Returns the updated case; once the
    change commits, ``signals.case_transitioned`` goes out."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        from_status = locked.status
        if to_status not in ALLOWED_TRANSITIONS.get(from_status, frozenset()):
            raise TransitionNotAllowed(from_status, to_status)
        now = timezone.now()
        locked.status = to_status
        if to_status == Status.RESOLVED:
            locked.resolved_at = now
        elif to_status == Status.CLOSED:
            locked.closed_at = now
        if from_status == Status.RESOLVED and to_status != Status.CLOSED:
            locked.resolved_at = None
            locked.due_at = compute_due_at(locked.urgency, now)
        locked.save()
        event = CaseEvent.objects.create(
            case=locked,
            actor=actor,
            actor_name=display_name(actor),
            kind=EventKind.STATUS,
            from_value=from_status,
            to_value=to_status,
            comment=comment,
            created_at=now,
        )
        if notify:
            if role_of(actor, locked) == Role.CUSTOMER:
                notifications.notify_partner_of_status(locked, event)
            else:
                notifications.notify_customer_of_status(locked, event)
        transaction.on_commit(
            lambda: signals.case_transitioned.send(
                sender=Case,
                case=locked,
                from_status=from_status,
                to_status=to_status,
                actor=actor,
                comment=comment,
            ),
            robust=True,
        )
    case.refresh_from_db()
    return locked


def assign_case(case: Case, partner: Partner | None, actor, comment: str = "") -> Case:
    """Give ``case`` to ``partner`` (None: the default queue), audited; the new
    partner is told. A new case becomes "assigned"."""
    with transaction.atomic():
        # No select_related: PostgreSQL cannot lock the nullable side of the
        # outer join it would need.
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status == Status.CLOSED:
            raise TransitionNotAllowed(locked.status, Status.ASSIGNED)
        previous = locked.assigned_partner
        if previous == partner:
            return locked
        locked.assigned_partner = partner
        locked.save(update_fields=["assigned_partner", "updated_at"])
        CaseEvent.objects.create(
            case=locked,
            actor=actor,
            actor_name=display_name(actor),
            kind=EventKind.ASSIGNED,
            from_value=previous.name if previous else "",
            to_value=partner.name if partner else "",
            comment=comment,
        )
        if partner is not None and locked.status == Status.NEW:
            transition_case(locked, Status.ASSIGNED, actor, notify=False)
        if partner is not None:
            notifications.notify_partner_of_case(locked, reassigned=True)
    return locked


EDITABLE_FIELDS = (
    "notify_email",
    "notify_mobile",
    "auto_notify",
    "product_line",
    "area",
    "urgency",
    "subject",
    "request",
)


def update_case(case: Case, actor, changes: dict) -> Case:
    """Apply the customer's corrections while the case is still editable (new
    or assigned); record which fields changed. CaseNotEditable otherwise."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if not locked.is_editable:
            raise CaseNotEditable(locked.number)
        changed = []
        for name in EDITABLE_FIELDS:
            if name in changes and getattr(locked, name) != changes[name]:
                setattr(locked, name, changes[name])
                changed.append(name)
        if not changed:
            return locked
        if "urgency" in changed:
            locked.due_at = compute_due_at(locked.urgency, locked.created_at)
        locked.save()
        CaseEvent.objects.create(
            case=locked,
            actor=actor,
            actor_name=display_name(actor),
            kind=EventKind.EDITED,
            to_value=", ".join(
                str(Case._meta.get_field(name).verbose_name) for name in changed
            ),
        )
    return locked
