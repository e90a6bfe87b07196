"""Page benchmark: req/s, p50 and p95 of the portal's pages served as in
production, at 1 and at 8 clients, beside a bare Django "hello", with the SQL
statements each page runs.

    .venv/bin/python bench/pages.py --seconds 10 --clients 1,8
    .venv/bin/python bench/pages.py --keep /tmp/pages-bench      # seed, keep
    .venv/bin/python bench/pages.py --reuse /tmp/pages-bench     # skip seeding

Seeding (skipped by ``--reuse DIR``): a throwaway database (a SQLite file in
the work directory, or ``--database-url``: use an empty database, the run
migrates it and fills it) is migrated, the demo is loaded (``load_demo``,
under ``portal.settings.dev``), the corpus articles (``--corpus``, repeatable;
GIMP Help by default) are imported with the knowledge base's importer and
indexed with the real model as ``bench/search_quality.py`` does, and
``--cases`` cases (10,000) are bulk-created for the demo customer's company
(Microbit Srl, login 024200), numbered, assigned and with their history and
messages, plus an API token for its installation.

Serving: ``make serve``'s way — ``portal.settings.production`` (through a
settings module written into the work directory that also lifts the
per-user and per-token case and API rate limits, which a benchmark exceeds
within seconds, and collects static files there), ``SECURE_SSL_REDIRECT``
false, the database cache table created, ``manage.py db_worker`` beside
gunicorn with 2 sync workers on a free 127.0.0.1 port. A bare Django "hello"
(one view, no middleware, written into the work directory) runs under
gunicorn with 2 workers too, as the reference.

Load: the cache is emptied first (the database cache table outlives a run
with ``--reuse``), then every page is warmed up at 2 clients for
``--warmup`` seconds. Python threads with ``http.client``, one new
connection per request
(gunicorn's sync workers close every connection anyway). Customer pages use
sessions logged in through the real login form (CSRF included), one per
client. Pages are interleaved: every client runs one page for a short slice
(``--slice``), then all move to the next page, round after round, so that
the noise of a busy machine spreads over every page alike. The case form is
the customer's real flow — the describe step, "I still need help", the
form, and the form sent with a 200 KB ``SISERR.LOG`` in its "Error log"
field — and each step is a line of its own. Every response's status is
checked; errors are counted and printed, and a run with errors says so.
Articles rotate through ``--articles`` of the corpus's pages (60), search
queries through 200 of its queries, case views through 300 of the cases.
req/s is clients ÷ mean response time (the rate of a client that costs
nothing between requests, as wrk's), p50/p95 are the response times.

Statements: each page requested twice in-process (Django's test client,
the same settings and database) and the statements of the second request
counted with ``CaptureQueriesContext``; for the pages that rotate (articles,
searches, case views) over their first 10 items, printed as the median and
the range. ``--statements-only`` prints those and serves nothing. The
django-helpdesk column is the figures of issue 16's run, printed for
reference: it is not measured here.

Linux only. Nothing outside the work directory is written; the servers are
stopped at the end.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import http.cookies
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "gimp-help"
PASSWORD = "sportello-demo"  # noqa: S105 - the documented demo password
CUSTOMER = "024200"
LOG_SIZE = 200 * 1024
META = "bench.json"
#: Rotating pages' statements are counted for this many of their items.
STATEMENT_SAMPLE = 10

#: Issue 16's run (django-helpdesk 2.6.1, gunicorn 2 sync workers, SQLite,
#: wrk at 1 client): req/s and p50 ms. Not measured here.
HELPDESK_ISSUE_16 = {
    "article": (1.0, 715),
    "kb_index": (57.6, 17),
    "search": (72.0, 13),
    "case_view": (23.5, 33),
    "case_list": (16.9, 54),
    "case_submit": (14.4, 68),
}
#: Issue 16's run, Sportello then: req/s, p50 ms, statements.
SPORTELLO_ISSUE_16 = {
    "article": (7.1, 108, 26),
    "kb_index": (3.5, 246, 27),
    "search": (18.4, 51, 7),
    "api_search": (32.6, 26, 6),
    "case_view": (21.5, 44, 11),
    "case_list": (20.3, 48, 7),
    "case_submit": (3.5, 216, 52),
    "api_submit": (20.5, 47, None),
}

DESCRIPTIONS = [
    "Errore SIS-1042 archivio bloccato durante la stampa del registro IVA",
    "La stampa del registro IVA acquisti si interrompe con protocollo duplicato",
    "Giacenze negative in inventario dopo l'aggiornamento di magazzino",
    "The VAT register printout stops with a duplicate protocol error",
    "Inventory shows negative stock after the warehouse update",
    "Il programma si chiude quando apro le fatture elettroniche ricevute",
]


# --- Work directory and settings ----------------------------------------------


def write_support_files(workdir: Path, search_cache: bool = True) -> None:
    """The serving settings module and the bare "hello" app, written anew on
    every run (they name the work directory). ``search_cache`` False: every
    search computed (the search rows repeat their queries, which the kept
    answers of ``search.resultcache`` otherwise serve from the cache)."""
    (workdir / "bench_settings.py").write_text(
        '"""Written by bench/pages.py: production settings, plus what a\n'
        'benchmark needs."""\n\n'
        "from pathlib import Path\n\n"
        "from portal.settings.production import *  # noqa: F403\n\n"
        f"STATIC_ROOT = Path({str(workdir / 'static')!r})\n"
        "# One customer submits hundreds of cases a minute here, and one address\n"
        "# sends every search: lift the limits.\n"
        "CASES_CREATE_RATE = (10**9, 3600)\n"
        "CASES_API_RATE = (10**9, 300)\n"
        "SEARCH_RATE = (10**9, 60)\n"
        "SEARCH_SUGGEST_RATE = (10**9, 60)\n"
        "DEFLECTION_RATE = (10**9, 60)\n"
        "DEFLECTION_ADDRESS_RATE = (10**9, 60)\n"
        + ("" if search_cache else "SEARCH_RESULT_CACHE_SECONDS = 0\n")
    )
    (workdir / "hello_app.py").write_text(
        '"""Written by bench/pages.py: a bare Django "hello", the reference."""\n\n'
        "import os\n\n"
        "from django.conf import settings\n"
        "from django.core.wsgi import get_wsgi_application\n"
        "from django.http import HttpResponse\n"
        "from django.urls import path\n\n"
        "settings.configure(\n"
        "    DEBUG=False,\n"
        '    SECRET_KEY=os.environ["SECRET_KEY"],\n'
        '    ALLOWED_HOSTS=["127.0.0.1", "localhost"],\n'
        "    ROOT_URLCONF=__name__,\n"
        "    MIDDLEWARE=[],\n"
        ")\n\n\n"
        "def hello(request):\n"
        '    return HttpResponse("hello")\n\n\n'
        'urlpatterns = [path("", hello)]\n'
        "application = get_wsgi_application()\n"
    )


