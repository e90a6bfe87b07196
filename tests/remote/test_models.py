"""Records are append-only: no code path changes or deletes an authorisation, a
revocation, a published clause version or a session event."""

import pytest
from django.db import IntegrityError

from remote.models import (
    Authorisation,
    ConsentText,
    ConsentVersion,
    ImmutableRecordError,
    Revocation,
    SessionEvent,
    canonical_consent_text,
    consent_sha256,
)
from remote.services import publish_consent_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(authorise, world):
    return authorise(world.microbit).authorisation


def test_saving_an_existing_authorisation_raises_and_changes_nothing(record):
    record.operator_name = "Someone else"

    with pytest.raises(ImmutableRecordError):
        record.save()
    with pytest.raises(ImmutableRecordError):
        record.save(update_fields=["operator_name"])

    assert Authorisation.objects.get(pk=record.pk).operator_name == "Mario Bianchi"


def test_deleting_an_authorisation_raises(record):
    with pytest.raises(ImmutableRecordError):
        record.delete()

    assert Authorisation.objects.filter(pk=record.pk).exists()


def test_queryset_update_and_delete_raise(record):
    with pytest.raises(ImmutableRecordError):
        Authorisation.objects.filter(pk=record.pk).update(email="x@example.com")
    with pytest.raises(ImmutableRecordError):
        Authorisation.objects.all().delete()
    with pytest.raises(ImmutableRecordError):
        Authorisation.objects.bulk_update([record], ["email"])

    assert Authorisation.objects.get(pk=record.pk).email == (
        "mario.bianchi@microbit.example"
    )


@pytest.mark.parametrize("model", [Authorisation, ConsentVersion, SessionEvent])
def test_even_the_base_manager_refuses_update_and_delete(record, model):
    row = model.objects.first()

    with pytest.raises(ImmutableRecordError):
        model._base_manager.filter(pk=row.pk).update(pk=row.pk)
    with pytest.raises(ImmutableRecordError):
        model._base_manager.filter(pk=row.pk).delete()

    row.refresh_from_db()  # reading through it still works
    assert model._base_manager.filter(pk=row.pk).exists()


def test_a_copy_with_the_same_primary_key_cannot_overwrite_the_record(record):
    copy = Authorisation.objects.get(pk=record.pk)
    copy._state.adding = True  # as if built by hand with an existing id
    copy.operator_name = "Forged"

    with pytest.raises(IntegrityError):
        copy.save()


@pytest.mark.parametrize("model", [ConsentVersion, SessionEvent, Revocation])
def test_other_records_are_append_only_too(record, model, world):
    if model is Revocation:
        Revocation.objects.create(authorisation=record, user=world.microbit)
    row = model.objects.first()

    with pytest.raises(ImmutableRecordError):
        row.save()
    with pytest.raises(ImmutableRecordError):
        row.delete()
    with pytest.raises(ImmutableRecordError):
        model.objects.all().update(pk=row.pk)
    with pytest.raises(ImmutableRecordError):
        model.objects.all().delete()


def test_the_hash_is_of_the_canonical_text():
    text = canonical_consent_text(" I declare that I: ", ["one", "two\r\nlines "])

    assert text == "I declare that I:\n1. one\n2. two\nlines"
    assert consent_sha256("I declare that I:", ["one", "two\nlines"]) == (
        consent_sha256(" I declare that I: ", ["one", "two\r\nlines "])
    )


def test_demo_seeds_version_one_in_three_languages(world):
    versions = {v.language: v for v in ConsentVersion.objects.all()}

    assert set(versions) == {"it", "fi", "en"}
    assert {v.number for v in versions.values()} == {1}
    assert all(v.text_matches_hash() for v in versions.values())
    assert "almeno due" in versions["it"].clause_3
    assert "2016/679" in versions["fi"].clause_1
    assert "at least two" in versions["en"].clause_3


def test_publishing_a_change_makes_a_new_version_and_keeps_the_old(world):
    first = ConsentVersion.objects.current("en")
    clauses = first.clauses[:5] + ["Pay the fee, if due, at the current rates."]

    second = publish_consent_text("en", first.intro, clauses)

    assert second.number == 2
    assert ConsentVersion.objects.current("en") == second
    first.refresh_from_db()
    assert first.clause_6.startswith("Undertake to pay")
    assert second.sha256 != first.sha256


def test_publishing_the_same_text_again_makes_no_version(world):
    first = ConsentVersion.objects.current("it")

    assert publish_consent_text("it", first.intro, first.clauses) is None
    assert ConsentVersion.objects.filter(language="it").count() == 1


def test_an_unpublished_text_offers_no_version(world):
    text = ConsentText.objects.get(language="fi")
    text.unpublish()

    assert ConsentVersion.objects.current("fi") is None
    assert ConsentVersion.objects.current("en") is not None


def test_a_draft_is_not_a_version(world):
    text = ConsentText.objects.get(language="en")
    text.clause_1 = "A draft nobody approved."
    text.save_revision()

    assert ConsentVersion.objects.current("en").number == 1
    assert "draft" not in ConsentVersion.objects.current("en").clause_1
