"""Findings on agreements: every role reads them, only the FG records and settles them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

FG_ONLY = ["add_finding", "change_finding"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("agreements")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    finding = Permission.objects.filter(content_type__app_label="agreements")
    view = finding.get(codename="view_finding")
    for group in Group.objects.filter(name__in=["fg", "privacy_officer", "procurement", "reader"]):
        group.permissions.add(view)
        if group.name == "fg":
            group.permissions.add(*finding.filter(codename__in=FG_ONLY))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for perm in Permission.objects.filter(
        content_type__app_label="agreements",
        codename__in=["view_finding", *FG_ONLY],
    ):
        perm.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0004_register_write"),
        ("agreements", "0005_review_findings_and_incomplete_reason"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
