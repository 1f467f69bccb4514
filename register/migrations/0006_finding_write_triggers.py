"""The write triggers (register/revision.py) on the FG's findings (issue 17), a table added
after 0005: a finding changes what the procurement check and the product page show."""

from django.db import migrations

from register.revision import WriteTriggers


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0005_register_write_triggers"),
        ("agreements", "0005_review_findings_and_incomplete_reason"),
    ]
    operations = [WriteTriggers(["agreements_finding"])]
