"""The one declaration of the sheets is what the docs, the import page and the template show."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from register.workbook.sheets import SHEETS, markdown_table
from tests.conftest import client_for

DOC = Path(__file__).resolve().parents[2] / "docs" / "workbook.md"


def test_the_docs_table_is_the_spec():
    assert markdown_table() in DOC.read_text(), (
        "docs/workbook.md is out of date: regenerate its table as the file says"
    )


@pytest.mark.django_db
def test_the_import_page_lists_every_importable_sheet(privacy_officer):
    page = client_for(privacy_officer).get(reverse("register:workbook_import")).content.decode()
    for spec in SHEETS:
        assert (f"<dt>{spec.name}</dt>" in page) is not spec.export_only, spec.name
