"""Opening a case: numbering, due dates, assignment, stored files, and the
uploads kept from a form that failed validation."""

import logging
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from accounts.models import Customer, Partner
from taxonomy.models import Area, ProductLine

from .. import conf, notifications, signals
from ..assignment import get_assignment_policy
from ..attachments import CheckedFile, delete_stored_file, file_sha256, store_file
from ..models import (
    AttachmentKind,
    Case,
    CaseAttachment,
    CaseCounter,
    CaseEvent,
    CaseMessage,
    EventKind,
    PendingUpload,
    SlaPolicy,
    Source,
    Status,
)
from ..storage import private_storage

logger = logging.getLogger(__name__)

SINGLE_FILE_KINDS = frozenset({AttachmentKind.ERROR_LOG, AttachmentKind.DIAGNOSTIC})


@dataclass
class CaseDraft:
    """What a submission says, validated (by a form) and ready to be saved."""

    customer: Customer
    product_line: ProductLine
    area: Area
    urgency: str
    subject: str
    request: str
    notify_email: str
    notify_mobile: str = ""
    auto_notify: bool = True
    dealer: Partner | None = None
    reporter: object = None
    source: str = Source.WEB
    language: str = ""


@dataclass
class IncomingFile:
    """An uploaded file that passed ``attachments.check_upload``."""

    kind: str
    file: object
    checked: CheckedFile
    sha256: str = field(default="")


def display_name(user) -> str:
    if user is None:
        return ""
    name = user.get_full_name() or user.get_username()
    if user.partner_id:
        return f"{name} · {user.partner.name}"
    if user.customer_id:
        return f"{name} · {user.customer.name}"
    return name


# Numbers and due dates -------------------------------------------------------------


def allocate_case_number(year: int) -> str:
    """The next case number of ``year``, e.g. ``2026-000123``.

    The year's counter row stays locked until the caller's transaction ends
    (the UPDATE that takes the number locks it), so concurrent submissions
    queue up for it on PostgreSQL; SQLite serialises writing transactions
    anyway (``transaction_mode`` IMMEDIATE). ``Case.number`` is unique as a
    last line of defence. Inside the caller's transaction no savepoint is
    needed: nothing here is meant to survive a failure of the caller.
    """
    with transaction.atomic(savepoint=False):
        last = _take_next(year)
        if last is None:
            try:
                with transaction.atomic():
                    CaseCounter.objects.create(year=year, last=0)
            except IntegrityError:
                pass  # another submission created it first: take from theirs
            last = _take_next(year)
    return f"{year}-{last:06d}"


def _take_next(year: int) -> int | None:
    """Add one to ``year``'s counter and return the new value, or None when
    the year has no counter yet. One ``UPDATE … RETURNING`` statement where the
    database has it (SQLite 3.35+, PostgreSQL), else a locked read and a write.
    """
    connection = connections[router.db_for_write(CaseCounter)]
    if not connection.features.can_return_columns_from_insert:
        counter = CaseCounter.objects.select_for_update().filter(year=year).first()
        if counter is None:
            return None
        counter.last += 1
        counter.save(update_fields=["last"])
        return counter.last
    quote = connection.ops.quote_name
    meta = CaseCounter._meta
    last = quote(meta.get_field("last").column)
    year_column = quote(meta.get_field("year").column)
    # Names from the model's own metadata, quoted; the year is a parameter.
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {last} = {last} + 1 "  # noqa: S608
        f"WHERE {year_column} = %s RETURNING {last}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [year])
        row = cursor.fetchone()
    return row[0] if row else None


def compute_due_at(urgency: str, start: datetime) -> datetime:
    """``start`` plus the SLA hours for ``urgency`` (the SLA table, else
    ``CASES_SLA_DEFAULT_HOURS``). Calendar hours, not working hours."""
    hours = (
        SlaPolicy.objects.filter(urgency=urgency)
        .values_list("hours", flat=True)
        .first()
    )
    if hours is None:
        hours = conf.SLA_DEFAULT_HOURS.get(urgency, 48)
    return start + timedelta(hours=hours)


# Files -----------------------------------------------------------------------------


def _uploaded_attachments(
    case: Case,
    files: Sequence[IncomingFile],
    stored: list[str],
    uploaded_by=None,
    message: CaseMessage | None = None,
) -> list[CaseAttachment]:
    """Store ``files`` in the case's folder; their attachments, not saved yet.
    The stored names are added to ``stored`` as they are written, so that the
    caller can remove them if its transaction fails."""
    attachments = []
    for incoming in files:
        digest = incoming.sha256 or file_sha256(incoming.file)
        name = store_file(
            incoming.file, _case_folder(case), incoming.checked.stored_name
        )
        stored.append(name)
        attachments.append(
            CaseAttachment(
                case=case,
                message=message,
                kind=incoming.kind,
                file=name,
                name=incoming.checked.name,
                size=incoming.checked.size,
                sha256=digest,
                content_type=incoming.checked.content_type,
                uploaded_by=uploaded_by,
            )
        )
    return attachments


