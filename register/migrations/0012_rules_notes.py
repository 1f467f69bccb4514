"""The rules' notes (register/rules/notes.py) and, on PostgreSQL, the number of each writing
transaction's latest write on its mark, so that the rules can update their kept results
incrementally. `WriteTriggers([])` replaces the trigger function (PostgreSQL) and installs no
trigger: the notes are not a register table. The first one does nothing new forwards; reversed,
it puts back the function without `last_write`."""

from django.db import migrations, models

from register.revision import WriteTriggers


class Migration(migrations.Migration):
    dependencies = [("register", "0011_write_triggers_after_art30_fields")]

    operations = [
        # Reversed last: the trigger function back as it was before `last_write`.
        WriteTriggers([]),
        migrations.AddField(
            model_name="registerwrite",
            name="last_write",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="RulesNote",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("mark", models.CharField(db_index=True, max_length=32)),
                ("before", models.CharField(max_length=64)),
                ("after", models.CharField(max_length=64)),
                ("subjects", models.TextField()),
            ],
            options={
                "verbose_name": "notitie voor de regels",
                "verbose_name_plural": "notities voor de regels",
                "default_permissions": (),
            },
        ),
        WriteTriggers([]),
    ]
