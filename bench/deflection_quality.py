"""Deflection quality on a real help corpus: how often the relevant article is
among the five the first step of "New case" shows (hit@5), per language.

    .venv/bin/python bench/deflection_quality.py --corpus ../shared/corpus/gnome-help

The corpus's description queries (a sentence describing the problem, as a
customer would type it) go through ``deflection.services.suggest_articles`` —
the function behind the step and its JSON API — with the corpus's product
line and the query's language, as an anonymous visitor (public articles). The
corpus is imported with the knowledge base's importer into a throwaway SQLite
file (or ``--database-url``) and indexed as the search layer does it; the
helpers come from bench/search_quality.py. Target: hit@5 at least the plain
BM25 baseline's Recall@10 on the same queries, in every language.

``--kind`` picks the queries: ``description`` (GNOME Help's sentences),
``keyword`` (GIMP Help's index terms) or ``all``; ``--reuse DB_FILE`` skips the
import (a file kept by ``search_quality.py --keep``); ``--setting NAME=VALUE``
overrides a Django setting for the run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_quality import (  # noqa: E402 - after the path above
    LANGUAGES,
    apply_settings,
    baseline_rankings,
    import_corpus,
    index_corpus,
    read_jsonl,
    scores,
    setup_django,
)

CUTOFF = 5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, default=ROOT / "../shared/corpus/gnome-help"
    )
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--kind", default="description", help="query kind, or all")
    parser.add_argument("--misses", type=int, default=0, help="list missed queries")
    parser.add_argument("--reuse", type=Path, metavar="DB_FILE")
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()

    queries = [
        q
        for q in read_jsonl(args.corpus / "queries.jsonl.gz")
        if args.kind == "all" or q["kind"] == args.kind
    ]
    temporary = None
    database_url = args.database_url
    if args.reuse:
        database_url = f"sqlite:///{args.reuse.resolve()}"
    elif not database_url:
        temporary = tempfile.TemporaryDirectory(prefix="deflection-quality-")
        database_url = f"sqlite:///{Path(temporary.name) / 'quality.sqlite3'}"
    if database_url.endswith("/db.sqlite3"):
        raise SystemExit("refusing to touch the development database")
    setup_django(database_url)
    apply_settings(args.setting)
    if not args.reuse:
        import_corpus(args.corpus / "articles.jsonl.gz")
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    index_corpus()
    articles = read_jsonl(args.corpus / "articles.jsonl.gz")
    baseline = scores(queries, baseline_rankings(articles, queries))

    from deflection.services import suggest_articles
    from kb.models import ArticlePage

    line_of = {}
    for key, code in ArticlePage.objects.values_list(
        "import_key", "product_lines__code"
    ):
        line_of.setdefault(key, code or "")

    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    timings: list[float] = []
    misses: dict[str, list[str]] = defaultdict(list)
    for query in queries:
        relevant = set(query["relevant"])
        line = line_of.get(query["relevant"][0], "")
        started = time.perf_counter()
        shown = suggest_articles(
            query["query"], lang=query["lang"], product_line=line, limit=CUTOFF
        )
        timings.append((time.perf_counter() - started) * 1000)
        entry = hits[query["lang"]]
        entry[1] += 1
        if relevant & {article.key for article in shown}:
            entry[0] += 1
        else:
            misses[query["lang"]].append(query["query"])

    timings.sort()
    print(
        f"\n{len(queries)} {args.kind} queries through suggest_articles: "
        f"median {timings[len(timings) // 2]:.1f} ms, "
        f"p95 {timings[int(len(timings) * 0.95)]:.1f} ms"
    )
    print(f"{'lang':<5} {'n':>4} {'hit@5':>7} {'BM25 R@10':>10}")
    ok = True
    for lang in LANGUAGES:
        if lang not in hits:
            continue
        found, total = hits[lang]
        rate = found / total
        target = baseline[lang, "all"][1]
        ok = ok and rate >= target
        mark = "ok" if rate >= target else "BELOW TARGET"
        print(f"{lang:<5} {total:>4} {rate:>7.3f} {target:>10.3f}  {mark}")
        for text in misses[lang][: args.misses]:
            print(f"      missed: {text[:90]!r}")
    print("target: hit@5 at least the plain BM25 Recall@10 in every language")
    if temporary:
        temporary.cleanup()
    print("OK" if ok else "NOT THERE YET")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
