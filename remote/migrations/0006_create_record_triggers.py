"""Triggers that refuse UPDATE and DELETE on the consent records (SQLite and
PostgreSQL; see remote/triggers.py). After 0004 filled the hash chain."""

from django.db import migrations

from remote.triggers import (
    create_record_triggers_migration,
    drop_record_triggers_migration,
)


class Migration(migrations.Migration):
    dependencies = [
        ("remote", "0005_add_chain_constraint"),
    ]

    operations = [
        migrations.RunPython(
            create_record_triggers_migration, drop_record_triggers_migration
        ),
    ]