def attach_uploaded_files(
    case: Case,
    files: Sequence[IncomingFile],
    stored: list[str],
    uploaded_by=None,
    message: CaseMessage | None = None,
) -> list[CaseAttachment]:
    """Store ``files`` and save their rows with one statement, however many
    there are (see :func:`_uploaded_attachments` for ``stored``)."""
    attachments = _uploaded_attachments(case, files, stored, uploaded_by, message)
    return CaseAttachment.objects.bulk_create(attachments) if attachments else []


def _pending_attachment(
    case: Case, pending: PendingUpload, stored: list[str], uploaded_by=None
) -> CaseAttachment:
    """The (unsaved) attachment a kept upload becomes, its file linked into the
    case's folder."""
    # Link (or copy) rather than move: if the transaction rolls back, the kept
    # upload must still be there for the next try. The original goes on commit.
    storage = private_storage()
    target = storage.get_available_name(
        f"{_case_folder(case)}/{os.path.basename(pending.file.name)}"
    )
    target_path = storage.path(target)
    os.makedirs(os.path.dirname(target_path), exist_ok=True)
    try:
        os.link(storage.path(pending.file.name), target_path)
    except OSError:
        shutil.copyfile(storage.path(pending.file.name), target_path)
    # A link keeps the kept upload's age; until this transaction commits the
    # file has no row, and purge_orphan_files must not take it for an old
    # orphan. (The kept upload shares the new time: its own row protects it.)
    os.utime(target_path)
    stored.append(target)
    old_name = pending.file.name
    transaction.on_commit(lambda: delete_stored_file(old_name))
    return CaseAttachment(
        case=case,
        kind=pending.kind,
        file=target,
        name=pending.name,
        size=pending.size,
        sha256=pending.sha256,
        content_type=pending.content_type,
        uploaded_by=uploaded_by,
    )


def _case_folder(case: Case) -> str:
    return f"cases/{case.number[:4]}/{case.number}"


# Submitting ------------------------------------------------------------------------


