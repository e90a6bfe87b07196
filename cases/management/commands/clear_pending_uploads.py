from django.core.management.base import BaseCommand

from cases import conf
from cases.services import purge_stale_pending_uploads


class Command(BaseCommand):
    help = (
        "Delete files kept from case forms that were never submitted, older than "
        "CASES_PENDING_UPLOAD_HOURS. Run it daily from cron."
    )

    def handle(self, *args, **options):
        removed = purge_stale_pending_uploads()
        self.stdout.write(
            f"{removed} kept upload(s) older than {conf.PENDING_UPLOAD_HOURS} h removed"
        )
