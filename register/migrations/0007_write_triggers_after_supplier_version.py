"""Reinstall the write triggers on the supplier and product tables.

suppliers 0004 adds a `version` column; SQLite adds it by rebuilding the table, which drops
its triggers. `WriteTriggers` is idempotent, so PostgreSQL (which keeps them) is unchanged."""

from django.db import migrations

from register.revision import WriteTriggers


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0006_finding_write_triggers"),
        ("suppliers", "0004_version_for_concurrent_edits"),
    ]

    operations = [WriteTriggers(["suppliers_product", "suppliers_supplier"])]
