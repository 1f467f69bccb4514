"""Formerly the four roles as groups. The role matrix now lives in register/roles.py and is
synced after every migrate (and flush), so it can change without a data migration; this
migration is kept, empty, so that the migration graph stays the same."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0001_initial"),
        ("suppliers", "0002_seed_attributes"),
        ("agreements", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = []
