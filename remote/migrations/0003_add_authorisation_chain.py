from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("remote", "0002_protect_base_managers"),
    ]

    operations = [
        migrations.AddField(
            model_name="authorisation",
            name="previous_hash",
            field=models.CharField(
                default="",
                editable=False,
                max_length=64,
                verbose_name="hash of the previous authorisation",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="authorisation",
            name="record_hash",
            field=models.CharField(
                default="",
                editable=False,
                max_length=64,
                verbose_name="hash of this authorisation",
            ),
            preserve_default=False,
        ),
    ]
