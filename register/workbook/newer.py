"""Rows the register changed after the workbook was exported (issue 17).

Re-importing an export taken a minute earlier once erased a retention period entered since.
So the export stamps the workbook with the moment it was made and the register's revision
(custom document properties, which Excel and LibreOffice keep when they save), and the
import, for a row that would change a record already in the register, asks the record's
history (django-simple-history) whether someone changed it after that moment. Such a row is
left alone unless the user confirms it (the preview's checkboxes, `--overwrite-newer`).

A workbook without the stamp (made by hand, or the template) is imported as before. The
history is read once per model (one query each, whatever the number of rows), and not at
all when the register's revision is still the one the workbook was exported from.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone

from ..revision import current_revision

# The names of the document properties (shown in Excel under File > Properties).
EXPORTED_AT_PROPERTY = "Geëxporteerd op"
REVISION_PROPERTY = "Registerrevisie"


@dataclass(frozen=True)
class ExportStamp:
    exported_at: datetime.datetime
    revision: str | None = None


def read_stamp(workbook: Any) -> ExportStamp | None:
    """The export stamp of an openpyxl workbook; None for a hand-made one (or one whose
    stamp is unreadable: it is then treated as hand-made, as before issue 17)."""
    try:
        properties = {prop.name: prop.value for prop in workbook.custom_doc_props}
    except (AttributeError, TypeError):
        return None
    value = properties.get(EXPORTED_AT_PROPERTY)
    if not isinstance(value, str | datetime.datetime):
        return None
    try:
        moment = (
            value
            if isinstance(value, datetime.datetime)
            else datetime.datetime.fromisoformat(value)
        )
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    revision = properties.get(REVISION_PROPERTY)
    return ExportStamp(moment, str(revision) if revision else None)


class NewerInRegister:
    """Which records the register changed after the export, by model, read lazily."""

    def __init__(self, stamp: ExportStamp | None) -> None:
        self.stamp = stamp
        self.started: datetime.datetime | None = None
        self.unchanged_since_export = False
        self._changed: dict[type, dict[Any, dict]] = {}

    def start(self) -> None:
        """Called before the import writes anything: its own writes come after `started`
        and are never taken for someone else's."""
        self.started = timezone.now()
        if self.stamp is not None and self.stamp.revision:
            self.unchanged_since_export = current_revision() == self.stamp.revision

    def newer(self, obj: models.Model) -> dict | None:
        """{"at": ISO moment, "by": name} of the latest change the register made to `obj`
        after the export; None when there was none (or the workbook has no stamp)."""
        if self.stamp is None or obj.pk is None or self.unchanged_since_export:
            return None
        model = type(obj)
        if model not in self._changed:
            self._changed[model] = self._load(model)
        return self._changed[model].get(obj.pk)

    def _load(self, model: type[models.Model]) -> dict[Any, dict]:
        manager = getattr(model, "history", None)
        if manager is None:
            return {}
        history = manager.model.objects.filter(history_date__gt=self.stamp.exported_at)
        if self.started is not None:
            history = history.filter(history_date__lt=self.started)
        changed: dict[Any, dict] = {}
        rows = history.order_by("history_date").values_list(
            model._meta.pk.attname,
            "history_date",
            "history_user__first_name",
            "history_user__last_name",
            "history_user__username",
            "history_change_reason",
        )
        for pk, moment, first, last, username, reason in rows:
            name = f"{first or ''} {last or ''}".strip() or username or reason or ""
            changed[pk] = {"at": moment.isoformat(), "by": name}
        return changed
