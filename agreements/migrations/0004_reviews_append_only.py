"""Reviews become append-only in the database: triggers refuse UPDATE and DELETE (and
TRUNCATE on PostgreSQL) of agreements_review (agreements/append_only.py). After 0003, which
is the last migration to rewrite review rows."""

from django.db import migrations


def install(apps, schema_editor) -> None:
    from agreements import append_only

    append_only.install(schema_editor.connection)


def remove(apps, schema_editor) -> None:
    from agreements import append_only

    append_only.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0003_fingerprint_covers_what_the_fg_saw"),
    ]

    operations = [migrations.RunPython(install, remove)]
