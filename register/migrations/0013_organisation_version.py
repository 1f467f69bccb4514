"""The organisation (here) and the attributes (suppliers 0009) carry a version, so that a form
opened before someone else's save is refused instead of writing over it
(suppliers/concurrency.py). SQLite adds a column with a default by rebuilding the table,
which drops its write triggers: `WriteTriggers` reinstalls them (idempotent, so PostgreSQL,
which keeps them, is unchanged)."""

from django.db import migrations, models

from register.revision import WriteTriggers


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0012_rules_notes"),
        ("suppliers", "0009_attribute_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalorganisation",
            name="version",
            field=models.PositiveIntegerField(
                default=1,
                editable=False,
                help_text="Voor het weigeren van gelijktijdige wijzigingen.",
                verbose_name="versie",
            ),
        ),
        migrations.AddField(
            model_name="organisation",
            name="version",
            field=models.PositiveIntegerField(
                default=1,
                editable=False,
                help_text="Voor het weigeren van gelijktijdige wijzigingen.",
                verbose_name="versie",
            ),
        ),
        WriteTriggers(["register_organisation", "suppliers_attribute"]),
    ]