def environment(workdir: Path, database_url: str, settings: str) -> dict:
    env = dict(os.environ)
    for name in ("EMAIL_HOST", "CACHE_URL", "ELASTICSEARCH_URL"):
        env.pop(name, None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": settings,
            "DATABASE_URL": database_url,
            "SECRET_KEY": secret_key(workdir),
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SECURE_SSL_REDIRECT": "false",
            "MEDIA_ROOT": str(workdir / "media"),
            "PRIVATE_STORAGE_ROOT": str(workdir / "private"),
            "PYTHONPATH": os.pathsep.join([str(workdir), str(ROOT)]),
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def secret_key(workdir: Path) -> str:
    path = workdir / "secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


def run_phase(phase: str, workdir: Path, env: dict, extra: list[str]) -> None:
    """Run a phase of this script in a child process (its own Django setup)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--phase", phase]
    command += ["--reuse", str(workdir), *extra]
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603
    if result.returncode:
        raise SystemExit(f"the {phase} phase failed ({result.returncode})")


# --- Seeding (child process, portal.settings.dev) -------------------------------


def seed(workdir: Path, corpora: list[Path], cases: int) -> None:
    import io

    import django

    django.setup()
    import logging

    for name in ("wagtail", "kb", "search", "cases", "django.request"):
        logging.getLogger(name).setLevel(logging.ERROR)
    from django.core.management import call_command

    from kb.services import import_article_lines

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_demo", stdout=io.StringIO())
    print(f"seed: migrated, demo loaded ({time.monotonic() - started:.0f} s)")
    for corpus in corpora:
        started = time.monotonic()
        with gzip.open(corpus / "articles.jsonl.gz", "rt", encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        report = import_article_lines(lines)
        if report.errors:
            raise SystemExit(f"import failed: {report.errors[:3]}")
        print(
            f"seed: {corpus.name}: {report.created} articles imported "
            f"({time.monotonic() - started:.0f} s)"
        )
    sys.path.insert(0, str(ROOT / "bench"))
    from search_quality import index_corpus

    index_corpus()
    started = time.monotonic()
    numbers = bulk_create_cases(cases)
    print(f"seed: {len(numbers)} cases created ({time.monotonic() - started:.0f} s)")
    write_meta(workdir, corpora, numbers)


def bulk_create_cases(count: int, seed_value: int = 16) -> list[str]:
    """``count`` cases of the demo customer's company over the last two years,
    created in bulk: numbered per year after what the year's counter holds,
    assigned to the reference partner, with the history and messages their
    status implies (older cases mostly closed, the last fortnight's open)."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from cases.forms import product_lines_for
    from cases.models import (
        AssignmentReason,
        Case,
        CaseCounter,
        CaseEvent,
        CaseMessage,
        EventKind,
        Role,
        SlaPolicy,
        Status,
        Urgency,
    )
    from taxonomy.models import Area

    rng = random.Random(seed_value)
    user = User.objects.select_related("customer").get(username=CUSTOMER)
    customer = user.customer
    partner = customer.reference_partner
    partner_user = User.objects.filter(partner=partner).order_by("pk").first()
    partner_name = partner_user.get_full_name() if partner_user else partner.name
    reporter_name = user.get_full_name() or user.username
    areas = list(
        Area.objects.active()
        .filter(product_line__in=product_lines_for(customer))
        .select_related("product_line")
    )
    sla = dict(SlaPolicy.objects.values_list("urgency", "hours"))
    urgencies = [Urgency.LOW, Urgency.NORMAL, Urgency.NORMAL, Urgency.HIGH]
    urgencies.append(Urgency.BLOCKING)
    now = timezone.now()
    span = timedelta(days=730).total_seconds()
    moments = sorted(
        now - timedelta(seconds=rng.uniform(3600, span)) for _ in range(count)
    )
    last = dict(CaseCounter.objects.values_list("year", "last"))
    numbers: list[str] = []
    with transaction.atomic():
        built = []
        for created in moments:
            year = timezone.localdate(created).year
            last[year] = last.get(year, 0) + 1
            number = f"{year}-{last[year]:06d}"
            numbers.append(number)
            area = rng.choice(areas)
            urgency = rng.choice(urgencies)
            age = (now - created).days
            if age > 60:
                status = Status.CLOSED if rng.random() < 0.85 else Status.RESOLVED
            elif age > 14:
                status = rng.choice(
                    [Status.RESOLVED] * 5 + [Status.CLOSED] * 3 + [Status.IN_PROGRESS]
                )
            else:
                status = rng.choice(
                    [
                        Status.NEW,
                        Status.ASSIGNED,
                        Status.ASSIGNED,
                        Status.IN_PROGRESS,
                        Status.IN_PROGRESS,
                        Status.WAITING_CUSTOMER,
                    ]
                )
            resolved = created + timedelta(hours=rng.uniform(2, 96))
            closed = resolved + timedelta(days=rng.uniform(1, 10))
            built.append(
                Case(
                    number=number,
                    customer=customer,
                    reporter=user,
                    notify_email=user.email,
                    auto_notify=True,
                    dealer=partner,
                    assigned_partner=None if status == Status.NEW else partner,
                    product_line=area.product_line,
                    area=area,
                    urgency=urgency,
                    subject=f"{rng.choice(DESCRIPTIONS)} ({number})"[:200],
                    request=" ".join(rng.sample(DESCRIPTIONS, 3)),
                    status=status,
                    language="it",
                    created_at=created,
                    due_at=created + timedelta(hours=sla.get(urgency, 48)),
                    resolved_at=resolved
                    if status in (Status.RESOLVED, Status.CLOSED)
                    else None,
                    closed_at=closed if status == Status.CLOSED else None,
                )
            )
        saved = Case.objects.bulk_create(built, batch_size=500)
        events, messages = [], []
        for case in saved:
            at = case.created_at
            events.append(
                CaseEvent(
                    case=case,
                    actor=user,
                    actor_name=reporter_name,
                    kind=EventKind.CREATED,
                    to_value=Status.NEW,
                    created_at=at,
                )
            )
            if case.status == Status.NEW:
                continue
            events.append(
                CaseEvent(
                    case=case,
                    kind=EventKind.ASSIGNED,
                    to_value=partner.name,
                    comment=AssignmentReason.REFERENCE_PARTNER,
                    created_at=at,
                )
            )
            path = [Status.NEW, Status.ASSIGNED]
            if case.status != Status.ASSIGNED:
                path.append(Status.IN_PROGRESS)
            if case.status == Status.WAITING_CUSTOMER:
                path.append(Status.WAITING_CUSTOMER)
            if case.status in (Status.RESOLVED, Status.CLOSED):
                path.append(Status.RESOLVED)
            if case.status == Status.CLOSED:
                path.append(Status.CLOSED)
            for step, (before, after) in enumerate(zip(path, path[1:], strict=False)):
                moment = at + timedelta(minutes=30 * step)
                if after == Status.RESOLVED:
                    moment = case.resolved_at
                elif after == Status.CLOSED:
                    moment = case.closed_at
                events.append(
                    CaseEvent(
                        case=case,
                        actor=partner_user if step else None,
                        actor_name=partner_name if step else "",
                        kind=EventKind.STATUS,
                        from_value=before,
                        to_value=after,
                        created_at=moment,
                    )
                )
                if after in (Status.IN_PROGRESS, Status.WAITING_CUSTOMER):
                    messages.append(
                        CaseMessage(
                            case=case,
                            author=partner_user,
                            author_name=partner_name,
                            role=Role.PARTNER,
                            body="Stiamo verificando: ci può inviare il "
                            "diagnostico completo e il SISERR.LOG?",
                            created_at=moment,
                        )
                    )
                if after == Status.RESOLVED:
                    messages.append(
                        CaseMessage(
                            case=case,
                            author=user,
                            author_name=reporter_name,
                            role=Role.CUSTOMER,
                            body="Confermo, ora funziona. Grazie!",
                            created_at=moment,
                        )
                    )
        CaseEvent.objects.bulk_create(events, batch_size=1000)
        CaseMessage.objects.bulk_create(messages, batch_size=1000)
        for year, value in last.items():
            CaseCounter.objects.update_or_create(year=year, defaults={"last": value})
    return numbers


def write_meta(workdir: Path, corpora: list[Path], numbers: list[str]) -> None:
    """What the load generator needs, chosen once: article URLs, a listing's
    filters, search queries, case numbers, the case form's values, the API
    token (its raw value is shown once: kept here)."""
    from django.db.models import Count
    from search_quality import read_jsonl

    from accounts.models import User
    from cases.tokens import issue_api_token
    from kb.models import ArticlePage, KnowledgeBaseIndexPage, NewsIndexPage
    from kb.services.pages import localized_index_url
    from taxonomy.models import Area

    rng = random.Random(16)
    articles = list(
        ArticlePage.objects.live()
        .public()
        .filter(import_key__in=list(corpus_keys(corpora)))
        .order_by("pk")
    )
    rng.shuffle(articles)
    listing = (
        ArticlePage.objects.live()
        .public()
        .filter(locale__language_code="en", area__isnull=False)
        .values("area__code", "area__product_line__code")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    queries = []
    for corpus in corpora:
        queries += read_jsonl(corpus / "queries.jsonl.gz")
    queries = rng.sample(queries, min(200, len(queries)))
    user = User.objects.select_related("customer").get(username=CUSTOMER)
    area = Area.objects.get(product_line__code="accounting", code="vat")
    _token, raw = issue_api_token(user.customer, name="bench/pages.py")
    meta = {
        "articles": [page.url for page in articles],
        "kb_index": localized_index_url(KnowledgeBaseIndexPage, "en"),
        "news": localized_index_url(NewsIndexPage, "en"),
        "listing": {
            "product_line": listing["area__product_line__code"],
            "area": listing["area__code"],
        },
        "queries": [{"q": q["query"], "lang": q["lang"]} for q in queries],
        "cases": rng.sample(numbers, min(300, len(numbers))),
        "case_count": len(numbers),
        "form": {
            "product_line": "accounting",
            "area_code": area.code,
            "area": area.pk,
            "notify_email": user.email,
            "dealer": user.customer.reference_partner_id,
        },
        "api_token": raw,
        "article_count": len(articles),
    }
    (workdir / META).write_text(json.dumps(meta, indent=1))


def corpus_keys(corpora: list[Path]) -> set[str]:
    from search_quality import read_jsonl

    return {a["key"] for c in corpora for a in read_jsonl(c / "articles.jsonl.gz")}


# --- What is requested -----------------------------------------------------------


def error_log_bytes() -> bytes:
    """A 200 KB ``SISERR.LOG`` as the demo product writes it."""
    lines = []
    size = 0
    n = 0
    while size < LOG_SIZE:
        stamp = f"2026-03-02 {8 + n // 3600 % 10:02d}:{n // 60 % 60:02d}:{n % 60:02d}"
        if n % 25 == 0:
            line = f"{stamp} ERROR SIS-1042 Archivio bloccato da un altro utente"
        elif n % 40 == 0:
            line = f"{stamp} WARN SIS-2210 Protocollo duplicato nel registro IVA"
        else:
            line = f"{stamp} INFO elaborazione documento {n:06d} completata"
        line += "\r\n"
        lines.append(line)
        size += len(line)
        n += 1
    return "".join(lines).encode()[:LOG_SIZE]


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    """``files``: field name → (file name, bytes)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
        f"\r\n\r\n{value}\r\n".encode()
        for name, value in fields.items()
    ]
    for name, (file_name, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{file_name}"\r\nContent-Type: text/plain\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_UPLOAD_TOKEN = re.compile(r'name="upload_token" value="([^"]*)"')


@dataclass
class Response:
    status: int
    body: bytes
    location: str


class Session:
    """A client: one new connection per request, its cookies, nothing else."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body=None, headers=None) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        all_headers = {"Host": f"127.0.0.1:{self.port}", "Connection": "close"}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(
                f"{k}={v}" for k, v in self.cookies.items()
            )
        all_headers.update(headers or {})
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in http.cookies.SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[key] = morsel.value
                else:
                    self.cookies.pop(key, None)
        return Response(response.status, data, response.headers.get("Location", ""))

    def post_form(self, path: str, fields: dict, files: dict | None = None):
        if files:
            body, content_type = multipart(fields, files)
        else:
            body = urllib.parse.urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        return self.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": content_type,
                "Referer": f"http://127.0.0.1:{self.port}{path}",
            },
        )

    def login(self) -> None:
        page = self.request("GET", "/en/accounts/login/")
        token = csrf_token(page.body)
        response = self.post_form(
            "/en/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": CUSTOMER, "password": PASSWORD},
        )
        if response.status != 302:
            raise SystemExit(f"login failed: {response.status}")


