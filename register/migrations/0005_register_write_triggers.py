"""The database triggers that note every write to the register (register/revision.py), in
the migrations so that `sqlmigrate register 0005` shows them; idempotent, so a database whose
triggers an earlier version installed after `migrate` keeps the same ones.

A later migration that adds a table to suppliers, agreements or register adds
`WriteTriggers(["<table>"])` for it."""

from django.db import migrations

from register.revision import WriteTriggers

TABLES = [
    "agreements_agreement",
    "agreements_agreement_attributes",
    "agreements_agreement_products",
    "agreements_document",
    "agreements_privacynotice",
    "agreements_privacynotice_attributes",
    "agreements_remindersent",
    "agreements_review",
    "agreements_subprocessor",
    "register_leveltext",
    "register_organisation",
    "register_processingactivity",
    "register_processingactivity_products",
    "register_school",
    "register_school_products",
    "suppliers_attribute",
    "suppliers_dataflow",
    "suppliers_product",
    "suppliers_supplier",
]


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0004_register_write"),
        ("suppliers", "0003_names_without_list_separator"),
        ("agreements", "0002_remindersent"),
    ]
    operations = [WriteTriggers(TABLES)]
