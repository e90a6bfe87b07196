"""Record where the authorisations' chain ends today (how many there are and
the newest one's hash), so that later cuts at its end can be seen. Reversing
removes the row (0007's reversal drops the table)."""

from django.db import migrations

from remote.models.chain import GENESIS_HASH


def fill_chain_head(apps, schema_editor):
    Authorisation = apps.get_model("remote", "Authorisation")
    ChainHead = apps.get_model("remote", "ChainHead")
    db = schema_editor.connection.alias
    newest = Authorisation.objects.using(db).order_by("-pk").first()
    ChainHead.objects.using(db).update_or_create(
        pk=1,
        defaults={
            "length": Authorisation.objects.using(db).count(),
            "record_hash": newest.record_hash if newest else GENESIS_HASH,
        },
    )


def remove_chain_head(apps, schema_editor):
    ChainHead = apps.get_model("remote", "ChainHead")
    ChainHead.objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("remote", "0007_add_chain_head"),
    ]

    operations = [
        migrations.RunPython(fill_chain_head, remove_chain_head),
    ]
