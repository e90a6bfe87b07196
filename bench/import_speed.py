"""How fast does `import_articles` go? Generates N article translations, imports
them into a throwaway database and prints translations per second.

    .venv/bin/python bench/import_speed.py --count 10000

By default the database is a fresh SQLite file (/tmp/bench-import.db, deleted
first); pass --database-url to measure on PostgreSQL (use a throwaway database:
the run migrates it and loads the demo). Migrating and loading the demo are
not timed. Settings: portal.settings.dev unless DJANGO_SETTINGS_MODULE is set.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-import.db")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file")
    args = parser.parse_args()

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

    from django.core.management import call_command

    from kb.services import import_article_lines

    logging.getLogger("wagtail").setLevel(logging.WARNING)

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "bench.jsonl.gz"
        generate(data, args.count)
        lines = gzip.open(data, "rt", encoding="utf-8").read().splitlines()
        print(f"generated {len(lines)} translations")
        started = time.monotonic()
        call_command("migrate", verbosity=0)
        call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"migrate + load_demo: {time.monotonic() - started:.1f} s")

        report = import_article_lines(lines)
        print(
            f"first import: {report.created} created, {report.updated} updated, "
            f"{report.skipped} skipped in {report.seconds:.1f} s "
            f"= {report.per_second:.0f} translations/s"
        )
        again = import_article_lines(lines)
        print(
            f"re-import: {again.created} created, {again.updated} updated in "
            f"{again.seconds:.1f} s = {again.per_second:.0f} translations/s"
        )
    if args.database_url.startswith("sqlite:///") and not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    ok = report.per_second >= 100 and not report.errors
    print("OK" if ok else "SLOWER THAN 100 translations/s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
