"""Check the consent records: the authorisations' hash chain, the clause
versions' hashes and the triggers. Exit status 1 on any problem."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from remote.services import verify_consent_records


class Command(BaseCommand):
    help = (
        "Verify the remote assistance consent records: each authorisation's hash "
        "and its link to the one before, each clause version's text against its "
        "SHA-256, and the triggers that refuse UPDATE and DELETE. Read-only; "
        "exits with status 1 if anything is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database to check (default: %(default)s).",
        )

    def handle(self, *args, **options):
        report = verify_consent_records(using=options["database"])
        for problem in report.problems:
            self.stderr.write(f"BREAK: {problem}")
        summary = (
            f"{report.authorisations} authorisation(s), chain head {report.head}; "
            f"{report.versions} clause version(s); triggers "
            f"{'checked' if report.triggers_checked else 'not checked (vendor)'}"
        )
        if not report.ok:
            raise CommandError(
                f"{len(report.problems)} problem(s) in the consent records ({summary})."
            )
        self.stdout.write(self.style.SUCCESS(f"Consent records intact: {summary}."))
