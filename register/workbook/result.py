"""What an import found and did: the preview, the command line and the tests read it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .sheets import SHEETS


@dataclass
class Change:
    sheet: str
    row: int
    action: str  # "created" or "changed"
    label: str
    fields: list[str] = field(default_factory=list)
    review: bool = False  # an imported FG decision (from a row of Overeenkomsten)


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
        return [c for c in self.changes if c.action == "changed"]

    def summary(self) -> list[dict]:
        """Per sheet: rows read, created, changed, unchanged (for the preview and the CLI)."""
        created = Counter(c.sheet for c in self.created if not c.review)
        changed = Counter(c.sheet for c in self.changed)
        lines = [
            {
                "sheet": spec.name,
                "rows": self.rows[spec.name],
                "created": created[spec.name],
                "changed": changed[spec.name],
                "unchanged": self.unchanged[spec.name],
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
                }
            )
        return lines
