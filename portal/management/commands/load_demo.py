from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

# Each module has a ``load(stdout)`` that creates or updates its demo data and can
# run any number of times without duplicating anything. Order matters.
DEMO_LOADERS = [
    "portal.demo",
    "taxonomy.demo",
    "accounts.demo",
    "kb.demo",
    "cases.demo",
    "remote.demo",
]


class Command(BaseCommand):
    help = (
        "Load the demo: languages, home pages, product lines, companies and the "
        "demo logins. Safe to run again: it updates instead of duplicating."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only", nargs="*", help="Run only these loaders (module names)."
        )

    def handle(self, *args, only=None, **options):
        for dotted in DEMO_LOADERS:
            if only and dotted not in only:
                continue
            with transaction.atomic():
                import_module(dotted).load(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo loaded."))
