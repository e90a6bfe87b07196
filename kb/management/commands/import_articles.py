import gzip
import logging
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kb.services import import_article_lines


class Command(BaseCommand):
    help = (
        "Import knowledge-base articles and news from JSON Lines files (plain or "
        ".gz), one line per translation. Lines sharing a key are translations of "
        "one article; importing again updates instead of duplicating. Bad lines "
        "are reported and skipped, and the command then exits non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, help="JSONL or JSONL.gz")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Validate every line and count what would change; write nothing.",
        )

    def read_lines(self, path: Path) -> list[str]:
        try:
            if path.suffix == ".gz":
                with gzip.open(path, "rt", encoding="utf-8") as handle:
                    return handle.read().splitlines()
            return path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{path}: cannot read ({error})") from error

    def handle(self, *args, files, dry_run=False, **options):
        # Wagtail logs every page it creates: thousands of lines on a big
        # import. -v 2 shows them.
        quiet = options["verbosity"] < 2
        loggers = [logging.getLogger(name) for name in ("wagtail", "kb")]
        levels = [logger.level for logger in loggers]
        if quiet:
            for logger in loggers:
                logger.setLevel(logging.WARNING)
        try:
            self.import_files(files, dry_run)
        finally:
            for logger, level in zip(loggers, levels, strict=True):
                logger.setLevel(level)

    def import_files(self, files: list[Path], dry_run: bool) -> None:
        failed = 0
        for path in files:
            lines = self.read_lines(path)
            progress = None
            if self.stdout.isatty():
                total = len(lines)

                def progress(done, total=total, path=path):
                    self.stdout.write(f"\r{path.name}: {done}/{total}", ending="")
                    self.stdout.flush()

            report = import_article_lines(lines, dry_run=dry_run, progress=progress)
            if progress:
                self.stdout.write("")
            for problem in report.errors:
                self.stderr.write(f"{path}: {problem}")
            for warning in report.warnings:
                self.stdout.write(self.style.WARNING(f"{path}: {warning}"))
            verb = "would be " if dry_run else ""
            self.stdout.write(
                f"{path}: {report.created} {verb}created, {report.updated} "
                f"{verb}updated, {report.skipped} skipped in {report.seconds:.1f} s"
                + (f" ({report.per_second:.0f}/s)" if report.seconds else "")
            )
            failed += report.skipped
        if failed:
            raise CommandError(f"{failed} line(s) could not be imported")
