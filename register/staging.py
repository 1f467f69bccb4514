"""The documents of an import: staged beside the media folder, moved into it on commit.

An import stores its PDFs before its transaction commits. Written straight into the media
folder, an import that dies half-way (gunicorn's worker timeout, `kill -9`, a power cut)
would leave PDFs there that no row refers to: personal data nobody knows is kept. So each
import writes into a staging folder of its own (`staging/<id>/`, beside `media/` on the same
disk, never served, never backed up) and moves the files into `media/` once its transaction
has committed. A failed or refused import removes its folder on the way out (`finally`).

A killed process runs no `finally`, so each import holds an exclusive lock (flock) on its
folder while it runs; the operating system releases it when the process dies. The next
import recovers every folder whose lock it can take: a file whose document row exists (the
import died after its commit, before the move) goes into `media/`, any other file is removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage

from agreements.models import Document

LOCK_NAME = ".lock"


def staging_root() -> Path:
    """Beside the media folder, so that moving a file into it is a rename on the same disk."""
    return Path(settings.MEDIA_ROOT).parent / "staging"


class DocumentStaging:
    """The staging folder of one import; use `staged_documents()`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.names: list[str] = []

    def store(self, document: Document, content: bytes) -> None:
        """Write `content` as `document`'s file, under the name it will have in media."""
        name = document.file.field.generate_filename(document, "upload.pdf")
        name = default_storage.get_available_name(name, max_length=document.file.field.max_length)
        target = self.folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        if settings.FILE_UPLOAD_PERMISSIONS is not None:
            target.chmod(settings.FILE_UPLOAD_PERMISSIONS)
        document.file.name = name
        self.names.append(name)

    def publish(self) -> None:
        """Move the staged files into media; call once the rows are committed."""
        _move_into_media(self.folder, self.names)
        self.names = []


@contextlib.contextmanager
def staged_documents() -> Iterator[DocumentStaging]:
    """A fresh staging folder for one import, removed with whatever is left in it on exit.

    Recovers the folders of imports that died first (see the module docstring).
    """
    recover_abandoned()
    folder = staging_root() / uuid.uuid4().hex
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.mkdir(mode=0o700)  # the documents hold personal data
    lock = os.open(folder / LOCK_NAME, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield DocumentStaging(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(lock)


def recover_abandoned() -> list[str]:
    """Finish or undo the staging folders of imports that died; returns the files moved."""
    root = staging_root()
    if not root.is_dir():
        return []
    moved: list[str] = []
    for folder in sorted(root.iterdir()):
        try:
            lock = os.open(folder / LOCK_NAME, os.O_RDWR)
        except OSError:
            # No lock file: the import is still creating its folder, or it is not a folder.
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock)  # a running import holds it
            continue
        try:
            staged = [
                path.relative_to(folder).as_posix()
                for path in folder.rglob("*")
                if path.is_file() and path.name != LOCK_NAME
            ]
            committed = set(Document.objects.filter(file__in=staged).values_list("file", flat=True))
            _move_into_media(folder, [name for name in staged if name in committed])
            moved.extend(name for name in staged if name in committed)
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(lock)
    return moved


def _move_into_media(folder: Path, names: list[str]) -> None:
    for name in names:
        target = Path(default_storage.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        # A rename on the same disk; a copy (and delete) when media is mounted elsewhere. A
        # copy cut short is redone from the staged file by the next `recover_abandoned()`.
        shutil.move(folder / name, target)
