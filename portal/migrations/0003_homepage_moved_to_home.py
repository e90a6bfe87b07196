"""HomePage now lives in the home app (home/migrations/0001): the portal's
state forgets it; its table and rows stay, owned by home."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_create_ratecounter"),
        ("home", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="HomePage")],
            database_operations=[],
        ),
    ]
