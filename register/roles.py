"""The role matrix of DESIGN.md section 1: which group holds which permission.

This is the one place the roles are declared. `sync_roles()` runs after every `migrate`,
creating each group and setting its permissions to exactly this matrix, so a new
permission or model is granted by editing this file, and a permission granted by hand in the
admin is taken back at the next deploy. tests/security/test_permission_matrix.py checks the
groups in the database against it, and every page against the personas.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS, connections, transaction

DOMAIN_APPS = ("suppliers", "agreements", "register")

# The models whose rows the privacy officer keeps (add and change; nobody deletes).
KEPT_BY_PRIVACY_OFFICER = {
    "suppliers": ("supplier", "product", "attribute", "dataflow"),
    "agreements": ("agreement", "document", "privacynotice", "subprocessor"),
    "register": ("organisation", "school", "processingactivity"),
}

# Every role reads everything (every `view_` permission of the domain apps, history tables
# aside); these are the permissions each role holds beyond reading.
ROLE_EXTRA: dict[str, tuple[str, ...]] = {
    # AVG art. 38-39: the FG decides on agreements, and never edits their content.
    "fg": ("agreements.review_agreement", "register.export_register"),
    "privacy_officer": (
        *(
            f"{app}.{action}_{model}"
            for app, models in KEPT_BY_PRIVACY_OFFICER.items()
            for model in models
            for action in ("add", "change")
        ),
        "agreements.submit_agreement",
        "agreements.terminate_agreement",
        "register.export_register",
        "register.import_workbook",
    ),
    "procurement": ("suppliers.file_intake", "register.export_register"),
    "reader": ("register.export_register",),
}
ROLES = tuple(ROLE_EXTRA)


def _view_permissions(using: str) -> list[str]:
    rows = (
        Permission.objects.using(using)
        .filter(content_type__app_label__in=DOMAIN_APPS, codename__startswith="view_")
        .exclude(content_type__model__startswith="historical")
        .values_list("content_type__app_label", "codename")
    )
    return [f"{app}.{codename}" for app, codename in rows]


def role_permissions(role: str, *, using: str = DEFAULT_DB_ALIAS) -> set[str]:
    """The dotted names of the permissions the group `role` holds."""
    return set(_view_permissions(using)) | set(ROLE_EXTRA[role])


def sync_roles(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the role groups and set each one's permissions to exactly the matrix."""
    if Group._meta.db_table not in connections[using].introspection.table_names():
        return  # auth is not migrated (yet)
    # Permissions are created after migrate, app by app; make sure all of ours exist now.
    for label in DOMAIN_APPS:
        create_permissions(apps.get_app_config(label), verbosity=0, using=using)
    by_name = {
        f"{app}.{codename}": pk
        for pk, app, codename in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    with transaction.atomic(using=using):
        for role in ROLES:
            wanted = role_permissions(role, using=using)
            unknown = wanted - set(by_name)
            if unknown:
                raise LookupError(f"role {role}: unknown permissions {sorted(unknown)}")
            group, _created = Group.objects.using(using).get_or_create(name=role)
            group.permissions.set([by_name[name] for name in wanted])


def sync_roles_after_migrate(sender, using: str = DEFAULT_DB_ALIAS, plan=None, **kwargs) -> None:
    # Only after `migrate` (which passes its plan), not after `flush`: a flushed test
    # database gets its rows back from Django's serialized copy, groups included, and groups
    # made here with new keys would collide with them.
    if plan is None:
        return
    sync_roles(using=using)
