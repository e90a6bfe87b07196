"""Consent records are append-only in the database itself (triggers refuse
UPDATE and DELETE whatever issues them), authorisations are hash-chained, and
``manage.py verify_consents`` reports any break; users named in records are
refused deletion with a message instead of a server error."""

import importlib
import threading
import time
import uuid
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from remote import triggers
from remote.models import (
    GENESIS_HASH,
    Authorisation,
    ChainHead,
    ConsentVersion,
    RemoteSession,
    Revocation,
    SessionEvent,
    authorisation_hash,
)
from remote.services import (
    AuthorisationDraft,
    RequestInfo,
    record_authorisation,
    verify_consent_records,
)

from .conftest import current_version

RECORDS = [Authorisation, Revocation, ConsentVersion, SessionEvent]


@pytest.fixture
def three(authorise, world):
    """Three authorisations, oldest first, and one revoked (so every record
    table has rows)."""
    rows = [authorise(world.microbit).authorisation for _ in range(3)]
    Revocation.objects.create(authorisation=rows[0], user=world.microbit)
    return rows


def refused(sql: str, params=()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError:
        return True
    return False


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def verify_output():
    """Run the command; return (problems as a string or None, stdout)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_consents", stdout=out, stderr=err)
    except CommandError as error:
        assert error.returncode == 1
        return err.getvalue() + str(error), out.getvalue()
    return None, out.getvalue()


# The triggers


@pytest.mark.django_db
@pytest.mark.parametrize("model", RECORDS)
def test_raw_sql_update_and_delete_are_refused(three, model):
    row = model._base_manager.order_by("pk").first()

    name = table(model)
    assert refused(f"UPDATE {name} SET id = id WHERE id = %s", [row.pk])  # noqa: S608
    assert refused(f"DELETE FROM {name} WHERE id = %s", [row.pk])  # noqa: S608
    assert refused(f"DELETE FROM {name}")  # noqa: S608

    assert model._base_manager.filter(pk=row.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("model", RECORDS)
def test_plain_querysets_and_raw_delete_are_refused(three, model):
    row = model._base_manager.order_by("pk").first()
    count = model._base_manager.count()

    with pytest.raises(IntegrityError), transaction.atomic():
        models.QuerySet(model).filter(pk=row.pk).update(id=row.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        models.QuerySet(model).filter(pk=row.pk)._raw_delete(connection.alias)

    assert model._base_manager.count() == count


@pytest.mark.django_db
def test_a_changed_operator_name_is_refused(three):
    record = three[1]

    with pytest.raises(IntegrityError), transaction.atomic():
        models.QuerySet(Authorisation).filter(pk=record.pk).update(
            operator_name="Someone else"
        )

    assert Authorisation.objects.get(pk=record.pk).operator_name == "Mario Bianchi"


@pytest.mark.django_db
def test_inserting_records_still_works(three):
    assert Authorisation.objects.count() == 3
    assert not triggers.missing_record_triggers(connection)


# The chain


@pytest.mark.django_db
def test_each_authorisation_is_chained_to_the_previous_one(three):
    first, second, third = (Authorisation.objects.get(pk=r.pk) for r in three)

    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.record_hash
    assert third.previous_hash == second.record_hash
    for row in (first, second, third):
        assert len(row.record_hash) == 64
        assert row.record_hash == authorisation_hash(row, row.previous_hash)
    assert len({first.record_hash, second.record_hash, third.record_hash}) == 3


@pytest.mark.django_db
def test_the_hash_covers_the_fields():
    row = SimpleNamespace(
        public_id="6f0c2a55-6a7a-4c0b-9d7e-4c3b7c9d0001",
        consent_version_id=1,
        language="it",
        consent_sha256="a" * 64,
        accepted_clauses=[6, 5, 4, 3, 2, 1],
        company_name="Società Più Srl",
        operator_name="Niccolò Perù",
        email="n@example.com",
        customer_code="",
        installation_code="",
        customer_id=None,
        case_id=None,
        user_id=None,
        ip_address="::ffff:1.2.3.4",
        user_agent="",
        created_at=timezone.now(),
    )
    digest = authorisation_hash(row, GENESIS_HASH)

    assert digest != authorisation_hash(row, "1" * 64)
    # Django's spelling of an IPv4-mapped address hashes the same.
    assert (
        authorisation_hash(
            SimpleNamespace(**{**vars(row), "ip_address": "::ffff:102:304"}),
            GENESIS_HASH,
        )
        == digest
    )
    changed = SimpleNamespace(**{**vars(row), "operator_name": "Niccolo Peru"})
    assert authorisation_hash(changed, GENESIS_HASH) != digest


@pytest.mark.django_db
def test_the_data_migration_fills_the_same_chain(three):
    """Rows recorded before the chain existed get the chain the service writes."""
    expected = list(
        Authorisation.objects.order_by("pk").values_list(
            "pk", "previous_hash", "record_hash"
        )
    )
    triggers.drop_record_triggers(connection)
    with connection.cursor() as cursor:
        for pk, _previous, _record in expected:
            cursor.execute(
                f"UPDATE {table(Authorisation)} SET previous_hash = %s, "  # noqa: S608
                "record_hash = '' WHERE id = %s",
                [f"{pk:064d}", pk],
            )
    migration = importlib.import_module(
        "remote.migrations.0004_fill_authorisation_chain"
    )
    state = MigrationExecutor(connection).loader.project_state(
        ("remote", "0004_fill_authorisation_chain")
    )

    migration.fill_authorisation_chain(
        state.apps, SimpleNamespace(connection=connection)
    )

    assert (
        list(
            Authorisation.objects.order_by("pk").values_list(
                "pk", "previous_hash", "record_hash"
            )
        )
        == expected
    )


@pytest.mark.django_db
def test_the_chain_cannot_fork(three):
    """The database refuses a second successor of the same authorisation."""
    latest = Authorisation.objects.get(pk=three[-1].pk)
    fork = Authorisation.objects.get(pk=three[-1].pk)
    fork.pk = None
    fork.public_id = uuid.uuid4()
    fork.previous_hash = latest.previous_hash
    fork._state.adding = True

    with pytest.raises(IntegrityError), transaction.atomic():
        fork.save()


def _authorise_in_thread(version_id, results, index):
    try:
        issued = record_authorisation(
            AuthorisationDraft(
                company_name=f"Ditta {index}",
                operator_name=f"Operatore {index}",
                email=f"op{index}@example.com",
                accepted_clauses=(1, 2, 3, 4, 5, 6),
            ),
            version_id,
            RequestInfo(
                user=None, ip_address="127.0.0.1", user_agent="", language="en"
            ),
        )
        results[index] = issued.authorisation.pk
    except Exception as error:  # noqa: BLE001 - reported by the test
        results[index] = error
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_authorisations_do_not_fork_the_chain(world, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer at a time")
    import remote.services.records as records

    real_hash = records.authorisation_hash

    def slow_hash(authorisation, previous):
        # Widen the window between reading the latest hash and inserting.
        time.sleep(0.2)
        return real_hash(authorisation, previous)

    monkeypatch.setattr(records, "authorisation_hash", slow_hash)
    version_id = current_version("en").pk
    results = [None] * 5
    threads = [
        threading.Thread(target=_authorise_in_thread, args=(version_id, results, i))
        for i in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all(isinstance(result, int) for result in results), results
    report = verify_consent_records()
    assert report.ok, report.problems
    assert report.authorisations == 5


# verify_consents


@pytest.mark.django_db
def test_verify_consents_passes_on_intact_records(three):
    problems, out = verify_output()

    assert problems is None
    assert "Consent records intact: 3 authorisation(s)" in out
    assert "3 clause version(s)" in out
    assert Authorisation.objects.order_by("-pk").first().record_hash in out


@pytest.mark.django_db
def test_verify_consents_reports_a_changed_authorisation(three):
    triggers.drop_record_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table(Authorisation)} SET email = %s WHERE id = %s",  # noqa: S608
            ["forged@example.com", three[1].pk],
        )
    triggers.create_record_triggers(connection)

    problems, _out = verify_output()

    assert f"authorisation {three[1].pk} " in problems
    assert "its fields do not match its hash" in problems
    assert f"authorisation {three[0].pk} " not in problems


@pytest.mark.django_db
def test_verify_consents_reports_a_removed_authorisation(three):
    middle = three[1]
    triggers.drop_record_triggers(connection)
    with connection.cursor() as cursor:
        # Its session and events go first: foreign keys are checked at the end.
        session = middle.session
        for model, column, value in [
            (SessionEvent, "session_id", session.pk),
            (RemoteSession, "id", session.pk),
            (Authorisation, "id", middle.pk),
        ]:
            cursor.execute(
                f"DELETE FROM {table(model)} WHERE {column} = %s",  # noqa: S608
                [value],
            )
    triggers.create_record_triggers(connection)

    problems, _out = verify_output()

    assert f"authorisation {three[2].pk} " in problems
    assert "the chain is broken before it" in problems


def remove_authorisations(*rows):
    """Delete authorisations (with their sessions and revocations) behind the
    application's back, as someone who dropped the triggers could."""
    triggers.drop_record_triggers(connection)
    with connection.cursor() as cursor:
        for row in rows:
            session = RemoteSession.objects.get(authorisation=row)
            for model, column, value in [
                (SessionEvent, "session_id", session.pk),
                (RemoteSession, "id", session.pk),
                (Revocation, "authorisation_id", row.pk),
                (Authorisation, "id", row.pk),
            ]:
                cursor.execute(
                    f"DELETE FROM {table(model)} WHERE {column} = %s",  # noqa: S608
                    [value],
                )
    triggers.create_record_triggers(connection)


@pytest.mark.django_db
def test_the_chain_head_follows_each_authorisation(three):
    head = ChainHead.objects.get()

    assert head.length == 3
    assert head.record_hash == three[-1].record_hash


@pytest.mark.django_db
@pytest.mark.parametrize("cut", [1, 2, 3])
def test_verify_consents_reports_removed_newest_authorisations(three, cut):
    """A chain with its tail cut off is a valid chain: the head record shows it
    is shorter than it was."""
    remove_authorisations(*three[-cut:])

    problems, _out = verify_output()

    assert problems is not None
    assert f"the chain ends after {3 - cut} authorisation(s)" in problems
    assert f"but it held 3 ending at {three[-1].record_hash}" in problems
    assert f"the newest {cut} were removed" in problems


@pytest.mark.django_db
def test_verify_consents_reports_a_replaced_newest_authorisation(three):
    remove_authorisations(three[-1])
    # Whoever cut the end also set the count back; the recorded hash still
    # names the authorisation that was removed.
    ChainHead.objects.update(length=2)

    problems, _out = verify_output()

    assert f"not at {three[-1].record_hash} as recorded" in problems


@pytest.mark.django_db
def test_verify_consents_reports_a_missing_chain_head(three):
    ChainHead.objects.all().delete()

    problems, _out = verify_output()

    assert "the record of the chain's end is missing" in problems


@pytest.mark.django_db
def test_an_authorisation_after_a_flush_starts_the_head_again(authorise, world):
    ChainHead.objects.all().delete()

    issued = authorise(world.microbit).authorisation

    head = ChainHead.objects.get()
    assert (head.length, head.record_hash) == (1, issued.record_hash)
    assert verify_consent_records().ok


@pytest.mark.django_db
def test_the_head_migration_records_the_chain_as_it_is(three):
    ChainHead.objects.all().delete()
    migration = importlib.import_module("remote.migrations.0008_fill_chain_head")
    state = MigrationExecutor(connection).loader.project_state(
        ("remote", "0008_fill_chain_head")
    )

    migration.fill_chain_head(state.apps, SimpleNamespace(connection=connection))

    head = ChainHead.objects.get()
    assert (head.length, head.record_hash) == (3, three[-1].record_hash)
    assert verify_consent_records().ok


@pytest.mark.django_db
def test_verify_consents_checks_clause_texts_against_their_hashes(three):
    version = current_version("en")
    triggers.drop_record_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table(ConsentVersion)} SET clause_5 = %s WHERE id = %s",  # noqa: S608
            ["The provider is liable for nothing at all.", version.pk],
        )
    triggers.create_record_triggers(connection)

    problems, _out = verify_output()

    assert f"clause version {version.pk} (en 1)" in problems
    assert "does not match its SHA-256" in problems


