"""The register's rules: flags (DESIGN.md section 5), the procurement verdict (section 6)
and the condition level (section 7).

Set-based queries in, plain values out: every rule reads the register in a fixed number
of queries, whatever its size, and is the single source for pages, commands and exports.

Public API (import from `register.rules`):
- `compute_flags(today=None) -> list[Flag]`                   (rules/flags.py)
- `Flag` with `code`, `severity`, `product`, `supplier`, `agreement`, `attribute`,
  `activity`, `message` and `as_json()` giving the contract keys of `flags --json`
- `matching_flags(flags, severity=, code=, missing=)`: the dashboard's (and the API's) filter
- `verdict_for(name, supplier=None, today=None) -> Verdict`   (rules/verdict.py), with
  `as_json()` giving the contract keys of `check_product --json`
- `compute_level(today=None, flags=None) -> LevelResult`      (rules/level.py), with
  `as_json()` giving the contract keys of `condition_level --json`, and
  `level_rows(result)` giving the rows of the workbook's `Niveau` sheet
"""

from . import flags as _flags
from .flags import *  # noqa: F403 (the names of flags.__all__)
from .level import LevelResult, compute_level, level_rows
from .verdict import Verdict, verdict_for, verdict_for_product

__all__ = [
    *_flags.__all__,
    "LevelResult",
    "compute_level",
    "level_rows",
    "Verdict",
    "verdict_for",
    "verdict_for_product",
]
