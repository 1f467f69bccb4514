"""Fuzzing the workbook import: whatever the file, the import ends in a clear error or a
clean import, never in an unhandled exception, and a refused import writes nothing.

CI runs a bounded number of examples (25 per property); the longer run documented in the
README (section Security) sets FUZZ_EXAMPLES:

    FUZZ_EXAMPLES=1000 .venv/bin/python -m pytest tests/security/test_fuzz_import.py -p no:warnings
"""

from __future__ import annotations

import datetime
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from agreements.models import Agreement, Document, Review
from register.models import ProcessingActivity, School
from register.workbook import WorkbookUnreadable, import_workbook, unpacked_upload
from register.workbook.sheets import SHEETS
from suppliers.models import Attribute, DataFlow, Product, Supplier

from ..conftest import make_agreement, make_product, make_supplier

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ERROR_LINE = re.compile(r"^[A-Za-z]+!row \d+: \S.*", re.DOTALL)
IMPORT_SHEETS = [spec for spec in SHEETS if not spec.export_only]
MODELS = [Supplier, Product, DataFlow, Agreement, Document, Review, School, ProcessingActivity]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def existing(db):
    """Some register rows for the fuzzed names to collide with."""
    supplier = make_supplier("Uitgeverij Noorderlicht")
    product = make_product("Rekentuin", supplier)
    make_agreement([product], reference="VO-1", attributes=("eckId",))
    return supplier


def state() -> dict[str, int]:
    return {model.__name__: model._base_manager.count() for model in MODELS}


def check_import(path: Path) -> None:
    """The contract: a clear refusal (nothing written) or a clean import."""
    before = state()
    try:
        result = import_workbook(path, folder=path.parent)
    except WorkbookUnreadable as error:
        message = str(error)
        assert message.strip() and "Traceback" not in message
        assert state() == before
        return
    if result.errors:
        for line in result.errors:
            assert ERROR_LINE.match(str(line)), line
        assert state() == before
    for note in result.notes:
        assert str(note).strip()


# --- strategies ------------------------------------------------------------------------------

attribute_codes = st.sampled_from(["eckId", "givenName", "sn", "mail", "geen_attribuut", "ECKID"])
enum_words = st.sampled_from(
    [
        "in_gebruik",
        "In gebruik",
        "voorgesteld",
        "goedgekeurd",
        "concept",
        "ter_beoordeling",
        "beeindigd",
        "ja",
        "nee",
        "entree",
        "deelnemer",
        "po",
        "vo",
        "overeenkomst",
        "convenant_4",
        "onbekend",
        "",
    ]
)
dates = st.one_of(
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2200, 12, 31)),
    st.datetimes(min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2200, 1, 1)),
    st.sampled_from(["2024-02-30", "31-12-2024", "2024-13-01", "gisteren", "0000-00-00"]),
)
formulas = st.sampled_from(
    [
        "=1+1",
        '=HYPERLINK("http://evil.example","klik")',
        "=cmd|' /C calc'!A0",
        "+SUM(A1:A2)",
        "-2+3",
        "@SUM(1)",
        "=A1",
        "=1/0",
    ]
)
markup = st.sampled_from(
    ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "Naam; <b>vet</b>;;"]
)
huge = st.sampled_from([255, 256, 1000, 33_000, 100_000]).map(lambda n: "x" * n)
unicode_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=40
)
cell = st.one_of(
    st.none(),
    unicode_text,
    enum_words,
    attribute_codes,
    st.lists(attribute_codes, max_size=4).map(";".join),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    dates,
    formulas,
    markup,
    huge,
    st.sampled_from(["Uitgeverij Noorderlicht", "Rekentuin", "VO-1", "12AB", "../geheim.pdf"]),
)


