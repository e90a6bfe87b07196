"""Case submission benchmark. Prints two figures:

1. cases submitted per second through the new-case form, each with a 1 MB
   attachment, or with ``--log-kb N`` an error log of N KB in its "Error log"
   field (Django test client, in process, over a throwaway SQLite file), and
   the SQL statements of one submission;
2. the web server's memory while it receives a 25 MB attachment: a real
   ``manage.py runserver --noreload`` process on 127.0.0.1 with a throwaway
   database, sent a streamed multipart body; its RSS is sampled from
   /proc/<pid>/status (VmRSS while uploading, VmHWM for the peak). The peak must
   stay within 30 MB of the idle size.

Usage: .venv/bin/python bench/case_submit.py [--count 30] [--big-mb 25] [--log-kb 200]
Linux only (reads /proc). Nothing outside a temporary directory is touched.
"""

import argparse
import http.client
import http.cookies
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
MB = 1024 * 1024
PASSWORD = "sportello-demo"  # noqa: S105 - the documented demo password


def prepare_environment(workdir: Path) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "MEDIA_ROOT": str(workdir / "media"),
            "PRIVATE_STORAGE_ROOT": str(workdir / "private"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "LOG_LEVEL": "WARNING",
        }
    )
    env.pop("EMAIL_HOST", None)
    os.environ.update(env)
    return env


def setup_database() -> None:
    import io

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    call_command(
        "load_demo", "--only", "taxonomy.demo", "accounts.demo", stdout=io.StringIO()
    )


def form_fields(area_pk: int) -> dict:
    return {
        "notify_email": "amministrazione@microbit.example",
        "notify_mobile": "",
        "auto_notify": "on",
        "dealer": "",
        "product_line": "accounting",
        "area": str(area_pk),
        "urgency": "normal",
        "subject": "Benchmark case",
        "request": "Submitted by bench/case_submit.py",
        "upload_token": "",
    }


def error_log(size: int) -> bytes:
    """A ``SISERR.LOG`` of ``size`` bytes: progress lines, an error now and then."""
    lines, total, n = [], 0, 0
    while total < size:
        n += 1
        stamp = f"2026-03-02 10:{n // 60 % 60:02d}:{n % 60:02d}"
        if n % 25 == 0:
            line = f"{stamp} ERROR SIS-1042 Archivio bloccato da un altro utente\r\n"
        else:
            line = f"{stamp} INFO elaborazione documento {n:06d} completata\r\n"
        lines.append(line.encode())
        total += len(lines[-1])
    return b"".join(lines)[:size]


