import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import Agreement, AgreementStatus, PrivacyNotice
from agreements.services import decide_agreement, submit_agreement

from ..conftest import (
    attrs,
    client_for,
    complete_checklist,
    make_agreement,
    make_product,
    make_supplier,
)

pytestmark = pytest.mark.django_db


def listed(user, **params) -> list[str]:
    response = client_for(user).get(reverse("agreements:agreement_list"), params)
    assert response.status_code == 200
    return [a.reference for a in response.context["page"].object_list]


def test_search_matches_reference_supplier_and_product(reader):
    noorderlicht = make_supplier("Uitgeverij Noorderlicht")
    make_agreement([make_product("Rekenrijk", supplier=noorderlicht)], reference="VO-001")
    make_agreement([make_product("Taalwijs")], reference="DPA-XYZ")
    assert listed(reader, q="vo-0") == ["VO-001"]
    assert listed(reader, q="noorderlicht") == ["VO-001"]
    assert listed(reader, q="taalw") == ["DPA-XYZ"]


def test_filters_on_status_supplier_and_model(reader, fg):
    supplier = make_supplier()
    make_agreement([make_product(supplier=supplier)], reference="A", model="eigen")
    make_agreement([make_product()], reference="B", status=AgreementStatus.APPROVED, reviewer=fg)
    assert listed(reader, status="goedgekeurd") == ["B"]
    assert listed(reader, supplier=supplier.pk) == ["A"]
    assert listed(reader, model="eigen") == ["A"]


def test_expiring_within_90_days(reader, today):
    make_agreement([make_product()], reference="SOON", ends_on=today + datetime.timedelta(days=89))
    make_agreement([make_product()], reference="LATER", ends_on=today + datetime.timedelta(days=91))
    make_agreement([make_product()], reference="ENDED", ends_on=today - datetime.timedelta(days=1))
    make_agreement(
        [make_product()],
        reference="STOPPED",
        status=AgreementStatus.TERMINATED,
        ends_on=today + datetime.timedelta(days=5),
    )
    assert listed(reader, expiring="on") == ["SOON"]


def test_sorting_by_end_date_both_ways(reader, today):
    for i, ref in enumerate(["X", "Y", "Z"]):
        make_agreement(
            [make_product()], reference=ref, ends_on=today + datetime.timedelta(days=3 - i)
        )
    assert listed(reader, sort="ends_on") == ["Z", "Y", "X"]
    assert listed(reader, sort="-ends_on") == ["X", "Y", "Z"]
    assert listed(reader, sort="nonsense") == ["X", "Y", "Z"]


def test_an_empty_register_says_so(reader):
    page = client_for(reader).get(reverse("agreements:agreement_list")).content.decode()
    assert "Er zijn nog geen overeenkomsten." in page


def test_pagination_at_50(reader):
    for i in range(51):
        make_agreement([make_product()], reference=f"VO-{i:03d}")
    assert len(listed(reader)) == 50
    assert listed(reader, page=2) == ["VO-050"]


def test_only_privacy_officers_see_the_new_agreement_button(privacy_officer, fg):
    url = reverse("agreements:agreement_list")
    assert "Nieuwe overeenkomst" in client_for(privacy_officer).get(url).content.decode()
    assert "Nieuwe overeenkomst" not in client_for(fg).get(url).content.decode()


def fill(n: int, fg) -> None:
    for i in range(n):
        product = make_product()
        agreement = make_agreement(
            [product, make_product(supplier=product.supplier)],
            status=AgreementStatus.APPROVED if i % 2 else AgreementStatus.DRAFT,
            reviewer=fg,
            attributes=("eckId", "mail"),
            subprocessors=(("Hosting", "NL", ""), ("Mail", "US", "SCC")),
        )
        notice = PrivacyNotice.objects.create(agreement=agreement, product=product)
        notice.attributes.set(attrs("eckId"))


def count_queries(user) -> int:
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("agreements:agreement_list"))
    assert response.status_code == 200
    return len(queries)


def test_the_list_uses_the_same_number_of_queries_at_two_sizes(fg):
    fill(3, fg)
    small = count_queries(fg)
    fill(12, fg)
    assert count_queries(fg) == small


def test_filters_on_part_of_the_supplier_name(reader):
    noorderlicht = make_supplier("Uitgeverij Noorderlicht")
    make_agreement([make_product(supplier=noorderlicht)], reference="A")
    make_agreement([make_product(supplier=make_supplier("Zuiderzon"))], reference="B")
    assert listed(reader, supplier_name="noorder") == ["A"]
    assert listed(reader, supplier_name="  zuider ") == ["B"]


def test_a_link_to_one_suppliers_agreements_says_so_and_can_be_widened(reader):
    supplier = make_supplier("Zuiderzon")
    make_agreement([make_product(supplier=supplier)], reference="A")
    make_agreement([make_product()], reference="B")
    response = client_for(reader).get(
        reverse("agreements:agreement_list"), {"supplier": supplier.pk, "status": "concept"}
    )
    assert [a.reference for a in response.context["page"].object_list] == ["A"]
    page = response.content.decode()
    assert "Alleen overeenkomsten met Zuiderzon." in page
    assert 'href="?status=concept">Overeenkomsten met alle leveranciers tonen' in page


