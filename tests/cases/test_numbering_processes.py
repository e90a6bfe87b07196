"""Case numbers under concurrent submissions on SQLite, the embedded default.

The suite's SQLite test database lives in memory (shared cache), where
concurrent writers fail instead of waiting, so the thread test in
test_services.py runs on PostgreSQL only. Here several processes — as several
web workers would be — allocate numbers from one SQLite file with the
portal's own database settings (WAL, busy timeout, IMMEDIATE transactions).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKER = """
import sys
import django
django.setup()
from django.db import connection
from cases.services.submission import allocate_case_number

if sys.argv[1] == "create":
    from cases.models import CaseCounter
    with connection.schema_editor() as editor:
        editor.create_model(CaseCounter)
    sys.exit(0)
sys.stdin.readline()  # start together
print(" ".join(allocate_case_number(2031) for _ in range(int(sys.argv[1]))))
"""


def test_processes_sharing_an_sqlite_file_get_distinct_increasing_numbers(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'numbers.sqlite3'}",
    }

    def run(*args, **kwargs):
        return subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", WORKER, *args],
            cwd=ROOT,
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            **kwargs,
        )

    creator = run("create")
    _, err = creator.communicate(timeout=120)
    assert creator.returncode == 0, err

    workers = [run("25") for _ in range(4)]
    for worker in workers:  # every worker has loaded Django before any starts
        worker.stdin.write("go\n")
        worker.stdin.flush()
    numbers = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        mine = out.split()
        assert mine == sorted(mine)  # increasing within each worker
        numbers += mine

    assert sorted(numbers) == [f"2031-{n:06d}" for n in range(1, 101)]
