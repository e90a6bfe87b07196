from django.core.management.base import BaseCommand

from mailer.models import OutboundEmail
from mailer.services import requeue_failed_emails, send_due_emails


class Command(BaseCommand):
    help = (
        "Send every queued e-mail whose next attempt is due. Run it from cron, "
        "or by hand after an SMTP outage: nothing queued is ever dropped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="First put messages that exhausted their attempts back in the queue.",
        )
        parser.add_argument(
            "--limit", type=int, default=None, help="Send at most this many."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count the messages that would be sent.",
        )

    def handle(self, *args, retry_failed=False, limit=None, dry_run=False, **options):
        if dry_run:
            due = OutboundEmail.objects.due().count()
            failed = OutboundEmail.objects.filter(
                status=OutboundEmail.Status.FAILED
            ).count()
            self.stdout.write(f"{due} due, {failed} failed (dry run: nothing sent)")
            return
        if retry_failed:
            self.stdout.write(f"{requeue_failed_emails()} failed message(s) requeued")
        report = send_due_emails(limit=limit)
        self.stdout.write(
            f"{report.sent} sent, {report.retrying} will be retried, "
            f"{report.failed} failed"
        )