def submit_case(
    draft: CaseDraft,
    files: Sequence[IncomingFile] = (),
    pending: Sequence[PendingUpload] = (),
    *,
    notify: bool = True,
    session=None,
) -> Case:
    """Save a new case with its attachments, number it, assign it and queue the
    summary for the reporter and the notice for the partner — all in one
    transaction. Stored files are removed again if anything fails. Once it
    commits, ``signals.case_submitted`` goes out with the case and
    ``session`` (the web form's visitor's session; None from the API or the
    admin).

    The statements do not grow with the attachments: the case is inserted
    already assigned, its history rows and its attachments are inserted
    together, and the kept uploads it took are deleted together. With the
    customer's reference partner loaded beforehand (the form's view does), a
    submission runs: the number, the SLA hours, the case, its history, its
    attachments, the kept uploads' deletion (if any), and the outbox."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            now = timezone.now()
            case = Case(
                number=allocate_case_number(timezone.localdate(now).year),
                customer=draft.customer,
                reporter=draft.reporter,
                source=draft.source,
                notify_email=draft.notify_email,
                notify_mobile=draft.notify_mobile,
                auto_notify=draft.auto_notify,
                dealer=draft.dealer,
                product_line=draft.product_line,
                area=draft.area,
                urgency=draft.urgency,
                subject=draft.subject,
                request=draft.request,
                language=draft.language,
                status=Status.NEW,
                created_at=now,
                due_at=compute_due_at(draft.urgency, now),
            )
            assignment = get_assignment_policy().assign(case)
            actor_name = display_name(draft.reporter) or draft.customer.name
            events = [
                CaseEvent(
                    case=case,
                    actor=draft.reporter,
                    actor_name=actor_name,
                    kind=EventKind.CREATED,
                    to_value=Status.NEW,
                    created_at=now,
                )
            ]
            if assignment.partner is not None:
                # Saved assigned at once; the history still tells both steps.
                case.assigned_partner = assignment.partner
                case.status = Status.ASSIGNED
                events += [
                    CaseEvent(
                        case=case,
                        kind=EventKind.ASSIGNED,
                        to_value=assignment.partner.name,
                        comment=str(assignment.reason),
                        created_at=now,
                    ),
                    CaseEvent(
                        case=case,
                        kind=EventKind.STATUS,
                        from_value=Status.NEW,
                        to_value=Status.ASSIGNED,
                        created_at=now,
                    ),
                ]
            case.save()
            CaseEvent.objects.bulk_create(events)
            attachments = _uploaded_attachments(case, files, stored, draft.reporter)
            attachments += [
                _pending_attachment(case, kept, stored, uploaded_by=draft.reporter)
                for kept in pending
            ]
            if attachments:
                CaseAttachment.objects.bulk_create(attachments)
            if pending:
                PendingUpload.objects.filter(pk__in=[p.pk for p in pending]).delete()
            if notify:
                notifications.notify_case_submitted(case, attachments)
            transaction.on_commit(
                lambda: signals.case_submitted.send(
                    sender=Case, case=case, session=session
                ),
                robust=True,
            )
    except BaseException:
        for name in stored:
            delete_stored_file(name)
        raise
    logger.info(
        "case %s submitted for %s, assigned to %s",
        case.number,
        draft.customer.code,
        case.assigned_partner.code if case.assigned_partner else "default queue",
    )
    return case


# Kept uploads ----------------------------------------------------------------------


def keep_pending_uploads(
    user, token: str, files: Sequence[IncomingFile]
) -> list[PendingUpload]:
    """Keep the valid files of a form that failed validation, so that the user
    need not choose them again. A new error log or diagnostic bundle replaces
    the one kept before."""
    kept = []
    for incoming in files:
        if incoming.kind in SINGLE_FILE_KINDS:
            discard_pending_uploads(
                user,
                token,
                PendingUpload.objects.filter(
                    user=user, token=token, kind=incoming.kind
                ).values_list("pk", flat=True),
            )
        digest = incoming.sha256 or file_sha256(incoming.file)
        name = store_file(
            incoming.file, f"pending/{token[:16]}", incoming.checked.stored_name
        )
        kept.append(
            PendingUpload.objects.create(
                token=token,
                user=user,
                kind=incoming.kind,
                file=name,
                name=incoming.checked.name,
                size=incoming.checked.size,
                sha256=digest,
                content_type=incoming.checked.content_type,
            )
        )
    return kept


def pending_uploads_for(user, token: str) -> list[PendingUpload]:
    if not token or user is None or not user.is_authenticated:
        return []
    return list(PendingUpload.objects.filter(user=user, token=token))


def discard_pending_uploads(user, token: str, ids) -> int:
    """Remove kept uploads (the user ticked "remove")."""
    doomed = list(PendingUpload.objects.filter(user=user, token=token, pk__in=ids))
    for pending in doomed:
        delete_stored_file(pending.file.name)
        pending.delete()
    return len(doomed)


def purge_stale_pending_uploads(
    now: datetime | None = None, *, dry_run: bool = False
) -> int:
    """Delete kept uploads older than ``CASES_PENDING_UPLOAD_HOURS``."""
    cutoff = (now or timezone.now()) - timedelta(hours=conf.PENDING_UPLOAD_HOURS)
    stale = list(PendingUpload.objects.filter(created_at__lt=cutoff))
    if dry_run:
        return len(stale)
    for pending in stale:
        delete_stored_file(pending.file.name)
        pending.delete()
    return len(stale)


#: The folders of private storage that hold case attachments and kept uploads.
STORED_FILE_FOLDERS = ("cases", "pending")
#: Files are written inside the submission's transaction, before their rows
#: commit: one without its row for this long was left by a failed submission
#: whose clean-up never ran (the process was killed).
ORPHAN_MIN_AGE = timedelta(hours=1)


def purge_orphan_files(
    min_age: timedelta = ORPHAN_MIN_AGE, *, dry_run: bool = False
) -> int:
    """Delete the files under the attachments' folders of private storage that
    no attachment or kept upload refers to and that are older than
    ``min_age``; return how many there were.

    Stored names are unique per file, so such a file is never shown; but it
    would sit in the folder of a case number that the next case takes (the
    number's transaction was rolled back) and fill the disk."""
    storage = private_storage()
    root = os.path.realpath(storage.location)
    cutoff = timezone.now().timestamp() - min_age.total_seconds()
    candidates = []
    for folder in STORED_FILE_FOLDERS:
        for directory, _dirs, names in os.walk(os.path.join(root, folder)):
            for name in names:
                path = os.path.join(directory, name)
                try:
                    if os.lstat(path).st_mtime >= cutoff:
                        continue
                except FileNotFoundError:
                    continue
                candidates.append(os.path.relpath(path, root).replace(os.sep, "/"))
    if not candidates:
        return 0
    # Read after the walk: a file whose row commits meanwhile is then known.
    referenced = set(
        CaseAttachment.objects.values_list("file", flat=True).iterator()
    ) | set(PendingUpload.objects.values_list("file", flat=True).iterator())
    orphans = [name for name in candidates if name not in referenced]
    if not dry_run:
        for name in orphans:
            delete_stored_file(name)
        if orphans:
            logger.info("removed %d stored file(s) without a record", len(orphans))
    return len(orphans)


def purge_empty_folders(
    min_age: timedelta = ORPHAN_MIN_AGE, *, dry_run: bool = False
) -> int:
    """Remove the empty folders under the attachments' folders of private
    storage (a case number's, a form's kept uploads') unchanged for
    ``min_age``; return how many there were. A folder emptied by this run's
    sweep changed just now: the next run removes it. A younger one may be a
    submission's that is about to write its first file."""
    root = os.path.realpath(private_storage().location)
    cutoff = timezone.now().timestamp() - min_age.total_seconds()
    removed = 0
    for folder in STORED_FILE_FOLDERS:
        top = os.path.join(root, folder)
        for directory, _dirs, names in os.walk(top, topdown=False):
            if directory == top or names:
                continue
            try:
                if os.listdir(directory) or os.lstat(directory).st_mtime >= cutoff:
                    continue
                if not dry_run:
                    os.rmdir(directory)
            except OSError:  # gone meanwhile, or a file just arrived
                continue
            removed += 1
    if removed and not dry_run:
        logger.info("removed %d empty folder(s)", removed)
    return removed