def csrf_token(body: bytes) -> str:
    match = _CSRF.search(body.decode(errors="replace"))
    if not match:
        raise RuntimeError("no CSRF token in the page")
    return match.group(1)


class Rotation:
    """Shared counters, so that clients take turns through the same lists."""

    def __init__(self):
        self._lock = threading.Lock()
        self._next: Counter = Counter()

    def pick(self, name: str, items: list):
        with self._lock:
            n = self._next[name]
            self._next[name] += 1
        return items[n % len(items)]


@dataclass
class Page:
    """A line of the report: what one step requests and what it must answer."""

    key: str
    label: str
    expected: int
    port: str = "portal"  # or "hello"
    customer: bool = False


PAGES = [
    Page("article", "article (rotating; anonymous)", 200),
    Page("kb_index", "knowledge-base index", 200),
    Page("listing", "KB listing (product line + area)", 200),
    Page("news", "news digest (Rassegna Info)", 200),
    Page("search", "search page (corpus queries)", 200),
    Page("api_search", "/api/search/ (corpus queries)", 200),
    Page("case_view", "customer's case view (rotating)", 200, customer=True),
    Page("case_list", "customer's case list", 200, customer=True),
    Page("describe", "new case: describe step", 200, customer=True),
    Page("describe_continue", "new case: “I still need help”", 302, customer=True),
    Page("case_form", "new case: the form", 200, customer=True),
    Page("case_submit", "case form submit, 200 KB log", 302, customer=True),
    Page("api_submit", "API case submit, 200 KB log", 201),
    Page("hello", "bare Django “hello” (reference)", 200, port="hello"),
]
PAGE_BY_KEY = {page.key: page for page in PAGES}
#: What runs in one slice: a page, or the steps of the case form flow.
GROUPS = [
    ["article"],
    ["kb_index"],
    ["listing"],
    ["news"],
    ["search"],
    ["api_search"],
    ["case_view"],
    ["case_list"],
    ["describe", "describe_continue", "case_form", "case_submit"],
    ["api_submit"],
    ["hello"],
]


