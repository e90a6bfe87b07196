from django.core.management.base import BaseCommand, CommandError

from search.backends import get_search_backends
from search.providers import all_documents, get_document_providers
from search.services import rebuild_index


class Command(BaseCommand):
    help = (
        "Rebuild the search index of every backend from the registered document "
        "providers. The database index is replaced in one transaction; "
        "Elasticsearch gets fresh timestamped indices, then its aliases swap. "
        "Searches keep answering from the old index until the new one is ready."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--backend",
            action="append",
            dest="aliases",
            metavar="ALIAS",
            help="Rebuild only this SEARCH_BACKENDS alias (repeatable).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Documents per batch."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count the providers' documents without touching any index.",
        )

    def handle(self, *args, aliases=None, batch_size=500, dry_run=False, **options):
        backends = get_search_backends()
        unknown = sorted(set(aliases or ()) - set(backends))
        if unknown:
            raise CommandError(f"Unknown search backend: {', '.join(unknown)}.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        providers = get_document_providers()
        if not providers:
            self.stdout.write(
                self.style.WARNING("No document providers are registered.")
            )
        if dry_run:
            for provider in providers:
                count = sum(1 for _document in provider.documents())
                self.stdout.write(f"{provider.name}: {count} documents")
            return
        report = rebuild_index(all_documents(), aliases=aliases, batch_size=batch_size)
        for alias, count in report.counts.items():
            self.stdout.write(self.style.SUCCESS(f"{alias}: {count} documents indexed"))
        for alias, reason in report.failed.items():
            self.stderr.write(self.style.ERROR(f"{alias}: not rebuilt ({reason})"))
        if report.failed:
            raise CommandError("Some search backends were not rebuilt.")
