"""Search latency at scale: p50/p95/p99 of /api/search/, /api/search/suggest/
and /api/deflection/suggest/ over a fixed query mix, after indexing N
generated article translations.

    .venv/bin/python bench/search_latency.py --articles 100000
    .venv/bin/python bench/search_latency.py --articles 100000 \\
        --database-url postgres://sportello@127.0.0.1:55440/h_searchperf

Articles (a third per language) are generated from word lists built at run
time: the vocabulary of the GNOME Help corpus in ../shared/corpus/gnome-help
when it is there (real Italian, Finnish and English word forms, drawn with
their own frequencies), otherwise words made of syllables; titles of 3–9
words, summaries of 10–25, bodies of 150–600 words, Zipf-distributed. They go
straight to ``search.services.rebuild_index`` (the knowledge base's importer
is measured by ``bench/import_speed.py``). Requests go through Django's test
client to the JSON API; while the API is not mounted they call the services
the API calls (same arguments), and the run says so. Then ``--descriptions``
problem descriptions (10–18 words, half of them with a product line) go to
``/api/deflection/suggest/`` as an anonymous visitor — the first step of "New
case", i.e. ``deflection.services.suggest_articles`` plus the news beside it —
with the API's rate limit lifted for the run.

The database is a fresh SQLite file in the temporary directory unless
``--database-url`` names one: use a throwaway database, the run migrates it
and replaces its search index. ``--skip-index`` reuses the index of an
earlier run with the same database (``--keep`` keeps the SQLite file).
"""

from __future__ import annotations

import argparse
import gc
import gzip
import html
import itertools
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("it", "fi", "en")
LINES = {
    "accounting": ["general-ledger", "vat", "financial-statements"],
    "payroll": ["payslips", "contributions", "attendance"],
    "warehouse": ["inventory", "shipping", "purchasing"],
}
SYLLABLES = {
    "it": "ca co ta to ri re na ne la lo mi ma sta pre con tra zio ne ti vo".split(),
    "fi": "ka ko ta to ri la lo mi ma ssa kse tu ly nen ja sa va pi hä ö".split(),
    "en": "ta ro in er ing tion con ex pre al li ent ar or st ment ly de".split(),
}
TARGETS = {"search": 50.0, "suggest": 20.0, "deflection": 50.0}
_WORD = re.compile(r"[^\W\d_]{2,}")
_TAG = re.compile(r"<[^>]+>")


# --- Generated corpus -------------------------------------------------------