def search_path(query: dict) -> str:
    return f"/{query['lang']}/search/?" + urllib.parse.urlencode({"q": query["q"]})


def api_search_path(query: dict) -> str:
    return "/api/search/?" + urllib.parse.urlencode(
        {"q": query["q"], "lang": query["lang"]}
    )


def listing_path(meta: dict) -> str:
    return meta["kb_index"] + "?" + urllib.parse.urlencode(meta["listing"])


def case_form_fields(meta: dict, description: str, html: bytes) -> dict:
    text = html.decode(errors="replace")
    token = _UPLOAD_TOKEN.search(text)
    form = meta["form"]
    return {
        "csrfmiddlewaretoken": csrf_token(html),
        "notify_email": form["notify_email"],
        "notify_mobile": "",
        "auto_notify": "on",
        "dealer": str(form["dealer"] or ""),
        "product_line": form["product_line"],
        "area": str(form["area"]),
        "urgency": "normal",
        "subject": description[:80],
        "request": description,
        "upload_token": token.group(1) if token else "",
    }


def api_case_fields(meta: dict, description: str) -> dict:
    form = meta["form"]
    return {
        "product_line": form["product_line"],
        "area": form["area_code"],
        "urgency": "normal",
        "subject": description[:80],
        "request": description,
        "notify_email": form["notify_email"],
    }


