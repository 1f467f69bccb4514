"""Importing the register workbook (DESIGN.md section 9): parse, validate, apply.

Used by `import_workbook PATH [--dry-run]` and by the upload page. The import is
all-or-nothing: every row is checked, every problem is reported as `Sheet!row N: message`
(in Dutch, all of them), and only a workbook without a single problem is written, in one
transaction. A dry run does the same work and rolls it back, so its report says exactly what
the real import would create and change.

Records are matched on their natural keys (BRIN, supplier name, supplier + product name,
Kenmerk, activity name); a record is saved only when a value actually differs, so importing
the same workbook twice changes nothing and writes no history (saving.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path

from django.db import transaction

from agreements.models import Agreement
from agreements.services import is_fg
from suppliers.history import operator_reason

from ..staging import DocumentStaging, staged_documents
from .agreement_sheets import (
    AgreementsImport,
    DocumentsImport,
    NoticesImport,
    SubprocessorsImport,
)
from .lookups import Lookups
from .newer import ExportStamp, NewerInRegister
from .reading import SheetRows, read_workbook
from .register_sheets import ActivitiesImport, OrganisationImport, SchoolsImport
from .result import ImportResult
from .saving import Records, SheetImport
from .supplier_sheets import AttributesImport, FlowsImport, ProductsImport, SuppliersImport

# The sheets in dependency order: each names only records of the sheets before it.
SHEET_IMPORTS: tuple[type[SheetImport], ...] = (
    OrganisationImport,
    SchoolsImport,
    SuppliersImport,
    ProductsImport,
    AttributesImport,
    AgreementsImport,
    # Before the notices, which name the subprocessors that serve each product.
    SubprocessorsImport,
    NoticesImport,
    DocumentsImport,
    FlowsImport,
    ActivitiesImport,
)


class _Refused(Exception):
    """Raised inside the transaction to roll back a refused import or a dry run."""


class Importer:
    """Applies the sheets in dependency order; see `import_workbook()`."""

    def __init__(
        self,
        *,
        folder: Path,
        result: ImportResult,
        dry_run: bool,
        staging: DocumentStaging,
        user=None,
        operator: str | None = None,
        progress=None,
        overwrite: bool | Collection[str] = (),
    ):
        self.folder = folder
        self.result = result
        self.dry_run = dry_run
        self.user = user
        # Without a user it is the operator at the command line, who installs the register.
        self.may_record_decisions = user is None or is_fg(user)
        change_reason = operator_reason(operator) if user is None and operator else None
        self.progress = progress
        self.staging = staging
        self.lookups = Lookups()
        stamp = (
            ExportStamp(result.exported_moment, result.exported_revision)
            if result.exported_at
            else None
        )
        self.newer = NewerInRegister(stamp)
        self.records = Records(
            result=result,
            lookups=self.lookups,
            user=user,
            change_reason=change_reason,
            newer=self.newer,
            overwrite=overwrite,
        )

    def run(self, sheets: dict[str, SheetRows]) -> None:
        self.newer.start()
        self.lookups.load()
        imports = [sheet_import(self) for sheet_import in SHEET_IMPORTS]
        for sheet_import in imports:
            sheet = sheets.get(sheet_import.spec.name)
            if sheet is None:
                continue
            self.result.rows[sheet.spec.name] = len(sheet.rows)
            sheet_import.run(sheet)
            self.records.flush()
            if self.progress is not None:
                self.progress(sheet.spec.name, len(sheet.rows))
        if not self.result.errors:
            for sheet_import in imports:
                sheet_import.finish()
            self.find_lapsing_approvals()

    def find_lapsing_approvals(self) -> None:
        """Agreements whose approval held before the import but not after it."""
        if not self.lookups.approved_before:
            return
        after = Agreement.objects.filter(
            pk__in=self.lookups.approved_before
        ).with_fingerprint_content()
        for agreement in after.order_by("reference"):
            if not agreement.approval_matches_content():
                self.result.lapsing.append(agreement.reference)


def import_workbook(
    path: str | Path,
    *,
    dry_run: bool = False,
    user=None,
    operator: str | None = None,
    folder: Path | None = None,
    progress: Callable[[str, int], None] | None = None,
    sheets_found: Callable[[list[str]], None] | None = None,
    overwrite: bool | Collection[str] = (),
) -> ImportResult:
    """Import the workbook at `path`; documents are read relative to `folder` (default: the
    workbook's own folder). Nothing is written when there is any error or on a dry run.

    `user` is who imports (web, or `import_workbook --user`); without one, the import acts as
    the operator who installs the register, named `operator` in the history. Only an FG or
    the operator may bring FG decisions in (DESIGN.md 11.4).

    A row that would change a record the register changed after the workbook was exported
    (newer.py) is left alone, unless `overwrite` is True or holds the row's `Change.key`.
    `progress(sheet, rows)` is called after each sheet, `sheets_found(names)` before the
    first.

    Raises WorkbookUnreadable when the file is not a readable .xlsx workbook.
    """
    path = Path(path)
    result = ImportResult(dry_run=dry_run)
    sheets = read_workbook(path, result)
    if sheets_found is not None:
        sheets_found(
            [i.spec.name for i in SHEET_IMPORTS if i.spec.name in sheets and not result.errors]
        )
    # The PDFs reach the media folder only once the rows are committed; whatever ends the
    # import before that (an error, a timeout, a kill) leaves no file there (register/staging.py).
    with staged_documents() as staging:
        importer = Importer(
            folder=folder or path.parent,
            result=result,
            dry_run=dry_run,
            staging=staging,
            user=user,
            operator=operator,
            progress=progress,
            overwrite=overwrite,
        )
        try:
            with transaction.atomic():
                if not result.errors:
                    importer.run(sheets)
                if result.errors or dry_run:
                    raise _Refused
        except _Refused:
            pass
        else:
            staging.publish()
    return result
