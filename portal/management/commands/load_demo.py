from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# Each module has a ``load(stdout)`` that creates or updates its demo data and can
# run any number of times without duplicating anything. Order matters.
DEMO_LOADERS = [
    "home.demo",
    "taxonomy.demo",
    "accounts.demo",
    "kb.demo",
    "cases.demo",
    "remote.demo",
]


class Command(BaseCommand):
    help = (
        "Load the demo: languages, home pages, product lines, companies and the "
        "demo logins (admin, editor, partner... with the password sportello-demo). "
        "Safe to run again: it updates instead of duplicating. Runs only where the "
        "settings say DEMO_DATA_ALLOWED = True (portal.settings.dev and "
        "portal.settings.test do; production and any other settings module do "
        "not), so that it cannot create the demo logins on a live portal by "
        "mistake; --allow-production overrides this, e.g. for a demo server."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only", nargs="*", help="Run only these loaders (module names)."
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help=(
                "Load the demo even though the settings do not allow it (they "
                "lack DEMO_DATA_ALLOWED = True): creates logins with a published "
                "password."
            ),
        )

    def handle(self, *args, only=None, allow_production=False, **options):
        # Fail closed: a settings module must opt in. Checking DEBUG would refuse
        # the test settings (DEBUG is False there, as in production), and checking
        # the module's name would miss a production module under another name.
        if not (getattr(settings, "DEMO_DATA_ALLOWED", False) or allow_production):
            raise CommandError(
                "Refusing to load the demo: these settings "
                f"({settings.SETTINGS_MODULE}) do not set DEMO_DATA_ALLOWED = True, "
                "and the demo creates logins such as admin with the published "
                "password sportello-demo. Use portal.settings.dev, or pass "
                "--allow-production if this really is a demo server."
            )
        for dotted in DEMO_LOADERS:
            if only and dotted not in only:
                continue
            if not apps.is_installed(dotted.split(".")[0]):
                continue  # a site without that app (e.g. remote)
            with transaction.atomic():
                import_module(dotted).load(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo loaded."))
