import time

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from search.conf import search_settings
from search.documents import LANGUAGES
from search.embedding import get_embedder
from search.vectors import (
    embed_documents,
    live_passages,
    prune_vectors,
    stale_documents,
    vector_databases,
)


class ProgressBar:
    """A text bar redrawn in place on a terminal; elsewhere (logs, pipes) one
    line per tenth done, so that the output stays readable."""

    width = 30

    def __init__(self, stdout: OutputWrapper, total: int) -> None:
        self.stdout = stdout
        self.total = total
        self.tty = stdout.isatty()
        self.tenths = 0

    def update(self, done: int) -> None:
        share = done / self.total if self.total else 1.0
        if self.tty:
            filled = int(self.width * share)
            bar = "#" * filled + "." * (self.width - filled)
            self.stdout.write(f"\r[{bar}] {share:4.0%} {done}/{self.total}", ending="")
            self.stdout.flush()
            return
        tenths = int(share * 10)
        if tenths > self.tenths:
            self.tenths = tenths
            self.stdout.write(f"{done}/{self.total} ({tenths * 10}%)")

    def close(self) -> None:
        if self.tty:
            self.stdout.write("")


class Command(BaseCommand):
    help = (
        "Embed the live indexed documents with SEARCH_EMBEDDER and store their "
        "vectors, then drop the vectors of documents no longer indexed. Vectors "
        "are otherwise kept current by the background task after each change; "
        "run this after changing the model, or with --missing to fill gaps."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--missing",
            action="store_true",
            help="Only documents without a vector made from their current text.",
        )
        parser.add_argument(
            "--language", choices=LANGUAGES, help="Only documents in this language."
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=None,
            help=f"Passages per model call (default SEARCH_EMBED_BATCH, "
            f"{search_settings.EMBED_BATCH}).",
        )

    def handle(self, *args, missing=False, language=None, batch=None, **options):
        embedder = get_embedder()
        if embedder is None:
            raise CommandError(
                "No embedder is configured: set SEARCH_EMBEDDER to the dotted path "
                "of a search.embedding.Embedder class (see the log for why a "
                "configured one could not be used)."
            )
        if batch is not None and batch < 1:
            raise CommandError("--batch must be at least 1.")
        embedded = 0
        started = time.monotonic()
        for using in vector_databases():
            if missing:
                passages = stale_documents(language, embedder, using=using)
            else:
                passages = live_passages(language, using=using)
            self.stdout.write(
                f"{len(passages)} documents to embed with {embedder.name}"
                + (f" in {using!r}" if using != "default" else "")
                + "."
            )
            bar = ProgressBar(self.stdout, len(passages))
            try:
                embedded += embed_documents(
                    passages,
                    embedder,
                    batch_size=batch,
                    using=using,
                    progress=bar.update,
                )
            except Exception as error:  # noqa: BLE001 - reported, batches kept
                bar.close()
                raise CommandError(
                    f"The embedder failed ({type(error).__name__}: {error}); the "
                    f"vectors stored before are kept, run again with --missing."
                ) from error
            bar.close()
            pruned = prune_vectors(using=using)
            if pruned:
                self.stdout.write(
                    f"{pruned} vectors of documents no longer indexed removed."
                )
        elapsed = time.monotonic() - started
        rate = embedded / elapsed if elapsed > 0 else 0.0
        self.stdout.write(
            self.style.SUCCESS(
                f"{embedded} documents embedded in {elapsed:.1f} s "
                f"({rate:.1f} per second)."
            )
        )
