"""The Niveau page: every role sees the level, the growth steps and what to fix."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from register.models import LevelSnapshot, Organisation
from register.rules.level import record_snapshot

from ..conftest import client_for, make_agreement, make_flow, make_product, make_supplier
from .helpers import activity_for, level5_product

pytestmark = pytest.mark.django_db

URL = "/register/niveau/"


def test_the_page_has_its_address_and_a_menu_item(reader):
    assert reverse("register:level") == URL
    response = client_for(reader).get(URL)
    assert f'href="{URL}"' in response.content.decode()


@pytest.mark.parametrize("role", ["reader", "procurement", "privacy_officer", "fg"])
def test_every_role_can_see_the_level(personas, role):
    level5_product()

    response = client_for(personas[role]).get(URL)

    assert response.status_code == 200
    assert response.context["result"].level == 5


def test_an_anonymous_visitor_is_sent_to_the_login_page(anonymous):
    response = client_for(anonymous).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/inloggen/")


def test_the_page_shows_the_level_the_advice_and_the_growth_steps(reader):
    make_product("Muziekmaker")  # no agreement: level 1

    page = client_for(reader).get(URL).content.decode()

    assert "Huidig niveau" in page
    assert "Geadviseerd minimum" in page
    for heading in ("Onze huidige situatie", "Groeistap 1", "Groeistap 2"):
        assert heading in page
    assert "Nog niet met elke leverancier is een verwerkersovereenkomst gesloten." in page
    assert "Eigen formulering van dit register" in page
    assert "Bron: Kennisnet, Inzicht in ict-voorwaarden" in page
    assert "AVG artikel 28" in page and "AVG artikel 30" in page


def test_each_unmet_criterion_links_to_the_records_that_block_it(reader):
    level5_product()
    without = make_product("Muziekmaker")
    unreviewed = make_product("Rekentuin")
    agreement = make_agreement([unreviewed], reference="VO-2026-077")
    make_flow(unreviewed, "eckId")
    activity_for(unreviewed)

    page = client_for(reader).get(URL).content.decode()

    assert f'href="{without.get_absolute_url()}"' in page
    assert f'href="{agreement.get_absolute_url()}"' in page
    assert "VO-2026-077" in page
    assert 'id="criterium-products_covered"' in page
    assert 'id="criterium-agreements_reviewed"' in page


def test_at_level_5_the_page_says_nothing_needs_fixing(reader):
    level5_product()

    page = client_for(reader).get(URL).content.decode()

    assert "Hoogste niveau bereikt" in page
    assert "Niets: alle criteria zijn voldaan." in page


def test_the_chart_is_inline_svg_without_style_attributes(reader):
    response = client_for(reader).get(URL)
    page = response.content.decode()

    assert "<svg" in page and "Niveau en open signaleringen per dag" in page
    assert not re.search(r"\sstyle\s*=", page)
    # Only our own script files (the menu toggle); no inline script.
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)


def test_visiting_the_page_shows_todays_level_without_storing_it(reader):
    make_product()
    client = client_for(reader)

    response = client.get(URL)

    assert LevelSnapshot.objects.count() == 0  # a GET never writes; snapshot_level does
    [point] = response.context["snapshots"]
    assert (point.day, point.level, point.high) == (timezone.localdate(), 1, 1)


def test_names_from_the_register_are_escaped(reader):
    supplier = make_supplier("<script>alert('x')</script> BV")
    make_product("<img src=x onerror=alert(1)>", supplier=supplier)
    Organisation.objects.update_or_create(pk=1, defaults={"name": "<b>Bestuur</b>"})

    page = client_for(reader).get(URL).content.decode()

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;b&gt;Bestuur&lt;/b&gt;" in page


def test_the_page_offers_the_pdf_report(reader):
    page = client_for(reader).get(URL).content.decode()
    assert f'href="{reverse("register:level_report")}"' in page


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(URL)
    assert response.status_code == 200
    return len(context.captured_queries)


def _grow(count: int) -> None:
    for _ in range(count):
        level5_product()
        unreviewed = make_product()
        make_agreement([unreviewed], attributes=("eckId",))
        make_product()  # no agreement at all
        activity_for(retention="")


def test_the_page_needs_the_same_number_of_queries_at_any_size(reader):
    client = client_for(reader)
    client.get(URL)
    _grow(2)
    small = _page_queries(client)
    _grow(6)
    large = _page_queries(client)

    assert small == large


def test_a_criterion_with_many_records_lists_the_first_25_and_links_to_the_rest(reader):
    products = [make_product(f"Zonder overeenkomst {number:02d}") for number in range(30)]

    page = client_for(reader).get(URL).content.decode()

    criterion = page.split('id="criterium-products_covered"')[1].split("</section>")[0]
    linked = [p for p in products if f'href="{p.get_absolute_url()}"' in criterion]
    assert len(linked) == 25
    assert "30 punten houden dit tegen; de eerste 25 staan hieronder." in criterion
    assert "en 5 andere." in criterion
    assert 'href="/?code=no_agreement#flags"' in criterion
    assert "(30)" in criterion


def test_a_criterion_with_few_records_lists_them_all_without_a_rest_line(reader):
    products = [make_product() for _ in range(3)]

    page = client_for(reader).get(URL).content.decode()

    criterion = page.split('id="criterium-products_covered"')[1].split("</section>")[0]
    assert all(f'href="{p.get_absolute_url()}"' in criterion for p in products)
    assert "andere." not in criterion


def test_todays_point_is_what_the_page_counts_even_after_todays_snapshot(reader):
    make_product()
    record_snapshot()  # the daily cron job: one open flag this morning
    make_product()  # a second product without agreement later the same day
    client = client_for(reader)

    with CaptureQueriesContext(connection) as context:
        response = client.get(URL)

    snapshot_queries = [q["sql"] for q in context.captured_queries if "levelsnapshot" in q["sql"]]
    assert len(snapshot_queries) == 1  # the chart's history
    counts = response.context["result"].severity_counts
    [point] = response.context["snapshots"]
    assert (point.day, point.high, point.medium, point.low) == (
        timezone.localdate(),
        counts["high"],
        counts["medium"],
        counts["low"],
    )
    assert point.high == 2  # the page counts two open flags, and so does the chart
    page = response.content.decode()
    table = page.split("Metingen als tabel")[1]
    first_row = table.split("<tbody>")[1].split("</tr>")[0]
    assert "<td>2</td>" in first_row
    # The morning's measurement stays as it was recorded; the page writes nothing.
    assert LevelSnapshot.objects.get().high == 1
