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

        from .revision import install_triggers_after_migrate

        # After every migrate (and flush): the triggers the rules' cache relies on.
        post_migrate.connect(install_triggers_after_migrate, sender=self)
        connection_created.connect(restrict_sqlite_file, dispatch_uid="restrict_sqlite_file")
