"""The integrity of the consent records: the authorisations' hash chain and the
record of where it ends (extended by ``record_authorisation``, checked by
``verify_consent_records``),
the clause versions' hashes, the database triggers, and whether a user may be
deleted without touching a record."""

import logging
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from ..models import (
    GENESIS_HASH,
    Authorisation,
    ChainHead,
    ConsentVersion,
    authorisation_hash,
)
from ..triggers import missing_record_triggers, supports_record_triggers

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key of the authorisation chain (any constant bigint
# that no other lock in the project uses: "remote" in ASCII).
CHAIN_LOCK_KEY = 0x72656D6F7465


def lock_authorisation_chain(using: str = DEFAULT_DB_ALIAS) -> str:
    """Take the chain for the current transaction and return the hash the next
    authorisation follows (the latest one's, or ``GENESIS_HASH``).

    On PostgreSQL a transaction-scoped advisory lock serialises the writers:
    ``select_for_update()`` on the latest row is not enough, because a writer
    that waited for that lock still sees the row it first read as the latest,
    and would chain to it a second time. SQLite lets one writer at a time. The
    unique constraint on ``previous_hash`` refuses a fork in any case. Call it
    inside ``transaction.atomic``."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        latest = Authorisation.objects.using(using).order_by("-pk")
    else:
        latest = Authorisation.objects.using(using).select_for_update()
        latest = latest.order_by("-pk")
    row = latest.only("record_hash").first()
    return row.record_hash if row is not None else GENESIS_HASH


def chain_authorisation(authorisation: Authorisation, using=DEFAULT_DB_ALIAS) -> None:
    """Fill the chain fields of an unsaved authorisation, and its time, once
    the chain is locked (so that the chain's order is the order of the times).
    Save it in the same transaction, then call ``advance_chain_head``."""
    previous = lock_authorisation_chain(using)
    authorisation.created_at = timezone.now()
    authorisation.previous_hash = previous
    authorisation.record_hash = authorisation_hash(authorisation, previous)


def advance_chain_head(authorisation: Authorisation, using=DEFAULT_DB_ALIAS) -> None:
    """Move the record of the chain's end on to ``authorisation``, just saved
    by the caller with ``chain_authorisation`` in the same transaction (the
    chain is still locked, so the count cannot race).

    Without a head row (a database emptied by ``flush``) it starts from the
    chain as it is; if authorisations already existed, that hides a cut made
    before, so it is logged as an error."""
    heads = ChainHead.objects.using(using)
    head = heads.select_for_update().filter(pk=1).first()
    if head is None:
        length = Authorisation.objects.using(using).count()
        if length > 1:
            logger.error(
                "the authorisation chain had no head record: restarted at %d "
                "authorisation(s) without checking its end",
                length,
            )
        heads.create(pk=1, length=length, record_hash=authorisation.record_hash)
        return
    head.length += 1
    head.record_hash = authorisation.record_hash
    head.save(update_fields=["length", "record_hash", "updated_at"])


@dataclass
class RecordsReport:
    """What ``verify_consent_records`` found. ``problems`` empty: all is well."""

    authorisations: int = 0
    versions: int = 0
    head: str = GENESIS_HASH
    triggers_checked: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_consent_records(using: str = DEFAULT_DB_ALIAS) -> RecordsReport:
    """Check every record against its hashes: each authorisation's hash over
    its fields and the previous hash, the links between them (a row changed,
    removed or inserted out of order breaks them), each authorisation's text
    hash against its clause version, each clause version's text against its
    SHA-256; and that the triggers are in place."""
    report = RecordsReport()
    # Read first: an authorisation recorded during the check then only makes
    # the chain longer than its head, which is not reported as a cut.
    head = ChainHead.objects.using(using).filter(pk=1).first()
    versions = {}
    for version in ConsentVersion.objects.using(using).order_by("pk").iterator():
        versions[version.pk] = version.sha256
        report.versions += 1
        if not version.text_matches_hash():
            report.problems.append(
                f"clause version {version.pk} ({version.language} "
                f"{version.number}): its text does not match its SHA-256"
            )
    expected_previous = GENESIS_HASH
    rows = Authorisation.objects.using(using).order_by("pk").iterator()
    for row in rows:
        report.authorisations += 1
        label = f"authorisation {row.pk} ({row.public_id})"
        if row.previous_hash != expected_previous:
            report.problems.append(
                f"{label}: the chain is broken before it (its previous hash is "
                f"not the hash of the authorisation before it: one removed, "
                f"changed or inserted)"
            )
        if authorisation_hash(row, row.previous_hash) != row.record_hash:
            report.problems.append(f"{label}: its fields do not match its hash")
        if versions.get(row.consent_version_id) != row.consent_sha256:
            report.problems.append(
                f"{label}: its text hash is not its clause version's"
            )
        expected_previous = row.record_hash
    report.head = expected_previous
    report.problems += _chain_end_problems(head, report)
    connection = connections[using]
    if supports_record_triggers(connection):
        report.triggers_checked = True
        for name in missing_record_triggers(connection):
            report.problems.append(f"trigger {name} is missing or disabled")
    if report.problems:
        logger.error("consent records: %d problem(s)", len(report.problems))
    return report


def _chain_end_problems(head: ChainHead | None, report: RecordsReport) -> list[str]:
    """Compare the chain's end with the record of where it ended."""
    if head is None:
        if report.authorisations:
            return [
                "the record of the chain's end is missing: authorisations at "
                "the end of the chain may have been removed unseen"
            ]
        return []
    if head.length > report.authorisations:
        return [
            f"the chain ends after {report.authorisations} authorisation(s) at "
            f"{report.head}, but it held {head.length} ending at "
            f"{head.record_hash}: the newest "
            f"{head.length - report.authorisations} were removed"
        ]
    if head.length == report.authorisations and head.record_hash != report.head:
        return [
            f"the chain ends at {report.head}, not at {head.record_hash} as "
            f"recorded: its newest authorisation was replaced"
        ]
    return []


def user_has_remote_records(user) -> bool:
    """Whether any remote assistance record or session names ``user``. Those
    rows are kept as they are (their foreign keys PROTECT), so such a user can
    be deactivated but not deleted."""
    for relation in user._meta.related_objects:
        if relation.related_model._meta.app_label != "remote":
            continue
        if relation.related_model._default_manager.filter(
            **{relation.field.name: user}
        ).exists():
            return True
    return False