class Vocabulary:
    """Words of one language with cumulative Zipf weights, most common first."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self.weights = list(
            itertools.accumulate(1 / (rank + 1) for rank in range(len(words)))
        )

    def text(self, rng: random.Random, length: int) -> str:
        return " ".join(rng.choices(self.words, cum_weights=self.weights, k=length))

    def middle(self) -> list[str]:
        """Words users type: neither the commonest nor the rarest."""
        return self.words[30 : max(60, len(self.words) // 3)]


def vocabularies(corpus: Path | None, size: int, rng: random.Random) -> dict:
    counts: dict[str, Counter[str]] = {lang: Counter() for lang in LANGUAGES}
    if corpus and (corpus / "articles.jsonl.gz").exists():
        with gzip.open(corpus / "articles.jsonl.gz", "rt", encoding="utf-8") as handle:
            for line in handle:
                article = json.loads(line)
                text = html.unescape(_TAG.sub(" ", article["body_html"]))
                counts[article["lang"]].update(
                    w.lower() for w in _WORD.findall(f"{article['title']} {text}")
                )
    result = {}
    for lang in LANGUAGES:
        words = [w for w, _n in counts[lang].most_common()]
        seen = set(words)
        # Pad with made-up words so that every language has a large vocabulary
        # (and a long tail of rare words, as real manuals do).
        while len(words) < size:
            word = "".join(
                rng.choice(SYLLABLES[lang]) for _ in range(rng.randint(2, 5))
            )
            if word not in seen:
                seen.add(word)
                words.append(word)
        result[lang] = Vocabulary(words)
    return result


def documents(count: int, rng: random.Random, vocab: dict):
    from search.documents import Document

    start = date(2018, 1, 1)
    for n in range(count):
        lang = LANGUAGES[n % 3]
        words = vocab[lang]
        line = rng.choice(list(LINES))
        paragraphs = [
            words.text(rng, rng.randint(25, 90)).capitalize() + "."
            for _ in range(rng.randint(3, 8))
        ]
        yield Document(
            key=f"bench-{n // 3}",
            lang=lang,
            title=words.text(rng, rng.randint(3, 9)).capitalize(),
            summary=words.text(rng, rng.randint(10, 25)).capitalize() + ".",
            body="\n\n".join(paragraphs),
            url=f"/{lang}/kb/bench-{n // 3}/",
            product_line=line,
            area=rng.choice(LINES[line]),
            doc_type=rng.choice(["guide", "faq", "reference", "technote"]),
            audience=rng.choice(["all", "all", "experienced", "expert"]),
            tags=rng.sample(words.words[50:400], k=rng.randint(0, 3)),
            published=start + timedelta(days=rng.randint(0, 2500)),
            visibility=rng.choice(["public", "public", "public", "customers"]),
            live=rng.random() > 0.01,
        )


# --- Query mix --------------------------------------------------------------


def query_mix(
    rng: random.Random, vocab: dict, count: int
) -> list[tuple[str, str, dict]]:
    """(kind, label, parameters) of the API requests, in a fixed order: mostly one to
    three words, some with filters, some long descriptions, some typos, some
    browsing by filter, and as many as-you-type suggestions."""
    requests = []
    for n in range(count):
        lang = rng.choice(LANGUAGES)
        words = vocab[lang]
        middle = words.middle()
        roll = n % 10
        if roll < 5:
            label = "words"
            params = {"q": " ".join(rng.sample(middle, k=rng.randint(1, 3)))}
        elif roll < 7:
            label = "words+filters"
            line = rng.choice(list(LINES))
            params = {
                "q": " ".join(rng.sample(middle, k=rng.randint(1, 2))),
                "product_line": line,
                "doc_type": rng.choice(["guide", "faq"]),
            }
        elif roll == 7:
            label = "description"
            params = {"q": words.text(rng, rng.randint(10, 18))}
        elif roll == 8:
            label = "typo"
            word = rng.choice([w for w in middle if len(w) > 5] or middle)
            cut = rng.randint(1, len(word) - 2)
            params = {"q": word[:cut] + word[cut + 1 :]}
        else:
            label = "browse"
            line = rng.choice(list(LINES))
            params = {"q": "", "product_line": line, "area": rng.choice(LINES[line])}
        params["lang"] = lang
        requests.append(("search", label, params))
        word = rng.choice(middle)
        typed = word[: rng.randint(3, max(3, len(word)))]
        if rng.random() < 0.3:
            typed = f"{rng.choice(middle)} {typed}"
        requests.append(("suggest", "suggest", {"q": typed, "lang": lang}))
    return requests


def description_mix(
    rng: random.Random, vocab: dict, count: int
) -> list[tuple[str, str, dict]]:
    """Problem descriptions for the deflection step: 10–18 words in one
    language, half of them about a product line."""
    requests = []
    for n in range(count):
        lang = rng.choice(LANGUAGES)
        params = {"q": vocab[lang].text(rng, rng.randint(10, 18)), "lang": lang}
        if n % 2:
            params["product_line"] = rng.choice(list(LINES))
        requests.append(("deflection", "deflection", params))
    return requests


# --- Requests ---------------------------------------------------------------


def api_problem() -> str | None:
    """Why the JSON API cannot be measured (None when it can): not mounted
    yet, or the project's URLconf does not load."""
    from django.test import Client

    from search import api_urls

    if not api_urls.urlpatterns:
        return "the API is not mounted yet"
    try:
        response = Client().get("/api/search/suggest/", {"q": "abc", "lang": "en"})
    except Exception as error:  # noqa: BLE001 - reported, then measured without
        return f"the URLconf does not load ({type(error).__name__}: {error})"
    if response.status_code != 200:
        return f"/api/search/suggest/ answered {response.status_code}"
    return None


