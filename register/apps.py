from __future__ import annotations

import os
from pathlib import Path

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def restrict_sqlite_file(sender, connection, **kwargs) -> None:
    """Make the SQLite file (and its WAL journal) readable by the app's user only.

    The process umask already does so for a new file; this also tightens a file created
    before, e.g. 0644 by an older version.
    """
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        return
    for path in (Path(name), Path(f"{name}-wal"), Path(f"{name}-shm")):
        try:
            status = path.stat()
        except FileNotFoundError:
            continue
        if status.st_mode & 0o077 and status.st_uid == os.getuid():
            path.chmod(0o600)


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = _("Verwerkingsregister")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from agreements.panels import agreement_panels, review_panels
        from suppliers.kept import set_revision
        from suppliers.panels import add_product_form_extension, product_panels

        from .forms import schools_of_product
        from .panels import agreement_flags_panel, agreement_open_flags_panel, product_flags_panel
        from .revision import current_revision, first_mark_after_flush
        from .roles import sync_roles_after_migrate
        from .rules import notes

        # After every migrate (and flush): a first mark for the rules' cache (the triggers
        # come with the migrations), and the role groups with exactly the permissions of the
        # matrix in roles.py.
        post_migrate.connect(first_mark_after_flush, sender=self)
        post_migrate.connect(sync_roles_after_migrate, sender=self)
        connection_created.connect(restrict_sqlite_file, dispatch_uid="restrict_sqlite_file")
        # What each write touched, for the rules' incremental update (rules/notes.py).
        notes.connect()
        # The product page (suppliers app) shows the product's flags through this panel.
        product_panels.add(product_flags_panel)
        # The review page (agreements app) shows what an approval would leave open.
        review_panels.add(agreement_open_flags_panel)
        # The product form (suppliers app) has a field for the schools using the product.
        add_product_form_extension(schools_of_product)
        # Parts of pages that show register data only are kept until the revision changes.
        set_revision(current_revision)
        # The agreement page (agreements app) shows its own flags.
        agreement_panels.add(agreement_flags_panel)
