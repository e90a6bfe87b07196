from django.core.management.base import BaseCommand

from kb.pagecache import invalidate_all


class Command(BaseCommand):
    help = (
        "Make every page in the page cache stale (kb.pagecache), e.g. after a "
        "deploy that changed templates or translations: the next request of "
        "each page renders it again."
    )

    def handle(self, *args, **options):
        invalidate_all()
        self.stdout.write("Page cache: every cached page is stale.")
