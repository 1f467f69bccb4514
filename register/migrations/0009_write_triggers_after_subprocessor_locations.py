"""Reinstall the write triggers on the agreement tables that agreements 0006 altered.

SQLite adds or removes a column by rebuilding the table, which drops its triggers; the new
table of a notice's subprocessors needs them too. `WriteTriggers` is idempotent, so
PostgreSQL (which keeps them) is unchanged."""

from django.db import migrations

from register.revision import WriteTriggers


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0008_write_triggers_after_dataflow_subject"),
        ("agreements", "0006_subprocessor_locations_and_notice_content"),
    ]

    operations = [
        WriteTriggers(
            [
                "agreements_agreement",
                "agreements_document",
                "agreements_privacynotice",
                "agreements_privacynotice_subprocessors",
                "agreements_subprocessor",
            ]
        )
    ]
