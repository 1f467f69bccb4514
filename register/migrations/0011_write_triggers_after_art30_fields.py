"""Reinstall the write triggers on the organisation and activity tables.

0009 adds columns; SQLite adds them by rebuilding the table, which drops its triggers.
`WriteTriggers` is idempotent, so PostgreSQL (which keeps them) is unchanged."""

from django.db import migrations

from register.revision import WriteTriggers


class Migration(migrations.Migration):
    dependencies = [("register", "0010_art30_fields")]

    operations = [WriteTriggers(["register_organisation", "register_processingactivity"])]
