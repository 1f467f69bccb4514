"""What an import found and did: the preview, the command line and the tests read it."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _

from .sheets import SHEETS

# "Verwerkingen!row 2: ..." (the command line, DESIGN.md section 8) as people read it.
_LOCATION = re.compile(r"^(?P<sheet>[^!\n]+)!row (?P<row>\d+): ")


def readable(message: str) -> str:
    """An import message as the web pages show it: "Verwerkingen, rij 2: ..."."""
    return _LOCATION.sub(
        lambda m: _("%(sheet)s, rij %(row)s: ") % {"sheet": m["sheet"], "row": m["row"]},
        str(message),
        count=1,
    )


@dataclass
class Change:
    sheet: str
    row: int
    action: str  # "created" or "changed"
    label: str
    fields: list[str] = field(default_factory=list)
    review: bool = False  # an imported FG decision (from a row of Overeenkomsten)
    # Per changed column: {"column", "old", "new"}, as text (the preview shows old -> new).
    diffs: list[dict] = field(default_factory=list)
    # {"at": ISO moment, "by": name}: the register changed this record after the workbook
    # was exported (newer.py).
    newer: dict | None = None
    # Newer in the register and not confirmed: the import leaves the record alone.
    skipped: bool = False

    @property
    def key(self) -> str:
        """How the preview's checkbox and the import name this row."""
        return f"{self.sheet}:{self.row}"

    @property
    def newer_at(self) -> datetime.datetime | None:
        return datetime.datetime.fromisoformat(self.newer["at"]) if self.newer else None


@dataclass
class ImportResult:
    dry_run: bool
    errors: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unchanged: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    # Columns a sheet does not know: not read, never dropped in silence (DESIGN.md 11.4).
    warnings: list[str] = field(default_factory=list)
    # Approvals that hold now but would lapse: the content changes after the FG's approval.
    lapsing: list[str] = field(default_factory=list)
    # When the workbook was exported (ISO), from its document properties; None: hand-made.
    exported_at: str | None = None
    exported_revision: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def applied(self) -> bool:
        return self.ok and not self.dry_run

    @property
    def created(self) -> list[Change]:
        return [c for c in self.changes if c.action == "created"]

    @property
    def changed(self) -> list[Change]:
        return [c for c in self.changes if c.action == "changed" and not c.skipped]

    @property
    def newer(self) -> list[Change]:
        """Rows the register changed after the export: confirmed (changed) or skipped."""
        return [c for c in self.changes if c.newer]

    @property
    def skipped(self) -> list[Change]:
        return [c for c in self.changes if c.skipped]

    @property
    def exported_moment(self) -> datetime.datetime | None:
        return datetime.datetime.fromisoformat(self.exported_at) if self.exported_at else None

    def as_json(self) -> dict:
        """Everything the preview shows, as JSON (stored beside the upload)."""
        return {
            "dry_run": self.dry_run,
            "errors": [str(error) for error in self.errors],
            "changes": [asdict(change) for change in self.changes],
            "unchanged": dict(self.unchanged),
            "rows": dict(self.rows),
            "notes": [str(note) for note in self.notes],
            "warnings": [str(warning) for warning in self.warnings],
            "lapsing": [str(reference) for reference in self.lapsing],
            "exported_at": self.exported_at,
            "exported_revision": self.exported_revision,
        }

    @classmethod
    def from_json(cls, data: dict) -> ImportResult:
        return cls(
            dry_run=bool(data.get("dry_run", True)),
            errors=list(data["errors"]),
            changes=[Change(**change) for change in data["changes"]],
            unchanged=Counter(data["unchanged"]),
            rows=Counter(data["rows"]),
            notes=list(data["notes"]),
            warnings=list(data["warnings"]),
            lapsing=list(data["lapsing"]),
            exported_at=data.get("exported_at"),
            exported_revision=data.get("exported_revision"),
        )

    def readable_errors(self) -> list[str]:
        return [readable(error) for error in self.errors]

    def summary(self) -> list[dict]:
        """Per sheet: rows read, created, changed, unchanged (for the preview and the CLI)."""
        created = Counter(c.sheet for c in self.created if not c.review)
        changed = Counter(c.sheet for c in self.changed)
        skipped = Counter(c.sheet for c in self.skipped)
        # The data rows with an error ("Sheet!row N: ..."; row 1 is the header), so that the
        # columns add up to the rows read.
        failed = Counter(
            sheet
            for sheet, row in {
                (found["sheet"], found["row"])
                for found in map(_LOCATION.match, map(str, self.errors))
                if found and found["row"] != "1"
            }
        )
        lines = [
            {
                "sheet": spec.name,
                "rows": self.rows[spec.name],
                "created": created[spec.name],
                "changed": changed[spec.name],
                "unchanged": self.unchanged[spec.name],
                "skipped": skipped[spec.name],
                "failed": failed[spec.name],
            }
            for spec in SHEETS
            if spec.name in self.rows
        ]
        reviews = sum(1 for c in self.changes if c.review)
        if reviews:
            lines.append(
                {
                    "sheet": _("Besluiten FG (uit Overeenkomsten)"),
                    "rows": None,
                    "created": reviews,
                    "changed": 0,
                    "unchanged": None,
                    "skipped": 0,
                    "failed": 0,
                }
            )
        return lines