@pytest.mark.django_db
def test_verify_consents_reports_missing_triggers(three):
    triggers.drop_record_triggers(connection)

    problems, _out = verify_output()

    assert "trigger remote_authorisation" in problems
    assert "missing or disabled" in problems


# The triggers after migrate


@pytest.mark.django_db
def test_migrate_puts_back_missing_triggers(three):
    triggers.drop_record_triggers(connection)
    assert triggers.missing_record_triggers(connection)

    call_command("migrate", verbosity=0)

    assert triggers.missing_record_triggers(connection) == []
    assert refused(f"DELETE FROM {table(Authorisation)}")  # noqa: S608
    assert verify_output()[0] is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_table_rebuilt_on_sqlite_gets_its_triggers_back_at_migrate(authorise, world):
    """SQLite rebuilds a table for most changes (here: a column made nullable),
    and the rebuilt table has no triggers until the end of ``migrate``."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL alters tables in place")
    authorise(world.microbit)
    before = Authorisation._meta.get_field("user_agent")
    after = models.TextField(null=True, blank=True)
    after.set_attributes_from_name("user_agent")
    after.model = Authorisation
    with connection.schema_editor() as editor:
        editor.alter_field(Authorisation, before, after)
    try:
        assert "remote_authorisation_no_delete" in triggers.missing_record_triggers(
            connection
        )

        call_command("migrate", verbosity=0)

        assert triggers.missing_record_triggers(connection) == []
        assert refused(f"DELETE FROM {table(Authorisation)}")  # noqa: S608
    finally:
        with connection.schema_editor() as editor:
            editor.alter_field(Authorisation, after, before)
        triggers.create_record_triggers(connection)


# Deleting users named in records


@pytest.fixture
def admin_client(client_factory, world):
    return client_factory(world.admin)


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_deleting_a_user_with_consents_is_refused_with_a_message(
    admin_client, three, world, method
):
    user = world.microbit
    address = reverse("wagtailusers_users:delete", args=[user.pk])

    response = getattr(admin_client, method)(address)

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailusers_users:edit", args=[user.pk])
    (message,) = get_messages(response.wsgi_request)
    assert "cannot be deleted: remote assistance records" in str(message)
    assert "Deactivate the account instead." in str(message)
    assert User.objects.filter(pk=user.pk).exists()
    assert Authorisation.objects.filter(user=user).count() == 3


@pytest.mark.django_db
def test_bulk_deleting_users_with_consents_is_refused(admin_client, three, world):
    user = world.microbit
    address = (
        reverse("wagtail_bulk_action", args=["accounts", "user", "delete"])
        + f"?id={user.pk}"
    )

    response = admin_client.post(address)

    assert response.status_code == 302
    (message,) = get_messages(response.wsgi_request)
    assert "cannot be deleted" in str(message)
    assert User.objects.filter(pk=user.pk).exists()


@pytest.mark.django_db
def test_user_delete_in_code_is_refused_and_keeps_the_records(three, world):
    """Outside the admin (a shell, a script) Django's own refusal stands: the
    records' foreign keys PROTECT the user."""
    user = world.microbit

    with pytest.raises(ProtectedError) as refused_deletion, transaction.atomic():
        user.delete()

    assert "Authorisation.user" in str(refused_deletion.value)
    assert User.objects.filter(pk=user.pk).exists()
    assert Authorisation.objects.filter(user=user).count() == 3
    assert verify_consent_records().ok


@pytest.mark.django_db
def test_a_user_without_records_is_still_deleted(admin_client, three, world):
    user = User.objects.create_user("nobody", "nobody@example.com", "x")

    response = admin_client.post(reverse("wagtailusers_users:delete", args=[user.pk]))

    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_flush_empties_the_records_and_keeps_the_triggers(authorise, world):
    """``manage.py flush`` (and the test runner between transactional tests)
    still empties the database; the triggers are back afterwards."""
    authorise(world.microbit)

    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)

    assert not Authorisation.objects.exists()
    assert not ConsentVersion.objects.exists()
    assert triggers.missing_record_triggers(connection) == []
