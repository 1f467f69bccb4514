"""The sheets and columns of the register workbook (DESIGN.md section 9), declared once.

Each column says its header, the field it fills, its kind (how a cell is read and how a value
is written), whether it is required and its enumeration. The import (reading.py and the sheet
modules), the export (export.py), the warning for a column a sheet does not know and the
column list on the import page all read these specs. A column whose cell goes straight into a
model field (`assign`) needs nothing else: the import sets it and the export reads it.
A column the sheet resolves itself (a supplier by name, a list of products) is declared here
too, with `assign=False`, and its sheet's import and export say what it means.

The sheet and column names are a contract: add, never rename.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from django.db import models
from django.utils import timezone

from agreements.models import (
    AgreementModel,
    AgreementStatus,
    Decision,
    DocumentKind,
    InvalidLocation,
    SafeguardKind,
    parse_locations,
    split_locations,
)
from suppliers.models import (
    AccessChannel,
    AttributeCategory,
    AttributeStandard,
    Channel,
    ConvenantStatus,
    DataSubject,
    LifecycleStatus,
    ProductKind,
    without_spaces,
)

from ..models import DpiaStatus, LegalBasis, Sector

# An empty cell of an enumeration without an empty choice: keep the record's value (a new
# record gets the model's default).
KEEP = object()

YES, NO = "ja", "nee"
YES_NO = (YES, NO)
LIST_SEPARATOR = "; "
# Bijsluiters!Attributen must be filled; a notice that agrees no attribute at all says so.
NO_ATTRIBUTES = "geen"

# How a cell is read (reading.RowReader.parse) and written (Column.formatter).
TEXT, ITEMS, DATE, BOOLEAN, CHOICE = "text", "items", "date", "boolean", "choice"
# A list of enumeration values in one cell (Verwerkingen!Grondslag), stored as a list.
CHOICE_LIST = "choice_list"
_EMPTY = {TEXT: "", ITEMS: [], DATE: None, BOOLEAN: None, CHOICE: KEEP, CHOICE_LIST: []}


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # the model field it fills, or the key the sheet's import and export use
    kind: str = TEXT
    required: bool = False
    choices: type[models.Choices] | tuple[str, ...] | None = None
    # The value of an empty cell; None means the kind's own (see _EMPTY).
    empty: Any = None
    # `field` is a model field: the import sets it from the parsed cell, the export reads it.
    assign: bool = True
    # Part of the record's natural key: the import finds the record by it (and sets it only
    # on a new record); the export reads it.
    key: bool = False
    # Applied to the text of the cell before it is used (e.g. a code without spaces).
    clean: Callable[[str], str] | None = None
    width: int = 18

    @property
    def wraps(self) -> bool:
        """Long text wraps in its cell when the workbook is printed (the wide columns; a
        cell of its own each, so not the names of the big sheets)."""
        return self.kind in (TEXT, ITEMS, CHOICE_LIST) and self.width >= 40

    @property
    def empty_value(self) -> Any:
        return _EMPTY[self.kind] if self.empty is None else self.empty

    def labels(self) -> list[str]:
        """The labels a spreadsheet offers for this column (the UI's, as the export writes)."""
        if isinstance(self.choices, tuple):
            return list(self.choices)
        return [str(label) for label in self.choices.labels] if self.choices else []

    @property
    def codes(self) -> list[str]:
        """The values the import takes (besides their labels), as the docs list them."""
        if isinstance(self.choices, tuple):
            return list(self.choices)
        return [str(value) for value in self.choices.values] if self.choices else []

    def formatter(self) -> Callable[[Any], Any]:
        """value -> cell value; built once per export (a choice's labels as one dict)."""
        if self.kind == CHOICE:
            labels = {code: str(label) for code, label in self.choices.choices}
            # Like get_<field>_display(): a value outside the choices is shown as it is.
            return lambda value: labels.get(value, value)
        if self.kind == CHOICE_LIST:
            labels = {code: str(label) for code, label in self.choices.choices}
            return lambda codes: join(labels.get(c, c) for c in codes) if codes else None
        if self.kind == BOOLEAN:
            return yes_no
        if self.kind == ITEMS:
            return lambda items: join(items) if items else None
        return identity


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[Column, ...]
    export_only: bool = False
    # Every text cell wraps (a small sheet that is read on paper: Verwerkingen).
    wrap_all: bool = False

    @cached_property
    def wraps(self) -> list[bool]:
        """Per column: whether its text wraps when printed."""
        text_kinds = (TEXT, ITEMS, CHOICE_LIST)
        return [c.wraps or (self.wrap_all and c.kind in text_kinds) for c in self.columns]

    @cached_property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @cached_property
    def assigned(self) -> tuple[Column, ...]:
        """The columns whose cell the import sets on a model field of the same name."""
        return tuple(c for c in self.columns if c.assign and not c.key)

    @cached_property
    def stored(self) -> tuple[Column, ...]:
        """The columns the export reads from a model field of the same name."""
        return tuple(c for c in self.columns if c.assign)

    def header_of(self, field: str, default: str | None = None) -> str:
        """The column header of a field (for messages); `default` (else the field itself)
        when no column fills it."""
        found = next((c.header for c in self.columns if c.field == field), None)
        return found or (field if default is None else default)

    def row(self, record: dict[str, Any], formatters: list) -> list[Any]:
        """A record (field -> value) as the sheet's row of cell values."""
        return [format_(record.get(field)) for field, format_ in formatters]

    def formatters(self) -> list[tuple[str, Callable[[Any], Any]]]:
        return [(c.field, c.formatter()) for c in self.columns]


def reviewer_name(review) -> str:
    """The FG's name as the Overeenkomsten sheet's “FG” column gives it."""
    if review.reviewer_name:
        return review.reviewer_name
    return review.reviewer.get_full_name() if review.reviewer_id else ""


def local_date(moment: datetime.datetime | None) -> datetime.date | None:
    """The day of a moment as the sheets show it (FG-besluit op): in the local time zone."""
    return timezone.localtime(moment).date() if moment else None


def yes_no(value: bool | None) -> str | None:
    return None if value is None else (YES if value else NO)


def join(items: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(items)


def identity(value: Any) -> Any:
    """A column's formatter when the value is the cell's as it is."""
    return value


# Column constructors, so that each line below reads as the contract does.


def text(header: str, field: str, *, width: int = 18, **options: Any) -> Column:
    return Column(header, field, TEXT, width=width, **options)


def items(header: str, field: str, *, width: int = 40, **options: Any) -> Column:
    """A list cell (`;`-separated) that the sheet resolves (products, schools, attributes)."""
    return Column(header, field, ITEMS, width=width, assign=False, **options)


def date(header: str, field: str, *, width: int = 12, **options: Any) -> Column:
    return Column(header, field, DATE, width=width, **options)


def boolean(header: str, field: str, *, width: int = 10, **options: Any) -> Column:
    return Column(header, field, BOOLEAN, choices=YES_NO, width=width, **options)


def choice(header: str, field: str, choices: type[models.Choices], **options: Any) -> Column:
    return Column(header, field, CHOICE, choices=choices, **options)


def choice_list(header: str, field: str, choices: type[models.Choices], **options: Any) -> Column:
    """A `;`-separated list of enumeration values that fills a list field."""
    return Column(header, field, CHOICE_LIST, choices=choices, **options)


def required(column: Column) -> Column:
    return replace(column, required=True)


def canonical_locations(value: str) -> str:
    """ "nl,be" as stored ("NL, BE"); a value with an unknown item is left for the sheet's
    import to refuse with its row."""
    try:
        return ", ".join(parse_locations(value))
    except InvalidLocation:
        return value


def locations_cell(countries: str) -> str:
    """The stored "NL, BE" as a list cell ("NL; BE")."""
    return join(split_locations(countries))


def _brin(value: str) -> str:
    return value.upper().replace(" ", "")


# DESIGN.md section 9, in this order. Columns after the contract's are additions (allowed:
# "add, never rename"): they keep a round trip lossless.
ORGANISATION = SheetSpec(
    "Organisatie",
    (
        required(text("Naam", "name", width=40)),
        text("Contact", "contact", width=50),
        text("FG", "fg_name", width=30),
        text("FG-contact", "fg_contact", width=40),
        text("Bestuursnummer", "board_number", width=16, clean=without_spaces),
        text("KvK-nummer", "kvk_number", width=12, clean=without_spaces),
    ),
)
SCHOOLS = SheetSpec(
    "Scholen",
    (
        required(text("BRIN", "brin", width=10, clean=_brin, key=True)),
        required(text("Naam", "name", width=40)),
        choice("Sector", "sector", Sector, empty="", width=30),
    ),
)
SUPPLIERS = SheetSpec(
    "Leveranciers",
    (
        required(text("Naam", "name", width=30, key=True)),
        text("KvK-nummer", "kvk_number", width=12, clean=without_spaces),
        text("Website", "website", width=30),
        text("Privacycontact", "privacy_contact", width=30),
        # DESIGN.md 11.2: an empty cell is "onbekend" (not known), never "geen" (an answer).
        choice("Convenant", "convenant", ConvenantStatus, empty=ConvenantStatus.UNKNOWN, width=14),
    ),
)
PRODUCTS = SheetSpec(
    "Producten",
    (
        required(text("Naam", "name", width=30, key=True)),
        required(text("Leverancier", "supplier", width=30, assign=False)),
        choice("Soort", "kind", ProductKind, width=22),
        choice("Toegang", "access_channel", AccessChannel),
        required(choice("Status", "status", LifecycleStatus, width=14)),
        boolean("Persoonsgegevens", "processes_personal_data", empty=True),
        items("Scholen", "schools", width=24),
    ),
)
# DESIGN.md 11.4: the vocabulary, before the sheets that name attributes by their code. An
# empty cell keeps the attribute's value (a new attribute gets the model's default).
ATTRIBUTES = SheetSpec(
    "Attributen",
    (
        # The label first, for people (issue 17); the import finds an attribute by its code.
        required(text("Label", "label", width=50)),
        required(text("Code", "code", width=28, key=True)),
        choice("Categorie", "category", AttributeCategory, width=22),
        choice("Standaard", "standard", AttributeStandard, width=16),
        boolean("Gevoelig", "sensitive", empty=KEEP),
        boolean("Bijzonder", "special", empty=KEEP),
        boolean("ARP", "needs_arp", empty=KEEP),
    ),
)
AGREEMENTS = SheetSpec(
    "Overeenkomsten",
    (
        required(text("Kenmerk", "reference", width=16, key=True)),
        required(text("Leverancier", "supplier", width=28, assign=False)),
        required(items("Producten", "products")),
        choice("Model", "model", AgreementModel, width=24),
        date("Getekend op", "signed_on"),
        date("Ingangsdatum", "starts_on"),
        date("Einddatum", "ends_on"),
        text("Doeleinden", "purposes", width=40),
        text("Betrokkenen", "data_subjects", width=24),
        text("Bewaartermijn", "retention", width=30),
        text("Verwerkingslocatie", "processing_locations", width=24),
        boolean("Doorgifte buiten EER", "transfer_outside_eea", empty=False),
        text("Waarborg doorgifte", "transfer_safeguard", width=30),
        items("Attributen", "attributes"),
        # Moved through Agreement.set_status, never assigned (agreement_sheets.py).
        required(choice("Status", "status", AgreementStatus, width=18)),
        date("FG-besluit op", "decided_on", assign=False),
        text("FG", "reviewer", width=24, assign=False),
        boolean("Akkoord actueel", "current", assign=False),
        choice("Besluit FG", "decision", Decision, empty="", width=18, assign=False),
        text("Toelichting FG", "comment", width=40, assign=False),
        text("Getekend door", "signed_by", width=24),
        text("Reden beëindiging", "status_reason", width=30),
        text("DVO-kenmerk", "dvo_reference", width=18),
    ),
)
NOTICES = SheetSpec(
    "Bijsluiters",
    (
        required(text("Overeenkomst", "agreement", width=16, assign=False)),
        required(text("Product", "product", width=30, assign=False)),
        required(items("Attributen", "attributes", width=50)),
        text("Doeleinden", "purposes", width=40),
        text("Betrokkenen", "data_subjects", width=24),
        text("Bewaartermijn", "retention", width=30),
        text("Verwerkingslocatie", "processing_locations", width=24),
        # Names of the agreement's subprocessors; "Naam (Dienst)" where a name is not unique.
        items("Subverwerkers", "subprocessors", width=40),
    ),
)
SUBPROCESSORS = SheetSpec(
    "Subverwerkers",
    (
        required(text("Overeenkomst", "agreement", width=16, assign=False)),
        required(text("Naam", "name", width=30, key=True)),
        # With the name, the natural key: one subprocessor may serve in two roles.
        text("Dienst", "service", width=24, key=True),
        # A list ("NL; BE", "EER", "wereldwijd"); read and checked by the sheet's import.
        text("Land", "countries", width=14, clean=canonical_locations),
        text("Waarborg", "safeguard", width=40),
        text("Hoofdvestiging", "headquarters", width=8, clean=str.upper),
        choice("Soort waarborg", "safeguard_kind", SafeguardKind, empty="", width=22),
    ),
)
DOCUMENTS = SheetSpec(
    "Documenten",
    (
        required(text("Overeenkomst", "agreement", width=16, assign=False)),
        choice("Soort", "kind", DocumentKind, empty=DocumentKind.AGREEMENT, width=22),
        required(text("Bestand", "file", width=48, assign=False)),
        text("Sha256", "sha256", width=66, clean=str.lower, assign=False),
    ),
)
FLOWS = SheetSpec(
    "Gegevensstromen",
    (
        required(text("Product", "product", width=30, assign=False)),
        required(text("Leverancier", "supplier", width=30, assign=False)),
        required(text("Attribuut", "attribute", width=28, assign=False)),
        required(choice("Kanaal", "channel", Channel, empty="", key=True)),
        # DESIGN.md 11.2: whose data (one channel may carry pupils' and parents' mail); an
        # absent column or empty cell is a pupil's, as the flows were before the column.
        choice("Betrokkene", "subject", DataSubject, empty=DataSubject.PUPIL, key=True),
        text("Toelichting", "note", width=30),
    ),
)
ACTIVITIES = SheetSpec(
    "Verwerkingen",
    (
        required(text("Naam", "name", width=30, key=True)),
        text("Doeleinden", "purposes", width=40),
        choice_list("Grondslag", "legal_bases", LegalBasis, width=30),
        text("Betrokkenen", "data_subjects", width=24),
        text("Persoonsgegevens", "personal_data", width=40),
        text("Ontvangers", "recipients", width=30),
        text("Doorgifte derde landen", "third_country_transfers", width=24),
        text("Bewaartermijn", "retention", width=30),
        text("Beveiligingsmaatregelen", "security_measures", width=40),
        items("Producten", "products"),
        text("Uitzondering art. 9", "special_category_exception", width=30),
        choice("DPIA", "dpia", DpiaStatus, empty="", width=16),
        date("Laatst beoordeeld", "last_reviewed_on"),
        # Art. 30(1)(a) on every row (export; the Organisatie sheet is what the import reads).
        text("Verwerkingsverantwoordelijke", "controller", width=40, assign=False),
    ),
    wrap_all=True,
)
FLAGS = SheetSpec(
    "Signaleringen",
    (
        # The label for people; the code, for tools, stays in the last column (issue 17).
        text("Signalering", "label", width=40),
        text("Ernst", "severity", width=8),
        text("Product", "product", width=26),
        text("Leverancier", "supplier", width=26),
        text("Overeenkomst", "agreement", width=16),
        text("Attribuut", "attribute", width=20),
        text("Melding", "message", width=80),
        text("Verwerking", "activity", width=26),
        text("Code", "code", width=24),
    ),
    export_only=True,
)
LEVEL = SheetSpec(
    "Niveau",
    (
        text("Niveau", "level", width=8),
        text("Criterium", "criterion", width=50),
        text("Voldaan", "met", width=9),
        text("Toelichting", "detail", width=80),
    ),
    export_only=True,
)

SHEETS: tuple[SheetSpec, ...] = (
    ORGANISATION,
    SCHOOLS,
    SUPPLIERS,
    PRODUCTS,
    ATTRIBUTES,
    AGREEMENTS,
    NOTICES,
    SUBPROCESSORS,
    DOCUMENTS,
    FLOWS,
    ACTIVITIES,
    FLAGS,
    LEVEL,
)
SHEETS_BY_NAME = {sheet.name: sheet for sheet in SHEETS}
# A hidden sheet of the export holding the drop-down lists whose labels contain a comma (a
# list typed into a validation is split at its commas). The import passes it by in silence.
CHOICE_LISTS_SHEET = "Keuzelijsten"

# The enumerations a spreadsheet offers as a drop-down (the UI labels, as the export writes
# them). The import also takes codes, so the drop-down suggests but does not refuse.
DROPDOWNS: dict[tuple[str, str], type[models.Choices] | tuple[str, ...]] = {
    (spec.name, column.header): column.choices
    for spec in SHEETS
    for column in spec.columns
    if column.choices
}


def markdown_table() -> str:
    """The sheets and their columns as the table in docs/workbook.md."""
    lines = ["| sheet | columns |", "|---|---|"]
    for spec in SHEETS:
        cells = []
        for column in spec.columns:
            cell = f"{column.header}{'*' if column.required else ''}"
            if column.codes:
                cell += f" ({' / '.join(column.codes)})"
            cells.append(cell)
        name = f"`{spec.name}`" + (" (export only)" if spec.export_only else "")
        lines.append(f"| {name} | {', '.join(cells)} |")
    return "\n".join(lines) + "\n"
