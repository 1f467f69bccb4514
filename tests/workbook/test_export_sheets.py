"""What a user sees in the export's big sheets: every row, in order, with the Dutch labels."""

from __future__ import annotations

from collections import Counter

import pytest

from register.demo import load_demo
from register.workbook.export import export_register
from register.workbook.sheets import DROPDOWNS
from suppliers.models import Attribute, Channel, DataFlow, LifecycleStatus, ProductKind
from tests.conftest import make_product, make_supplier

from .conftest import as_dicts, read_sheets

pytestmark = pytest.mark.django_db


def test_every_enumeration_column_shows_the_dutch_label_never_the_code(tmp_path):
    load_demo()
    path = tmp_path / "register.xlsx"
    export_register(path)
    sheets = read_sheets(path)
    checked = 0
    for (sheet, column), choices in DROPDOWNS.items():
        labels = set(choices) if isinstance(choices, tuple) else {str(c) for c in choices.labels}
        # A list of enumeration values (Verwerkingen!Grondslag) holds labels separated by "; ".
        cells = {row[column] for row in as_dicts(sheets, sheet)} - {None}
        values = {value for cell in cells for value in str(cell).split("; ")}
        assert values <= labels, (sheet, column, values - labels)
        checked += len(values)
    assert checked > 20
    flows = as_dicts(sheets, "Gegevensstromen")
    assert {"Entree Federatie", "Basispoort"} <= {row["Kanaal"] for row in flows}
    product = next(r for r in as_dicts(sheets, "Producten") if r["Naam"] == "Kompas LAS")
    assert (product["Soort"], product["Status"]) == ("Leerlingadministratie (LAS)", "In gebruik")


def test_a_data_flow_sheet_larger_than_one_read_chunk_is_complete_and_ordered(tmp_path):
    # 16 products x 27 attributes x 5 channels = 2,160 flows: more than one chunk of 2,000.
    attributes = list(Attribute.objects.order_by("sort_order", "code")[:27])
    products = []
    for supplier_name in ("Zeta Leermiddelen", "Alfa Toetsen", "Midden BV", "Beta Onderwijs"):
        supplier = make_supplier(supplier_name)
        for product_name in ("Rekenen", "Taal", "Aardrijkskunde", "Wiskunde"):
            products.append(
                make_product(
                    product_name,
                    supplier=supplier,
                    kind=ProductKind.TEST,
                    status=LifecycleStatus.IN_USE,
                )
            )
    DataFlow.objects.bulk_create(
        DataFlow(product=product, attribute=attribute, channel=channel)
        for product in products
        for attribute in attributes
        for channel in Channel.values
    )
    assert DataFlow.objects.count() == 2160

    path = tmp_path / "register.xlsx"
    export_register(path)
    rows = as_dicts(read_sheets(path), "Gegevensstromen")

    labels = {code: str(label) for code, label in Channel.choices}
    expected = Counter(
        (product.name, product.supplier.name, attribute.code, labels[channel])
        for product in products
        for attribute in attributes
        for channel in Channel.values
    )
    exported = [(r["Product"], r["Leverancier"], r["Attribuut"], r["Kanaal"]) for r in rows]
    assert Counter(exported) == expected  # every flow once, with its Dutch channel label
    # Ordered by supplier, product and the attribute's place in the vocabulary.
    position = {a.code: i for i, a in enumerate(attributes)}
    keys = [(supplier, product, position[code]) for product, supplier, code, _ in exported]
    assert keys == sorted(keys)
    assert exported[0][:3] == ("Aardrijkskunde", "Alfa Toetsen", attributes[0].code)
    assert exported[-1][:3] == ("Wiskunde", "Zeta Leermiddelen", attributes[-1].code)