# --- The load generator ----------------------------------------------------------


@dataclass
class Results:
    latencies: dict = field(default_factory=lambda: defaultdict(list))
    errors: dict = field(default_factory=lambda: defaultdict(Counter))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, clients: int, key: str, seconds: float, problem: str = ""):
        with self.lock:
            if problem:
                self.errors[clients, key][problem] += 1
            else:
                self.latencies[clients, key].append(seconds * 1000)


class Client:
    """One simulated user: an anonymous session for public pages, a logged-in
    one for the customer's, the API token for the API."""

    def __init__(self, ports: dict, meta: dict, rotation: Rotation, log: bytes):
        self.ports = ports
        self.meta = meta
        self.rotation = rotation
        self.log = log
        self.customer = Session(ports["portal"])
        self.customer.login()

    def timed(self, results, clients, key, call) -> Response | None:
        page = PAGE_BY_KEY[key]
        started = time.perf_counter()
        try:
            response = call()
        except (OSError, http.client.HTTPException, RuntimeError) as error:
            results.record(clients, key, 0, f"{type(error).__name__}: {error}")
            return None
        elapsed = time.perf_counter() - started
        if response.status != page.expected:
            results.record(clients, key, 0, f"HTTP {response.status}")
            return None
        results.record(clients, key, elapsed)
        return response

    def run_group(self, group: list[str], results: Results, clients: int) -> None:
        meta, pick = self.meta, self.rotation.pick
        anonymous = Session(self.ports["portal"])
        first = group[0]
        if first == "article":
            path = pick("article", meta["articles"])
            self.timed(results, clients, first, lambda: anonymous.request("GET", path))
        elif first in ("kb_index", "news"):
            path = meta[first]
            self.timed(results, clients, first, lambda: anonymous.request("GET", path))
        elif first == "listing":
            path = listing_path(meta)
            self.timed(results, clients, first, lambda: anonymous.request("GET", path))
        elif first == "search":
            path = search_path(pick("search", meta["queries"]))
            self.timed(results, clients, first, lambda: anonymous.request("GET", path))
        elif first == "api_search":
            path = api_search_path(pick("api_search", meta["queries"]))
            self.timed(results, clients, first, lambda: anonymous.request("GET", path))
        elif first == "case_view":
            path = f"/en/cases/{pick('case', meta['cases'])}/"
            self.timed(
                results, clients, first, lambda: self.customer.request("GET", path)
            )
        elif first == "case_list":
            self.timed(
                results,
                clients,
                first,
                lambda: self.customer.request("GET", "/en/cases/"),
            )
        elif first == "describe":
            self.case_flow(results, clients)
        elif first == "api_submit":
            description = pick("description", DESCRIPTIONS)
            body, content_type = multipart(
                api_case_fields(meta, description),
                {"error_log": ("SISERR.LOG", self.log)},
            )
            headers = {
                "Content-Type": content_type,
                "Authorization": f"Bearer {meta['api_token']}",
            }
            self.timed(
                results,
                clients,
                first,
                lambda: anonymous.request("POST", "/api/cases/", body, headers),
            )
        elif first == "hello":
            hello = Session(self.ports["hello"])
            self.timed(results, clients, first, lambda: hello.request("GET", "/"))

    def case_flow(self, results: Results, clients: int) -> None:
        """The customer's "New case": the describe step, "I still need help",
        the form prefilled from the step, the form sent with the log."""
        session = self.customer
        description = self.rotation.pick("description", DESCRIPTIONS)
        describe = "/en/cases/new/describe/"
        page = self.timed(
            results, clients, "describe", lambda: session.request("GET", describe)
        )
        if page is None:
            return
        fields = {
            "csrfmiddlewaretoken": csrf_token(page.body),
            "product_line": self.meta["form"]["product_line"],
            "description": description,
            "area": "",
            "action": "continue",
        }
        step = self.timed(
            results,
            clients,
            "describe_continue",
            lambda: session.post_form(describe, fields),
        )
        if step is None:
            return
        form = self.timed(
            results,
            clients,
            "case_form",
            lambda: session.request("GET", "/en/cases/new/"),
        )
        if form is None:
            return
        fields = case_form_fields(self.meta, description, form.body)
        self.timed(
            results,
            clients,
            "case_submit",
            lambda: session.post_form(
                "/en/cases/new/", fields, {"error_log": ("SISERR.LOG", self.log)}
            ),
        )


