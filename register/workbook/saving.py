"""Saving the records of the sheets: validated, only what differs, new rows in bulk.

Every row is validated on its own (`full_clean` without the per-row database checks: the
natural keys are checked in memory). New rows wait for the end of their sheet and are
written per model with `bulk_create`, their history ("+" records with the links they are
created with, carrying the importing user) with simple-history's `bulk_history_create`
(register/bulk.py), so the number of queries does not grow with the rows. Changes to rows
already in the register are saved one by one with the model's `save()` (a status through
`set_status`), so django-simple-history records them as it does for a form.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..bulk import BulkWriter
from ..models import Organisation
from .lookups import Lookups
from .newer import NewerInRegister
from .reading import RowReader, SheetRows, as_read_back
from .result import Change, ImportResult
from .sheets import BOOLEAN, CHOICE, SheetSpec, join

if TYPE_CHECKING:
    from .importer import Importer

# Writes the links of a relation itself instead of `.set()` (the product's schools, whose
# history is kept on the school's side): (record, objects).
LinkWriter = Callable[[models.Model, list], None]


@dataclass(eq=False)
class _NewRow:
    """A validated new row waiting for the bulk insert at the end of its sheet."""

    obj: models.Model
    sheet: str
    number: int
    change: Change
    links: dict[str, list] = field(default_factory=dict)  # relation -> target objects


class Records:
    def __init__(
        self,
        *,
        result: ImportResult,
        lookups: Lookups,
        user=None,
        change_reason=None,
        newer: NewerInRegister | None = None,
        overwrite: bool | Collection[str] = (),
    ) -> None:
        self.result = result
        self.lookups = lookups
        self.user = user
        # Rows the register changed after the export are left alone, unless `overwrite` is
        # True (all of them) or holds their Change.key (confirmed one by one).
        self.newer = newer or NewerInRegister(None)
        self.overwrite = overwrite
        # The operator at the command line, named in the history (suppliers/history.py).
        self.change_reason = change_reason
        self.writer = BulkWriter(now=timezone.now(), user=user, change_reason=change_reason)
        # model -> id(obj) -> the new row; written by `flush()` at the end of each sheet.
        self.new_rows: dict[type, dict[int, _NewRow]] = {}

    def save(
        self,
        reader: RowReader,
        obj: models.Model,
        values: dict[str, Any],
        label: str,
        *,
        m2m: dict[str, list] | None = None,
        links: dict[str, LinkWriter] | None = None,
        status: str | None = None,
    ) -> bool:
        """Assign the values that differ and save, validated; record the change.

        `values` maps field -> value (only the columns present in the sheet); `m2m` maps
        relation -> objects, written with `.set()` unless `links` names a writer for it.
        `status` is the status of a record already in the register, moved with its
        `set_status()` (a new record is created in its status). Returns False when the row
        was refused.
        """
        spec = reader.sheet.spec
        # A new row waiting for its bulk insert may be named again by a later row (a data
        # flow listed twice): that row changes the values it will be inserted with.
        pending = self.new_rows.get(type(obj), {}).get(id(obj))
        created = obj.pk is None and pending is None
        changed = []
        diffs: list[dict] = []
        original = {name: getattr(obj, name) for name in values}
        for name, value in values.items():
            if _differs(getattr(obj, name), value):
                setattr(obj, name, value)
                if spec.header_of(name) not in changed:
                    changed.append(spec.header_of(name))
                    diffs.append(_diff(spec, name, original[name], value))
        moved = status is not None and not created and status != obj.status
        if moved:
            changed.append(spec.header_of("status"))
            diffs.append(_diff(spec, "status", obj.status, status))
        m2m_changes = {}
        for relation, objects in (m2m or {}).items():
            wanted = {o.pk for o in objects}
            if created:
                before = []
            elif pending is not None:
                before = pending.links.get(relation, [])
            else:
                before = list(getattr(obj, relation).all())
            if wanted != {o.pk for o in before}:
                m2m_changes[relation] = objects
                changed.append(spec.header_of(relation))
                diffs.append(_diff(spec, relation, before, objects))
        if reader.failed:
            return False
        if not created and not changed:
            self.result.unchanged[spec.name] += 1
            return True
        if not self._valid(reader, obj, spec):
            return False
        change = Change(
            sheet=spec.name,
            row=reader.number,
            action="created" if created else "changed",
            label=label,
            fields=[] if created else changed,
            diffs=[] if created else diffs,
            newer=None if created or pending is not None else self.newer.newer(obj),
        )
        if change.newer and not self._confirmed(change):
            # Someone changed the record after the export: the workbook's older values
            # would overwrite theirs. Left alone; the preview asks, the command line says.
            for name, value in original.items():
                setattr(obj, name, value)
            change.skipped = True
            reader.skipped = True
            self.result.changes.append(change)
            return True
        links = links or {}
        if (created and not isinstance(obj, Organisation)) or pending is not None:
            if pending is None:
                pending = _NewRow(obj, spec.name, reader.number, change)
                self.new_rows.setdefault(type(obj), {})[id(obj)] = pending
            for relation, objects in m2m_changes.items():
                if relation not in links:
                    pending.links[relation] = objects
                elif created:  # keys are unique per sheet: a new product is named once
                    links[relation](obj, objects)
            self.result.changes.append(change)
            return True
        fields_changed = moved or any(
            getattr(obj, name) != value for name, value in original.items()
        )
        if not created and fields_changed and hasattr(obj, "version"):
            obj.version += 1  # refuses a concurrent edit made from a form opened earlier
        if self.user is not None:
            obj._history_user = self.user
        if self.change_reason:
            obj._change_reason = self.change_reason
        try:
            with transaction.atomic():
                if moved:
                    obj.set_status(status, user=self.user, reason=obj.status_reason, imported=True)
                elif created or fields_changed:
                    obj.save()
                for relation, objects in m2m_changes.items():
                    if relation in links:
                        links[relation](obj, objects)
                    else:
                        getattr(obj, relation).set(objects)
        except IntegrityError as exc:
            reader.error(_("kon niet worden opgeslagen (%(reason)s).") % {"reason": exc})
            return False
        self.result.changes.append(change)
        return True

    def _confirmed(self, change: Change) -> bool:
        return self.overwrite is True or (
            not isinstance(self.overwrite, bool) and change.key in self.overwrite
        )

    @staticmethod
    def _valid(reader: RowReader, obj: models.Model, spec: SheetSpec) -> bool:
        try:
            # Related objects were looked up by the importer itself: skip the per-row existence
            # queries Django would run for each foreign key.
            relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
            obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                prefix = spec.header_of(name, default="")
                for message in messages:
                    reader.error(f"{prefix}: {message}" if prefix else message)
            return False
        return True

    def flush(self) -> None:
        """Write the new rows of the sheet: per model one bulk insert, the "+" history
        records, the many-to-many links and their history, in a fixed number of queries."""
        pending, self.new_rows = self.new_rows, {}
        if not pending:
            return
        self.writer.now = timezone.now()
        for model, new in pending.items():
            saved = self._insert(model, list(new.values()))
            self.writer.history(model, [row.obj for row in saved])
            for relation in sorted({name for row in saved for name in row.links}):
                pairs = [
                    (row.obj.pk, target.pk)
                    for row in saved
                    for target in row.links.get(relation, [])
                ]
                self.writer.link(model, relation, pairs)

    def _insert(self, model: type[models.Model], rows: list[_NewRow]) -> list[_NewRow]:
        """Insert the rows in bulk; when the database refuses the batch (a constraint the
        in-memory checks do not know, or a row written meanwhile by someone else), insert
        them one by one to report each refused row by its sheet and row number."""
        try:
            with transaction.atomic():
                self.writer.insert(model, [row.obj for row in rows])
            return rows
        except IntegrityError:
            pass
        saved = []
        for row in rows:
            row.obj.pk = None
            row.obj._state.adding = True
            try:
                with transaction.atomic():
                    self.writer.insert(model, [row.obj])
            except IntegrityError as exc:
                row.obj.pk = None
                self.result.errors.append(
                    f"{row.sheet}!row {row.number}: "
                    + _("kon niet worden opgeslagen (%(reason)s).") % {"reason": exc}
                )
                self.result.changes = [c for c in self.result.changes if c is not row.change]
                self.lookups.forget(row.obj)
            else:
                saved.append(row)
        return saved


def _shown(spec: SheetSpec, name: str, value: Any) -> str:
    """A value as the preview shows it: as the export would write it (a choice's label,
    ja / nee, a date as DD-MM-YYYY, a list joined with "; ")."""
    if isinstance(value, list | tuple):
        return join(sorted(str(item) for item in value))
    column = next((c for c in spec.columns if c.field == name), None)
    if value is not None and column is not None and column.kind in (CHOICE, BOOLEAN):
        value = column.formatter()(value)
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.strftime("%d-%m-%Y")
    return str(value)


def _diff(spec: SheetSpec, name: str, old: Any, new: Any) -> dict:
    return {
        "column": spec.header_of(name),
        "old": _shown(spec, name, old),
        "new": _shown(spec, name, new),
    }


class SheetImport:
    """The import of one sheet: `row()` for each of its rows, `finish()` after every sheet."""

    spec: SheetSpec

    def __init__(self, importer: Importer) -> None:
        self.importer = importer
        self.known = importer.lookups
        self.records = importer.records
        self.seen: dict = {}  # key -> row number, for keys that appear twice

    @property
    def errors(self) -> list[str]:
        return self.importer.result.errors

    def run(self, sheet: SheetRows) -> None:
        for reader in sheet.readers(self.errors):
            self.row(reader, reader.parse())

    def row(self, reader: RowReader, values: dict[str, Any]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """After every sheet was read without an error (the default: nothing)."""

    def duplicate(self, reader: RowReader, key, label: str) -> bool:
        if key in self.seen:
            reader.error(
                _(
                    "%(label)s staat ook al op rij %(row)s; elke sleutel mag maar één keer voorkomen."
                )
                % {"label": label, "row": self.seen[key]}
            )
            return True
        self.seen[key] = reader.number
        return False


def _differs(current: Any, read: Any) -> bool:
    """Whether a value read from the workbook changes the register's: a text as its cell
    reads it back (`as_read_back`), anything else as it is."""
    if isinstance(current, str) and isinstance(read, str):
        return as_read_back(current) != as_read_back(read)
    return current != read
