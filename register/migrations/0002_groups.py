"""The four roles of DESIGN.md section 1 as groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DOMAIN_APPS = ["suppliers", "agreements", "register"]
EDITABLE = {
    "suppliers": ["supplier", "product", "attribute", "dataflow"],
    "agreements": ["agreement", "document", "privacynotice", "subprocessor"],
    "register": ["organisation", "school", "processingactivity"],
}

ROLE_EXTRA = {
    "fg": ["agreements.review_agreement", "register.export_register"],
    "privacy_officer": [
        "agreements.submit_agreement",
        "agreements.terminate_agreement",
        "register.export_register",
        "register.import_workbook",
    ],
    "procurement": ["suppliers.file_intake", "register.export_register"],
    "reader": ["register.export_register"],
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrate; create them now so we can assign them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perm(dotted):
        app_label, codename = dotted.split(".")
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)

    view_all = list(
        Permission.objects.filter(
            content_type__app_label__in=DOMAIN_APPS, codename__startswith="view_"
        ).exclude(content_type__model__startswith="historical")
    )
    edit = [
        perm(f"{app}.{action}_{model}")
        for app, models in EDITABLE.items()
        for model in models
        for action in ("add", "change")
    ]
    for name, extra in ROLE_EXTRA.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = view_all + [perm(p) for p in extra]
        if name == "privacy_officer":
            perms += edit
        group.permissions.set(perms)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLE_EXTRA)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0001_initial"),
        ("suppliers", "0002_seed_attributes"),
        ("agreements", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
