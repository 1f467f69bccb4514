"""Actions that take more than a moment say so (issue 17): the import's forms and the
download links of the exports and the PDF reports carry `data-busy`, which the vendored
static/js/busy.js (loaded on every page, no inline script) turns into a disabled "Bezig…"."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.conftest import client_for, make_agreement, make_product

pytestmark = pytest.mark.django_db

BUSY = 'data-busy="Bezig…"'


def test_every_page_loads_the_busy_script_from_our_own_static_files(reader):
    page = client_for(reader).get(reverse("dashboard")).text
    assert '<script src="/static/js/busy.js" defer></script>' in page
    script = Path(finders.find("js/busy.js")).read_text(encoding="utf-8")
    assert "data-busy" in script and "disabled = true" in script


def test_the_exports_and_the_pdf_reports_show_a_busy_state(privacy_officer):
    client = client_for(privacy_officer)
    register = client.get(reverse("register:activity_list")).text
    for name in ("register:workbook_export", "register:workbook_export_bundle"):
        assert f'href="{reverse(name)}" {BUSY}' in register, name
    level = client.get(reverse("register:level")).text
    assert f'href="{reverse("register:level_report")}" {BUSY}' in level
    make_product("Rekenrijk")
    check = client.get(reverse("register:procurement_check"), {"q": "Rekenrijk"}).text
    assert "Oordeel als PDF" in check and BUSY in check


def test_the_import_forms_show_a_busy_state(privacy_officer):
    page = client_for(privacy_officer).get(reverse("register:workbook_import")).text
    assert f'enctype="multipart/form-data" novalidate class="card" {BUSY}' in page


def test_an_agreement_lists_its_attributes_by_label_first(reader):
    agreement = make_agreement([make_product("Rekenrijk")], attributes=("eckId",))
    page = client_for(reader).get(agreement.get_absolute_url()).text
    assert "ECK iD" in page and "(<code>eckId</code>)" in page
