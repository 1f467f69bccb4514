"""The register workbook (DESIGN.md section 9): one .xlsx, exported and imported.

sheets.py declares every sheet and column once; reading.py opens a workbook safely and parses
its cells; importer.py runs the sheets' imports (register_sheets.py, supplier_sheets.py,
agreement_sheets.py) in order, all or nothing; export.py writes the workbook.
"""

from .agreement_sheets import OUTDATED_FINGERPRINT
from .importer import import_workbook
from .reading import WorkbookUnreadable, unpacked_upload
from .result import Change, ImportResult

__all__ = [
    "OUTDATED_FINGERPRINT",
    "Change",
    "ImportResult",
    "WorkbookUnreadable",
    "import_workbook",
    "unpacked_upload",
]
