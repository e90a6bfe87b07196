"""Database triggers that make the consent records append-only in the
database itself: an UPDATE or DELETE of an authorisation, a revocation, a
published clause version or a session event is refused whatever issued it (raw
SQL, ``QuerySet.update()`` on a plain QuerySet, ``_raw_delete()``, a shell).

SQLite and PostgreSQL. The refusal is an integrity error on both
(``RAISE(ABORT, …)``; SQLSTATE 23000), which Django raises as
``django.db.IntegrityError``.

Not covered, by design: ``TRUNCATE`` on PostgreSQL (what ``manage.py flush``
runs) and ``manage.py flush`` on SQLite (``remote``'s ``flush`` command drops
the triggers for the flush and puts them back), dropping the triggers, and
deleting the whole table. ``manage.py verify_consents`` reports missing
triggers, and the authorisations' hash chain reveals changed or removed rows.

On SQLite, Django rebuilds a table for most schema changes, and the rebuilt
table has no triggers: ``remote.signals`` creates them again after every
``migrate`` (post_migrate). A migration that alters one of ``RECORD_TABLES``
should still end with ``migrations.RunPython(create_record_triggers_migration,
…)``, so that the records are not unguarded between it and the end of the
run."""

from django.db.backends.base.base import BaseDatabaseWrapper

RECORD_TABLES = (
    "remote_authorisation",
    "remote_revocation",
    "remote_consentversion",
    "remote_sessionevent",
)

_PG_FUNCTION = "remote_refuse_record_change"


def _sqlite_triggers(table: str) -> dict[str, str]:
    return {
        f"{table}_no_{op.lower()}": (
            f'CREATE TRIGGER IF NOT EXISTS "{table}_no_{op.lower()}" '
            f'BEFORE {op} ON "{table}" BEGIN '
            f"SELECT RAISE(ABORT, '{table} rows are records: {op} refused'); END"
        )
        for op in ("UPDATE", "DELETE")
    }


def _pg_trigger(table: str) -> str:
    return f"{table}_append_only"


def supports_record_triggers(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor in {"sqlite", "postgresql"}


def create_record_triggers(connection: BaseDatabaseWrapper) -> None:
    """Create the triggers on every record table that exists (idempotent)."""
    if not supports_record_triggers(connection):
        return
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        present = [table for table in RECORD_TABLES if table in tables]
        if connection.vendor == "sqlite":
            for table in present:
                for sql in _sqlite_triggers(table).values():
                    cursor.execute(sql)
            return
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION '% rows are records: % refused', TG_TABLE_NAME, TG_OP "
            "USING ERRCODE = 'integrity_constraint_violation'; "
            "END $$"
        )
        for table in present:
            name = _pg_trigger(table)
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
            cursor.execute(
                f'CREATE TRIGGER "{name}" BEFORE UPDATE OR DELETE ON "{table}" '
                f"FOR EACH ROW EXECUTE FUNCTION {_PG_FUNCTION}()"
            )


def drop_record_triggers(connection: BaseDatabaseWrapper) -> None:
    """Remove the triggers (to reverse the migration, or for a flush)."""
    if not supports_record_triggers(connection):
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table in RECORD_TABLES:
                for name in _sqlite_triggers(table):
                    cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
            return
        tables = set(connection.introspection.table_names(cursor))
        for table in RECORD_TABLES:
            if table in tables:
                cursor.execute(
                    f'DROP TRIGGER IF EXISTS "{_pg_trigger(table)}" ON "{table}"'
                )
        cursor.execute(f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()")


def missing_record_triggers(connection: BaseDatabaseWrapper) -> list[str]:
    """The names of the expected triggers that are not in the database (an
    empty list for vendors without triggers)."""
    if not supports_record_triggers(connection):
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            expected = {
                name: table
                for table in RECORD_TABLES
                for name in _sqlite_triggers(table)
            }
            cursor.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
            )
        else:
            expected = {_pg_trigger(table): table for table in RECORD_TABLES}
            cursor.execute(
                "SELECT t.tgname, c.relname FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' "
                "AND c.relnamespace = to_regnamespace(current_schema())"
            )
        found = {(name, table) for name, table in cursor.fetchall()}
    return sorted(
        name for name, table in expected.items() if (name, table) not in found
    )


def create_record_triggers_migration(apps, schema_editor) -> None:
    """For ``RunPython`` in migrations."""
    create_record_triggers(schema_editor.connection)


def drop_record_triggers_migration(apps, schema_editor) -> None:
    drop_record_triggers(schema_editor.connection)
