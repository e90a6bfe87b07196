"""Chain the authorisations recorded before the chain existed, oldest first
(by primary key, the order they were written in). Runs before the triggers
that refuse UPDATE (0006). Reversing leaves the hashes: 0003's reversal drops
the columns."""

from django.db import migrations

from remote.models.chain import GENESIS_HASH, authorisation_hash


def fill_authorisation_chain(apps, schema_editor):
    # The historical model has a plain manager: update() is allowed here.
    Authorisation = apps.get_model("remote", "Authorisation")
    db = schema_editor.connection.alias
    previous = GENESIS_HASH
    for row in Authorisation.objects.using(db).order_by("pk").iterator():
        digest = authorisation_hash(row, previous)
        Authorisation.objects.using(db).filter(pk=row.pk).update(
            previous_hash=previous, record_hash=digest
        )
        previous = digest


class Migration(migrations.Migration):
    dependencies = [
        ("remote", "0003_add_authorisation_chain"),
    ]

    operations = [
        migrations.RunPython(fill_authorisation_chain, migrations.RunPython.noop),
    ]
