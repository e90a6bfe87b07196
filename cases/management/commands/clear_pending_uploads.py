from django.core.management.base import BaseCommand

from cases import conf
from cases.services.submission import (
    purge_empty_folders,
    purge_orphan_files,
    purge_stale_pending_uploads,
)
from cases.uploads import purge_stale_temporary_uploads


class Command(BaseCommand):
    help = (
        "Delete files kept from case forms that were never submitted, older than "
        "CASES_PENDING_UPLOAD_HOURS; stored files that no attachment or kept "
        "upload refers to, older than an hour (left by a submission whose "
        "process was killed); and the upload handler's temporary files older "
        "than an hour; and the attachments' empty folders older than an hour. "
        "Run it daily from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count what would be deleted.",
        )

    def handle(self, *args, dry_run=False, **options):
        kept = purge_stale_pending_uploads(dry_run=dry_run)
        orphans = purge_orphan_files(dry_run=dry_run)
        temporary = purge_stale_temporary_uploads(dry_run=dry_run)
        folders = purge_empty_folders(dry_run=dry_run)
        verb = "to remove" if dry_run else "removed"
        self.stdout.write(
            f"{kept} kept upload(s) older than {conf.PENDING_UPLOAD_HOURS} h {verb}"
        )
        self.stdout.write(f"{orphans} stored file(s) without a record {verb}")
        self.stdout.write(f"{temporary} temporary upload(s) older than 1 h {verb}")
        self.stdout.write(f"{folders} empty folder(s) older than 1 h {verb}")