def throughput(count: int, log_kb: int = 0) -> tuple[float, int]:
    """Cases per second through the form, each with a 1 MB PNG attachment or
    (``log_kb``) an error log of that size; and the statements of one."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import (
        CaptureQueriesContext,
        override_settings,
        setup_test_environment,
    )

    from accounts.models import User
    from cases.models import Case
    from taxonomy.models import Area

    setup_test_environment()
    area = Area.objects.get(product_line__code="accounting", code="vat")
    if log_kb:
        log = error_log(log_kb * 1024)

        def files(n):
            return {"error_log": SimpleUploadedFile("SISERR.LOG", log)}
    else:
        payload = PNG_HEAD + os.urandom(MB - len(PNG_HEAD))

        def files(n):
            return {"attachments": SimpleUploadedFile(f"shot-{n}.png", payload)}

    client = Client()
    client.force_login(User.objects.get(username="024200"))
    with override_settings(
        CASES_CREATE_RATE=(10**9, 3600),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DEBUG=False,
    ):
        # Two submissions first: imports, template compilation, first
        # connection; the second one's statements are counted.
        client.post("/en/cases/new/", form_fields(area.pk))
        # The dev settings' DEBUG logged setting up the database: a full log
        # (9,000 entries) would hide what is captured.
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                "/en/cases/new/", {**form_fields(area.pk), **files(0)}
            )
        if response.status_code != 302:
            raise SystemExit(f"submission failed: {response.status_code}")
        statements = len(captured)
        before = Case.objects.count()
        started = time.perf_counter()
        for n in range(count):
            response = client.post(
                "/en/cases/new/", {**form_fields(area.pk), **files(n)}
            )
            if response.status_code != 302:
                raise SystemExit(f"submission failed: {response.status_code}")
        elapsed = time.perf_counter() - started
    assert Case.objects.count() == before + count  # noqa: S101 - sanity check
    return count / elapsed, statements


# The live server part --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid`` in bytes."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _sep, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values


def reset_peak(pid: int) -> bool:
    """Reset VmHWM (Linux: write 5 to clear_refs); False if not permitted."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class Session:
    """Just enough of a browser: cookies and CSRF tokens."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def _cookie_header(self) -> dict:
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def _remember(self, response) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        all_headers = {"Host": f"127.0.0.1:{self.port}", **self._cookie_header()}
        all_headers.update(headers or {})
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        data = response.read()
        self._remember(response)
        connection.close()
        return response.status, data.decode(errors="replace")

    def csrf_from(self, html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if not match:
            raise SystemExit("no CSRF token in the page")
        return match.group(1)

    def login(self) -> None:
        _status, html = self.request("GET", "/en/accounts/login/")
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": self.csrf_from(html),
                "username": "024200",
                "password": PASSWORD,
            }
        )
        status, _html = self.request(
            "POST",
            "/en/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{self.port}/en/accounts/login/",
            },
        )
        if status != 302:
            raise SystemExit(f"login failed: {status}")


def multipart(fields: dict, file_name: str, file_size: int):
    """A multipart body streamed in 64 KB chunks, and its length."""
    boundary = uuid.uuid4().hex
    head = b"".join(
        (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
        f'filename="{file_name}"\r\nContent-Type: image/png\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks():
        yield head
        yield PNG_HEAD
        left = file_size - len(PNG_HEAD)
        block = os.urandom(64 * 1024)
        while left > 0:
            piece = block[: min(left, len(block))]
            left -= len(piece)
            yield piece
        yield tail

    length = len(head) + file_size + len(tail)
    return chunks(), length, f"multipart/form-data; boundary={boundary}"


def submit_streamed(session: Session, area_pk: int, size: int) -> tuple[int, float]:
    # "New case" opens on the describe step (deflection) first; its form
    # carries the CSRF token the case form's POST needs.
    _status, html = session.request("GET", "/en/cases/new/describe/")
    fields = {
        "csrfmiddlewaretoken": session.csrf_from(html),
        **form_fields(area_pk),
    }
    body, length, content_type = multipart(fields, "big.png", size)
    started = time.perf_counter()
    status, _html = session.request(
        "POST",
        "/en/cases/new/",
        body=body,
        headers={
            "Content-Type": content_type,
            "Content-Length": str(length),
            "Referer": f"http://127.0.0.1:{session.port}/en/cases/new/",
        },
    )
    return status, time.perf_counter() - started


def server_memory(env: dict, big_mb: int) -> dict:
    from taxonomy.models import Area

    area_pk = Area.objects.get(product_line__code="accounting", code="vat").pk
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "runserver",
            "--noreload",
            "--nothreading",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        session = Session(port)
        session.login()
        # Warm up: a small submission loads every module and template.
        status, _elapsed = submit_streamed(session, area_pk, 64 * 1024)
        if status != 302:
            raise SystemExit(f"warm-up submission failed: {status}")
        time.sleep(0.5)
        idle = proc_status(server.pid)["VmRSS"]
        peak_reset = reset_peak(server.pid)
        samples = []
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                samples.append(proc_status(server.pid)["VmRSS"])
                time.sleep(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        status, elapsed = submit_streamed(session, area_pk, big_mb * MB)
        stop.set()
        sampler.join()
        after = proc_status(server.pid)
        if status != 302:
            raise SystemExit(f"{big_mb} MB submission failed: {status}")
        peak = max(
            [*samples, after["VmRSS"]] + ([after["VmHWM"]] if peak_reset else [])
        )
        return {
            "idle": idle,
            "peak": peak,
            "sampled_peak": max(samples) if samples else after["VmRSS"],
            "hwm_reset": peak_reset,
            "seconds": elapsed,
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    # WhiteNoise looks for collected static files; the bench does not need them.
    warnings.filterwarnings("ignore", message="No directory at")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30, help="1 MB cases to submit")
    parser.add_argument("--big-mb", type=int, default=25, help="size of the big file")
    parser.add_argument(
        "--log-kb",
        type=int,
        default=0,
        help="send an error log of this many KB instead of the 1 MB attachment",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sportello-bench-"))
    try:
        env = prepare_environment(workdir)
        setup_database()
        rate, count_statements = throughput(args.count, args.log_kb)
        what = f"a {args.log_kb} KB error log" if args.log_kb else "a 1 MB attachment"
        print(
            f"form submissions with {what}: {rate:.1f} cases/s "
            f"({args.count} cases, Django test client, SQLite), "
            f"{count_statements} SQL statements per submission (mail delivered "
            "in process by the immediate task backend included)"
        )
        memory = server_memory(env, args.big_mb)
        growth = (memory["peak"] - memory["idle"]) / MB
        print(
            f"runserver RSS: idle {memory['idle'] / MB:.1f} MB, peak while receiving "
            f"a {args.big_mb} MB attachment {memory['peak'] / MB:.1f} MB "
            f"(+{growth:.1f} MB; sampled VmRSS peak "
            f"{memory['sampled_peak'] / MB:.1f} MB; VmHWM "
            f"{'reset before the upload' if memory['hwm_reset'] else 'not resettable'})"
            f", upload took {memory['seconds']:.2f} s"
        )
        verdict = "OK" if growth <= 30 else "OVER"
        print(f"memory growth within 30 MB of idle: {verdict}")
        if growth > 30:
            sys.exit(1)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