@st.composite
def sheets(draw):
    """A list of (title, rows, merges) close enough to the contract to reach deep code."""
    chosen = draw(st.lists(st.sampled_from(IMPORT_SHEETS), max_size=5, unique_by=lambda s: s.name))
    result = []
    for spec in chosen:
        title = draw(st.sampled_from([spec.name, spec.name.upper(), f" {spec.name.lower()} "]))
        headers = draw(st.permutations(spec.headers))
        headers = headers[: draw(st.integers(min_value=0, max_value=len(headers)))]
        extra = draw(st.lists(st.one_of(st.none(), unicode_text, formulas), max_size=2))
        header_row = [*headers, *extra]
        width = max(len(header_row), 1)
        rows = draw(
            st.lists(st.lists(cell, min_size=0, max_size=width + 1), min_size=0, max_size=6)
        )
        merges = draw(
            st.lists(
                st.tuples(
                    st.integers(1, 6), st.integers(1, width), st.integers(0, 2), st.integers(0, 2)
                ),
                max_size=2,
            )
        )
        result.append((title, [header_row, *rows], merges))
    junk = draw(st.lists(unicode_text.filter(lambda t: 0 < len(t.strip()) <= 31), max_size=1))
    for name in junk:
        result.append((name, [["x"]], []))
    return result


def write(path: Path, content) -> bool:
    workbook = Workbook()
    workbook.remove(workbook.active)
    used = set()
    try:
        for title, rows, merges in content:
            safe = re.sub(r"[\[\]:*?/\\]", "_", title)[:31] or "Blad"
            if safe.lower() in used:
                continue
            used.add(safe.lower())
            sheet = workbook.create_sheet(safe)
            for row in rows:
                sheet.append(row)
            for top, left, down, right in merges:
                if down or right:
                    sheet.merge_cells(
                        start_row=top,
                        start_column=left,
                        end_row=top + down,
                        end_column=left + right,
                    )
        if not workbook.worksheets:
            workbook.create_sheet("Leeg")
        workbook.save(path)
    except (IllegalCharacterError, ValueError):
        return False  # openpyxl itself will not write this; not a workbook anyone can send
    return True


# --- the properties ----------------------------------------------------------------------------