def run_load(
    ports: dict,
    meta: dict,
    clients: int,
    seconds: float,
    slice_seconds: float,
    results: Results,
    record_as: int | None,
) -> None:
    """All clients run one group for a slice, then the next group, round after
    round until each group had ``seconds``. ``record_as`` None: warm-up."""
    rotation = Rotation()
    log = error_log_bytes()
    workers = [Client(ports, meta, rotation, log) for _ in range(clients)]
    sink = Results() if record_as is None else results
    label = clients if record_as is None else record_as
    rounds = max(1, round(seconds / slice_seconds))
    state = {"group": None, "deadline": 0.0}
    start = threading.Barrier(clients + 1)
    end = threading.Barrier(clients + 1)

    def work(client: Client) -> None:
        while True:
            start.wait()
            group = state["group"]
            if group is None:
                return
            while time.perf_counter() < state["deadline"]:
                try:
                    client.run_group(group, sink, label)
                except Exception as error:  # noqa: BLE001 - counted, the run goes on
                    sink.record(label, group[-1], 0, f"{type(error).__name__}: {error}")
            end.wait()

    threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    for _round in range(rounds):
        for group in GROUPS:
            state["group"] = group
            # The case form flow is four requests: give it as many slices'
            # worth of time for its submissions to be counted as often.
            length = slice_seconds * (2 if len(group) > 1 else 1)
            state["deadline"] = time.perf_counter() + length
            start.wait()
            end.wait()
    state["group"] = None
    start.wait()
    for thread in threads:
        thread.join()


# --- Servers -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, path: str, process: subprocess.Popen, seconds=120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server on port {port} exited ({process.returncode})")
        try:
            status = Session(port).request("GET", path).status
        except OSError:
            time.sleep(0.3)
            continue
        if status == 200:
            return
        raise SystemExit(f"the server on port {port} answered {status} for {path}")
    raise SystemExit(f"the server on port {port} did not start")


