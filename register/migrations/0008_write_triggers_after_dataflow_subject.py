"""Reinstall the write triggers on the data-flow table.

suppliers 0008 adds the `subject` column and changes a constraint; SQLite does so by
rebuilding the table, which drops its triggers. `WriteTriggers` is idempotent, so PostgreSQL
(which keeps them) is unchanged."""

from django.db import migrations

from register.revision import WriteTriggers


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0007_write_triggers_after_supplier_version"),
        ("suppliers", "0008_dataflow_subject"),
    ]

    operations = [WriteTriggers(["suppliers_dataflow"])]