def test_the_filter_form_does_not_list_every_supplier(reader):
    make_agreement([make_product()], reference="A")
    client = client_for(reader)
    before = len(client.get(reverse("agreements:agreement_list")).content)
    for i in range(40):
        make_supplier(f"Leverancier zonder overeenkomst {i:02d}")
    page = client.get(reverse("agreements:agreement_list")).content
    assert len(page) == before
    assert b"Leverancier zonder overeenkomst" not in page


def test_the_review_queue_is_paginated_oldest_first(privacy_officer, fg):
    for i in range(52):
        agreement = make_agreement([make_product()], reference=f"R-{i:02d}")
        complete_checklist(agreement)
        submit_agreement(agreement=agreement, user=privacy_officer)
    client = client_for(fg)
    first = client.get(reverse("agreements:review_queue"))
    page = first.content.decode()
    assert [a.reference for a in first.context["page"].object_list][:2] == ["R-00", "R-01"]
    assert len(first.context["page"].object_list) == 50
    assert "52 overeenkomsten wachten op beoordeling" in page
    assert "Pagina 1 van 2" in page
    assert first.context["review_queue_count"] == 52  # the menu still counts them all
    second = client.get(reverse("agreements:review_queue"), {"page": 2})
    assert [a.reference for a in second.context["page"].object_list] == ["R-50", "R-51"]


def test_the_review_queue_says_how_often_the_fg_decided_before(privacy_officer, fg):
    new = make_agreement([make_product("Nieuw")], reference="NIEUW")
    back = make_agreement([make_product("Terug")], reference="TERUG")
    for agreement in (new, back):
        complete_checklist(agreement)
        submit_agreement(agreement=agreement, user=privacy_officer)
    for _round in range(2):
        decide_agreement(
            agreement=back, user=fg, decision="aanpassing_gevraagd", comment="Bijsluiter mist"
        )
        back.refresh_from_db()
        back.set_status(AgreementStatus.DRAFT, user=privacy_officer)
        submit_agreement(agreement=back, user=privacy_officer)
    page = client_for(fg).get(reverse("agreements:review_queue")).text
    rows = {ref: page[page.index(f">{ref}<") :].split("</tr>")[0] for ref in ("NIEUW", "TERUG")}
    assert ">nee</td>" in rows["NIEUW"]
    assert ">2 keer</td>" in rows["TERUG"]
    assert "Nieuw" in rows["NIEUW"] and "Terug" in rows["TERUG"]


def test_each_row_names_the_products_the_agreement_covers(reader):
    supplier = make_supplier("Noorderlicht")
    make_agreement(
        [make_product("Taal & Co", supplier), make_product("Rekenrijk", supplier)],
        reference="MET-PRODUCTEN",
    )
    Agreement.objects.create(supplier=supplier, reference="ZONDER-PRODUCTEN")
    page = client_for(reader).get(reverse("agreements:agreement_list")).text
    row = {
        ref: page[page.index(f">{ref}-PRODUCTEN<") :].split("</tr>")[0] for ref in ("MET", "ZONDER")
    }
    assert 'data-label="Producten">Rekenrijk, Taal &amp; Co</td>' in row["MET"]
    assert 'data-label="Producten">—</td>' in row["ZONDER"]


def _rendered(response) -> set[str]:
    return {template.name for template in response.templates}


def test_the_rows_are_rendered_once_until_the_register_changes(reader, fg):
    make_agreement([make_product("Rekenrijk")], reference="EERSTE")
    url = reverse("agreements:agreement_list")
    assert "agreements/_agreement_rows.html" in _rendered(client_for(reader).get(url))
    again = client_for(fg).get(url)
    assert "agreements/_agreement_rows.html" not in _rendered(again)
    assert "EERSTE" in again.text
    make_agreement([make_product("Taalplein")], reference="TWEEDE")
    changed = client_for(reader).get(url)
    assert "EERSTE" in changed.text and "TWEEDE" in changed.text
    assert "TWEEDE" not in client_for(reader).get(url, {"q": "EERSTE"}).text


def test_an_agreement_that_ended_yesterday_is_marked_ended_today(reader):
    ends = datetime.date(2026, 6, 30)
    make_agreement([make_product()], reference="LOOPT-AF", ends_on=ends)
    url = reverse("agreements:agreement_list")
    with time_machine.travel(datetime.datetime(2026, 6, 30, 12, tzinfo=datetime.UTC)):
        assert "afgelopen" not in client_for(reader).get(url).text
    with time_machine.travel(datetime.datetime(2026, 7, 1, 12, tzinfo=datetime.UTC)):
        assert "afgelopen" in client_for(reader).get(url).text