def cpu_times() -> list[int] | None:
    """The machine's CPU time counters (Linux), to tell how busy it was."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            return [int(value) for value in handle.readline().split()[1:]]
    except (OSError, ValueError):
        return None


def cpu_report(before: list[int] | None, after: list[int] | None) -> str:
    """Load average, and the share of CPU time the virtual machine's host
    took for others ("steal") while the requests ran: timings vary with both."""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    if not before or not after or len(before) < 8:
        return f"load average {load}"
    spent = [b - a for a, b in zip(before, after, strict=False)]
    steal = spent[7] / max(1, sum(spent))
    return f"load average {load}; CPU steal during the requests {steal:.1%}"


def make_caller():
    """A function (kind, params) → None that sends one request, and how."""
    problem = api_problem()
    if problem is None:
        from django.test import Client

        client = Client()
        paths = {
            "search": "/api/search/",
            "suggest": "/api/search/suggest/",
            "deflection": "/api/deflection/suggest/",
        }

        def call(kind, params):
            response = client.get(paths[kind], params)
            if response.status_code != 200:
                raise SystemExit(
                    f"{paths[kind]} {params}: {response.status_code} "
                    f"{response.content[:200]!r}"
                )

        return call, (
            "Django test client → /api/search/, /api/search/suggest/ and "
            "/api/deflection/suggest/"
        )

    from search import services
    from search.documents import FACETS, SearchFilters, SearchQuery

    def call(kind, params):
        params = dict(params)
        text, lang = params.pop("q"), params.pop("lang")
        if kind == "deflection":
            from django.contrib.auth.models import AnonymousUser

            from deflection.services import build_suggestions

            build_suggestions(
                text,
                lang=lang,
                user=AnonymousUser(),
                product_line=params.get("product_line", ""),
            )
        elif kind == "suggest":
            services.suggest(text, lang)
        else:
            services.search_documents(
                SearchQuery(
                    text=text,
                    lang=lang,
                    filters=SearchFilters(**params),
                    facets=list(FACETS),
                )
            )

    return call, f"search.services, as the API calls them ({problem})"


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument(
        "--queries", type=int, default=300, help="searches, and as many suggestions"
    )
    parser.add_argument(
        "--descriptions",
        type=int,
        default=200,
        help="descriptions sent to /api/deflection/suggest/",
    )
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--corpus", type=Path, default=ROOT / "../shared/corpus/gnome-help"
    )
    parser.add_argument("--vocabulary", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, metavar="DB_FILE")
    parser.add_argument("--skip-index", action="store_true")
    args = parser.parse_args()

    temporary = None
    if args.database_url:
        database_url = args.database_url
    else:
        if args.keep:
            db_file = args.keep.resolve()
        else:
            temporary = tempfile.TemporaryDirectory(prefix="search-latency-")
            db_file = Path(temporary.name) / "latency.sqlite3"
        if not args.skip_index:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        database_url = f"sqlite:///{db_file}"
    if database_url.endswith("/db.sqlite3"):
        raise SystemExit("refusing to touch the development database")
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import logging

    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    from django.conf import settings

    # One client sends every request: lift the deflection API's rate limit.
    settings.DEFLECTION_RATE = (10**9, 60)
    from django.core.management import call_command
    from django.db import connection

    from search import services

    rng = random.Random(args.seed)
    vocab = vocabularies(args.corpus, args.vocabulary, rng)
    call_command("migrate", verbosity=0)
    # Locales, home pages and the product lines and areas the API validates.
    call_command(
        "load_demo",
        only=["portal.demo", "taxonomy.demo"],
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )
    print(f"database: {connection.vendor}; articles: {args.articles}")
    if not args.skip_index:
        started = time.perf_counter()
        report = services.rebuild_index(
            documents(args.articles, rng, vocab), batch_size=1000
        )
        print(
            f"generate + index: {report.counts} in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
    call, route = make_caller()
    requests = query_mix(random.Random(args.seed + 1), vocab, args.queries)
    requests += description_mix(random.Random(args.seed + 2), vocab, args.descriptions)
    for kind, _label, params in [*requests[:20], *requests[-5:]]:  # warm up
        call(kind, params)
    # As portal/wsgi.py does once the application is loaded: what is alive
    # now (the application, and this script's word lists) stays out of the
    # garbage collector's full passes.
    gc.collect()
    gc.freeze()
    timings: dict[str, list[float]] = {"search": [], "suggest": [], "deflection": []}
    by_label: dict[str, list[float]] = {}
    cpu_before = cpu_times()
    for kind, label, params in requests:
        started = time.perf_counter()
        call(kind, params)
        took = (time.perf_counter() - started) * 1000
        timings[kind].append(took)
        by_label.setdefault(label, []).append(took)
    print(f"requests through {route}")
    print(cpu_report(cpu_before, cpu_times()))
    ok = True
    for kind, values in timings.items():
        if not values:
            continue
        values.sort()
        p95 = percentile(values, 0.95)
        good = p95 <= TARGETS[kind]
        ok = ok and good
        print(
            f"{kind:<10} n={len(values):<4} p50={percentile(values, 0.5):6.1f} ms  "
            f"p95={p95:6.1f} ms  p99={percentile(values, 0.99):6.1f} ms  "
            f"max={values[-1]:6.1f} ms  (target p95 ≤ {TARGETS[kind]:.0f} ms"
            f"{'' if good else ', MISSED'})"
        )
    print(
        "by query kind: "
        + ", ".join(
            f"{label} p50 {percentile(sorted(v), 0.5):.1f} / p95 "
            f"{percentile(sorted(v), 0.95):.1f} ms"
            for label, v in by_label.items()
        )
    )
    if temporary:
        temporary.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