@FUZZ
@given(content=sheets())
def test_a_malformed_workbook_ends_in_a_clear_error_or_a_clean_import(existing, content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "werkmap.xlsx"
        assume(write(path, content))
        check_import(path)


def valid_xlsx_bytes() -> bytes:
    workbook = Workbook()
    workbook.active.title = "Leveranciers"
    workbook.active.append(["Naam"])
    workbook.active.append(["Uitgeverij Fuzz"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


VALID = valid_xlsx_bytes()


@st.composite
def broken_files(draw) -> bytes:
    kind = draw(st.sampled_from(["bytes", "truncated", "flipped", "zip", "member"]))
    if kind == "bytes":
        return draw(st.binary(max_size=2048))
    if kind == "truncated":
        return VALID[: draw(st.integers(0, len(VALID) - 1))]
    if kind == "flipped":
        data = bytearray(VALID)
        for _ in range(draw(st.integers(1, 20))):
            index = draw(st.integers(0, len(data) - 1))
            data[index] = draw(st.integers(0, 255))
        return bytes(data)
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(VALID and io.BytesIO(VALID)) as source,
        zipfile.ZipFile(buffer, "w") as out,
    ):
        for item in source.infolist():
            payload = source.read(item.filename)
            if kind == "member" and item.filename.startswith("xl/worksheets/"):
                payload = draw(st.binary(max_size=512))
            if kind == "zip" and draw(st.booleans()):
                continue
            out.writestr(item.filename, payload)
    return buffer.getvalue()


@FUZZ
@given(data=broken_files())
def test_a_file_that_is_not_a_workbook_ends_in_a_clear_error(existing, data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "werkmap.xlsx"
        path.write_bytes(data)
        check_import(path)


# --- the named cases, always run ----------------------------------------------------------------


def command(path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_workbook", str(path), stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-1.4 not a workbook", b"Naam;Leverancier\nx;y\n", b"PK\x03\x04broken"],
    ids=["0-byte", "pdf", "csv", "broken-zip"],
)
def test_the_command_refuses_a_non_workbook_with_a_dutch_message(existing, tmp_path, data):
    path = tmp_path / "werkmap.xlsx"
    path.write_bytes(data)
    before = state()
    with pytest.raises(CommandError, match="geen leesbare Excel-werkmap"):
        command(path)
    assert state() == before


def test_formulas_are_imported_as_text_or_refused_never_evaluated(existing, tmp_path):
    path = tmp_path / "werkmap.xlsx"
    write(path, [("Leveranciers", [["Naam", "Website"], ["=1+1", '=HYPERLINK("x")']], [])])
    code, output = command(path)
    if code == 0:
        assert not Supplier.objects.filter(name="2").exists()
    else:
        assert "Leveranciers!row 2" in output


def test_a_huge_cell_is_refused_with_a_row_number(existing, tmp_path):
    path = tmp_path / "werkmap.xlsx"
    write(path, [("Leveranciers", [["Naam"], ["x" * 100_000]], [])])
    before = state()
    code, output = command(path)
    assert code == 1
    assert "Leveranciers!row 2" in output
    assert state() == before


def test_merged_header_and_data_cells_do_not_crash(existing, tmp_path):
    path = tmp_path / "werkmap.xlsx"
    write(
        path,
        [
            (
                "Producten",
                [
                    ["Naam", "Leverancier", "Status"],
                    ["Tafels", "Uitgeverij Noorderlicht", "in_gebruik"],
                    ["Breuken", None, None],
                ],
                [(1, 1, 0, 1), (2, 2, 1, 0)],
            )
        ],
    )
    code, output = command(path)
    assert code in (0, 1)
    if code == 1:
        assert all(ERROR_LINE.match(line) for line in output.splitlines() if "!row" in line)


def test_a_workbook_without_known_sheets_changes_nothing(existing, tmp_path):
    path = tmp_path / "werkmap.xlsx"
    write(path, [("Blad1", [["a", "b"], [1, 2]], [])])
    before = state()
    code, output = command(path)
    assert code == 0
    assert "onbekend" in output
    assert state() == before


def test_unicode_names_round_trip_exactly(existing, tmp_path):
    name = "Ūñíçødé 教材 🚀 Ωmega\u200b"
    path = tmp_path / "werkmap.xlsx"
    write(path, [("Leveranciers", [["Naam"], [name]], [])])
    code, output = command(path)
    assert code == 0, output
    assert (
        Supplier.objects.filter(name=name.strip()).exists()
        or Supplier.objects.filter(name=name).exists()
    )
    assert Attribute.objects.exists()


member_names = st.one_of(
    st.sampled_from(
        [
            "werkmap.xlsx",
            "docs/vo.pdf",
            "../vo.pdf",
            "../../etc/cron.d/x",
            "/tmp/absoluut.pdf",
            "C:\\Windows\\vo.pdf",
            "..\\vo.pdf",
            "__MACOSX/._werkmap.xlsx",
            "~$werkmap.xlsx",
            "a/../../b.pdf",
            "",
        ]
    ),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30),
)


@st.composite
def uploaded_zips(draw) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member in draw(st.lists(member_names, max_size=5, unique=True)):
            payload = draw(st.sampled_from([VALID, b"%PDF-1.4\n%%EOF\n", b"", b"rommel"]))
            try:
                archive.writestr(member, payload)
            except (ValueError, IndexError, UnicodeEncodeError):
                continue  # zipfile itself refuses to write such a name
    return buffer.getvalue()


@FUZZ
@given(data=uploaded_zips())
def test_an_uploaded_zip_never_writes_outside_its_folder_or_crashes(existing, data):
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        upload = root / "upload.bin"
        upload.write_bytes(data)
        outside_before = set(Path(tempfile.gettempdir()).glob("absoluut.pdf"))
        before = state()
        try:
            with unpacked_upload(upload) as (workbook, folder):
                assert Path(workbook).resolve().is_relative_to(Path(folder).resolve())
                check_import(Path(workbook))
        except WorkbookUnreadable as error:
            assert str(error).strip()
            assert state() == before
        assert set(Path(tempfile.gettempdir()).glob("absoluut.pdf")) == outside_before
        assert not (root.parent / "vo.pdf").exists()