def prepare_serving(env: dict) -> None:
    """What ``make serve`` does before serving."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (
        ["migrate", "--noinput", "--verbosity", "0"],
        ["collectstatic", "--noinput", "--verbosity", "0"],
        ["createcachetable", "--verbosity", "0"],
    ):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True)  # noqa: S603


def start_servers(workdir: Path, env: dict, workers: int) -> tuple[dict, list]:
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)
    manage = [sys.executable, str(ROOT / "manage.py")]
    ports = {"portal": free_port(), "hello": free_port()}
    processes = []

    def start(command: list[str], name: str, cwd: Path) -> subprocess.Popen:
        handle = (logs / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603
            command, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT
        )
        processes.append(process)
        return process

    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", str(workers)]
    portal = start(
        [*gunicorn, "--bind", f"127.0.0.1:{ports['portal']}", "portal.wsgi"],
        "portal",
        ROOT,
    )
    start([*manage, "db_worker"], "db_worker", ROOT)
    hello = start(
        [*gunicorn, "--bind", f"127.0.0.1:{ports['hello']}", "hello_app"],
        "hello",
        workdir,
    )
    wait_for(ports["portal"], "/en/", portal)
    wait_for(ports["hello"], "/", hello)
    return ports, processes


def stop_servers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- Statements (child process, the serving settings) -------------------------------


def count_statements(workdir: Path) -> None:
    """Each page twice through Django's test client; the statements of the
    second request (warm: what a running process keeps is there)."""
    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    from django.core.cache import cache
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from accounts.models import User

    setup_test_environment()
    # Every run starts from an empty cache (the database cache table outlives
    # a run with --reuse): pages cached by an earlier run would be hits.
    cache.clear()
    meta = json.loads((workdir / META).read_text())
    log = error_log_bytes()
    anonymous = TestClient()
    customer = TestClient()
    customer.force_login(User.objects.get(username=CUSTOMER))
    description = DESCRIPTIONS[0]

    def flow(upto: str):
        """The case form flow up to the step ``upto``, which is returned as a
        callable that makes that request."""
        describe = "/en/cases/new/describe/"
        steps = {
            "describe": lambda: customer.get(describe),
            "describe_continue": lambda: customer.post(
                describe,
                {
                    "product_line": meta["form"]["product_line"],
                    "description": description,
                    "action": "continue",
                },
            ),
            "case_form": lambda: customer.get("/en/cases/new/"),
        }
        for key, step in steps.items():
            if key == upto:
                return step
            step()
        page = customer.get("/en/cases/new/")
        fields = case_form_fields(meta, description, page.content)
        fields.pop("csrfmiddlewaretoken")
        return lambda: customer.post(
            "/en/cases/new/",
            {**fields, "error_log": SimpleUploadedFile("SISERR.LOG", log)},
        )

    def api_submit():
        return anonymous.post(
            "/api/cases/",
            {
                **api_case_fields(meta, description),
                "error_log": SimpleUploadedFile("SISERR.LOG", log),
            },
            HTTP_AUTHORIZATION=f"Bearer {meta['api_token']}",
        )

    def get(client, path: str):
        return lambda: client.get(path)

    # Pages that rotate through items: counted for the first STATEMENT_SAMPLE
    # of them (an article's statements grow with its links, a search's with
    # the languages it falls back to).
    sample = slice(0, STATEMENT_SAMPLE)
    requests = {
        "article": [get(anonymous, url) for url in meta["articles"][sample]],
        "kb_index": [get(anonymous, meta["kb_index"])],
        "listing": [get(anonymous, listing_path(meta))],
        "news": [get(anonymous, meta["news"])],
        "search": [get(anonymous, search_path(q)) for q in meta["queries"][sample]],
        "api_search": [
            get(anonymous, api_search_path(q)) for q in meta["queries"][sample]
        ],
        "case_view": [
            get(customer, f"/en/cases/{number}/") for number in meta["cases"][sample]
        ],
        "case_list": [get(customer, "/en/cases/")],
        "api_submit": [api_submit],
    }
    counts = {}
    for page in PAGES:
        if page.port != "portal":
            continue
        counted, cached = [], []
        for call in requests.get(page.key) or [None]:
            for _attempt in range(2):
                request = call or flow(page.key)
                with CaptureQueriesContext(connection) as captured:
                    response = request()
                if response.status_code != page.expected:
                    raise SystemExit(
                        f"{page.key}: {response.status_code}, not {page.expected}"
                    )
            counted.append(len(captured.captured_queries))
            # Whether the second request was answered from a page cache (its
            # middleware says so in this header), if there is one.
            cached.append(response.headers.get("X-Page-Cache", "") == "hit")
        counts[page.key] = {"statements": counted, "cache_hits": sum(cached)}
    (workdir / "statements.json").write_text(json.dumps(counts))


# --- Report ------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(results: Results, clients: int, key: str) -> dict | None:
    values = results.latencies.get((clients, key))
    if not values:
        return None
    return {
        "n": len(values),
        "rate": clients * 1000 / statistics.fmean(values),
        "p50": percentile(values, 0.5),
        "p95": percentile(values, 0.95),
    }


def print_report(
    results: Results, client_counts: list[int], statements: dict, workers: int
) -> bool:
    low, high = min(client_counts), max(client_counts)
    head = ["page"]
    for clients in client_counts:
        head += [f"{clients}c n", f"{clients}c req/s", f"{clients}c p50", "p95"]
    if high != low:
        head.append(f"{high}c p95 / {low}c p50")
    head += [
        "SQL (2nd request; median, range)",
        "issue 16's run, not measured here: helpdesk / Sportello req/s (p50)",
    ]
    print("\n| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    ok = True
    for page in PAGES:
        row = [page.label]
        for clients in client_counts:
            s = summary(results, clients, page.key)
            if s is None:
                row += ["0", "–", "–", "–"]
                continue
            row += [
                str(s["n"]),
                f"{s['rate']:.1f}",
                f"{s['p50']:.0f} ms",
                f"{s['p95']:.0f} ms",
            ]
        if high != low:
            one, many = (
                summary(results, low, page.key),
                summary(results, high, page.key),
            )
            if one and many:
                ratio = many["p95"] / one["p50"]
                row.append(f"{ratio:.1f}" + (" (> 4)" if ratio > 4 else ""))
            else:
                row.append("–")
        row.append(describe_statements(statements.get(page.key)))
        theirs, ours = HELPDESK_ISSUE_16.get(page.key), SPORTELLO_ISSUE_16.get(page.key)
        row.append(
            " / ".join(
                f"{figures[0]} ({figures[1]} ms)" if figures else "–"
                for figures in (theirs, ours)
            )
            if theirs or ours
            else "–"
        )
        print("| " + " | ".join(row) + " |")
    errors = {k: v for k, v in results.errors.items() if v}
    if errors:
        ok = False
        print("\nERRORS (a run with errors is not a measurement):")
        for (clients, key), problems in sorted(errors.items()):
            for problem, n in problems.most_common():
                print(f"  {clients} client(s), {key}: {n} × {problem}")
    print_targets(results, low, high, workers)
    return ok


def describe_statements(counted: dict | None) -> str:
    """``23``, or ``26 (22–60)``: the median and range over the items."""
    if not counted:
        return "–"
    values = counted["statements"]
    text = f"{statistics.median_low(values)}"
    if min(values) != max(values):
        text += f" ({min(values)}–{max(values)})"
    if counted["cache_hits"]:
        text += f", {counted['cache_hits']}/{len(values)} page cache hits"
    return text


def print_targets(results: Results, low: int, high: int, workers: int) -> None:
    print("\nTargets (issue 16):")
    article, hello = summary(results, low, "article"), summary(results, low, "hello")
    if article and hello:
        share = article["rate"] / hello["rate"]
        verdict = "met" if share >= 0.5 else "not met"
        print(
            f"  article >= 50 % of the bare Django view's req/s at {low} client: "
            f"{share:.1%} ({article['rate']:.1f} / {hello['rate']:.1f}): {verdict}"
        )
    wanted = {
        "article": 10,
        "kb_index": 2,
        "search": 2,
        "case_view": 2,
        "case_list": 2,
        "case_submit": 2,
    }
    for key, factor in wanted.items():
        s = summary(results, low, key)
        if s is None:
            continue
        theirs = HELPDESK_ISSUE_16[key][0]
        verdict = "met" if s["rate"] >= factor * theirs else "not met"
        print(
            f"  {key} >= {factor}x helpdesk: {s['rate'] / theirs:.1f}x against "
            f"issue 16's helpdesk figure ({theirs} req/s; not the same run, "
            f"indicative only): {verdict}"
        )
    if high != low:
        over = []
        for page in PAGES:
            one, many = (
                summary(results, low, page.key),
                summary(results, high, page.key),
            )
            if one and many and many["p95"] > 4 * one["p50"]:
                over.append(page.key)
        verdict = "met" if not over else f"not met ({', '.join(over)})"
        print(f"  at {high} clients no p95 above 4x its {low}-client p50: {verdict}")
        print(
            f"  (with {workers} workers, {high} clients queue: each request waits "
            f"for about {high / workers - 1:.0f} others, so a p50 of "
            f"{high / workers:.0f}x the {low}-client one is what queueing alone gives)"
        )


# --- Main --------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        action="append",
        help=f"a corpus in the import format (repeatable; default {DEFAULT_CORPUS})",
    )
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument(
        "--articles",
        type=int,
        default=60,
        help="how many different articles the article line rotates through",
    )
    parser.add_argument(
        "--seconds", type=float, default=10, help="per page and client count"
    )
    parser.add_argument("--slice", type=float, default=2.0, help="seconds per slice")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds per page")
    parser.add_argument("--clients", default="1,8", help="client counts, e.g. 1,8")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="seed into DIR and keep it"
    )
    parser.add_argument(
        "--reuse", type=Path, metavar="DIR", help="a DIR of an earlier --keep"
    )
    parser.add_argument(
        "--database-url",
        help="an empty throwaway database to seed (default: SQLite in the work "
        "directory); with --reuse, the one recorded there",
    )
    parser.add_argument(
        "--statements-only",
        action="store_true",
        help="count the statements per page, serve nothing",
    )
    parser.add_argument(
        "--no-search-cache",
        action="store_true",
        help="compute every search (kept answers off: SEARCH_RESULT_CACHE_SECONDS=0)",
    )
    parser.add_argument("--phase", choices=["seed", "count"], help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    corpora = [path.resolve() for path in (args.corpus or [DEFAULT_CORPUS])]
    if args.phase == "seed":
        seed(args.reuse, corpora, args.cases)
        return 0
    if args.phase == "count":
        count_statements(args.reuse)
        return 0

    temporary = None
    if args.reuse:
        workdir = args.reuse.resolve()
        database_url = (workdir / "database-url").read_text().strip()
    else:
        if args.keep:
            workdir = args.keep.resolve()
            if workdir.exists() and any(workdir.iterdir()):
                raise SystemExit(f"{workdir} is not empty: --reuse it or remove it")
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            temporary = tempfile.TemporaryDirectory(prefix="pages-bench-")
            workdir = Path(temporary.name)
        database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
        (workdir / "database-url").write_text(database_url)
    if database_url.endswith("/db.sqlite3"):
        raise SystemExit("refusing to touch the development database")
    client_counts = sorted({int(n) for n in args.clients.split(",")})

    processes: list = []
    try:
        write_support_files(workdir, search_cache=not args.no_search_cache)
        if not args.reuse:
            started = time.monotonic()
            extra = ["--cases", str(args.cases)]
            for corpus in corpora:
                extra += ["--corpus", str(corpus)]
            run_phase(
                "seed",
                workdir,
                environment(workdir, database_url, "portal.settings.dev"),
                extra,
            )
            print(f"seeded in {time.monotonic() - started:.0f} s")
        env = environment(workdir, database_url, "bench_settings")
        prepare_serving(env)
        run_phase("count", workdir, env, [])
        statements = json.loads((workdir / "statements.json").read_text())
        if args.statements_only:
            for page in PAGES:
                counted = describe_statements(statements.get(page.key))
                print(f"{page.label:<40} {counted}")
            return 0
        meta = json.loads((workdir / META).read_text())
        meta["articles"] = meta["articles"][: args.articles]
        ports, processes = start_servers(workdir, env, args.workers)
        print(
            f"serving {meta['article_count']} corpus articles and "
            f"{meta['case_count']:,} cases of {CUSTOMER} ({database_url.split(':')[0]})"
            f" under gunicorn ({args.workers} sync workers) on port "
            f"{ports['portal']}; hello on {ports['hello']}"
        )
        results = Results()
        run_load(ports, meta, 2, args.warmup, args.warmup, results, None)
        for clients in client_counts:
            started = time.monotonic()
            run_load(ports, meta, clients, args.seconds, args.slice, results, clients)
            print(f"{clients} client(s): {time.monotonic() - started:.0f} s")
        load = os.getloadavg()
        print(
            f"\ncommit {git_head()}, {time.strftime('%Y-%m-%d %H:%M')}, "
            f"{os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f}"
        )
        ok = print_report(results, client_counts, statements, args.workers)
    finally:
        stop_servers(processes)
        if temporary:
            temporary.cleanup()
    return 0 if ok else 1


def git_head() -> str:
    """The commit measured, and whether the tree had uncommitted changes."""

    def git(*arguments: str) -> str:
        return subprocess.run(
            ["git", *arguments],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{head} with uncommitted changes" if dirty else head


if __name__ == "__main__":
    sys.exit(main())
