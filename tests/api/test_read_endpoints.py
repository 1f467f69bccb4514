"""The read endpoints: suppliers, products with their flags, agreements, data flows and
processing activities, with filters, pagination and Dutch errors; the same for a token."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from agreements.models import DocumentKind, PrivacyNotice, Review
from agreements.services import add_document
from register.models import ProcessingActivity

from ..conftest import attrs, client_for, make_agreement, make_flow, make_product, make_supplier
from ..security.urlmap import PDF
from .conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(settings, tmp_path, fg):
    """A current agreement (approved, signed, in force) over Rekenmeester; Leesbaas in use
    without any agreement; an activity with Rekenmeester."""
    settings.MEDIA_ROOT = tmp_path / "media"
    today = timezone.localdate()
    uitgeverij = make_supplier("Uitgeverij Noord", convenant="deelnemer", kvk_number="12345678")
    reken = make_product(
        "Rekenmeester", uitgeverij, status="in_gebruik", processes_personal_data=True
    )
    lees = make_product(
        "Leesbaas", make_supplier("Lees BV"), status="in_gebruik", processes_personal_data=True
    )
    make_flow(reken, "eckId")
    make_flow(reken, "givenName", channel="direct")
    make_flow(reken, "givenName", channel="direct", subject="ouder")
    agreement = make_agreement(
        [reken],
        reference="VO-REKEN",
        attributes=("eckId", "givenName"),
        subprocessors=(("Hosting BV", "IE", ""),),
        signed_on=today - datetime.timedelta(days=10),
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=400),
    )
    notice = PrivacyNotice.objects.create(agreement=agreement, product=reken)
    notice.attributes.set(attrs("eckId"))
    document = add_document(
        agreement=agreement, kind=DocumentKind.AGREEMENT, content=PDF, original_name="vo.pdf"
    )
    # Approved once the content is complete, so that the approval covers all of it.
    Review.objects.create(
        agreement=agreement,
        decision="goedgekeurd",
        comment="Akkoord",
        reviewer=fg,
        reviewer_name="FG",
        fingerprint=agreement.content_fingerprint(),
    )
    agreement.status = "goedgekeurd"
    agreement.save()
    activity = ProcessingActivity.objects.create(
        name="Rekenonderwijs", purposes="Oefenen", legal_bases=["overeenkomst"]
    )
    activity.products.add(reken)
    return {
        "supplier": uitgeverij,
        "reken": reken,
        "lees": lees,
        "agreement": agreement,
        "document": document,
        "activity": activity,
    }


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_suppliers_list_their_products_and_filter_by_name_and_convenant(register, reader):
    client = token_client(reader)
    rows = results(client.get("/api/v1/suppliers/"))
    assert [r["name"] for r in rows] == ["Lees BV", "Uitgeverij Noord"]
    noord = rows[1]
    assert noord["kvk_number"] == "12345678" and noord["convenant"] == "deelnemer"
    assert noord["products"] == [{"id": register["reken"].pk, "name": "Rekenmeester"}]
    assert [r["name"] for r in results(client.get("/api/v1/suppliers/?q=noord"))] == [
        "Uitgeverij Noord"
    ]
    assert results(client.get("/api/v1/suppliers/?convenant=medestander")) == []
    detail = client.get(f"/api/v1/suppliers/{register['supplier'].pk}/").json()
    assert detail == noord


def test_products_carry_their_open_flags(register, reader):
    client = token_client(reader)
    rows = {r["name"]: r for r in results(client.get("/api/v1/products/"))}
    lees_codes = {f["code"] for f in rows["Leesbaas"]["flags"]}
    assert "no_agreement" in lees_codes
    assert "no_agreement" not in {f["code"] for f in rows["Rekenmeester"]["flags"]}
    flag = next(f for f in rows["Leesbaas"]["flags"] if f["code"] == "no_agreement")
    assert set(flag) == {
        "code",
        "severity",
        "product",
        "supplier",
        "agreement",
        "attribute",
        "activity",
        "message",
    }
    assert flag["product"] == "Leesbaas" and flag["supplier"] == "Lees BV"
    detail = client.get(f"/api/v1/products/{register['lees'].pk}/").json()
    assert detail["flags"] == rows["Leesbaas"]["flags"]
    assert rows["Rekenmeester"]["supplier"] == {
        "id": register["supplier"].pk,
        "name": "Uitgeverij Noord",
    }


def test_products_filter_by_supplier_status_and_personal_data(register, reader):
    client = token_client(reader)
    supplier = register["supplier"].pk
    assert [r["name"] for r in results(client.get(f"/api/v1/products/?supplier={supplier}"))] == [
        "Rekenmeester"
    ]
    assert results(client.get("/api/v1/products/?status=voorgesteld")) == []
    assert len(results(client.get("/api/v1/products/?processes_personal_data=true"))) == 2
    assert len(results(client.get("/api/v1/products/?processes_personal_data=1"))) == 2
    make_product("Rooster", register["supplier"], processes_personal_data=False)
    without = results(client.get("/api/v1/products/?processes_personal_data=0"))
    assert [r["name"] for r in without] == ["Rooster"]
    unclear = client.get("/api/v1/products/?processes_personal_data=misschien")
    assert unclear.status_code == 400 and "processes_personal_data" in unclear.json()["errors"]
    bad = client.get("/api/v1/products/?status=kapot")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid" and "status" in bad.json()["errors"]


def test_an_agreement_shows_status_currency_dates_attributes_subprocessors_and_documents(
    register, reader
):
    client = token_client(reader)
    rows = results(client.get("/api/v1/agreements/"))
    assert len(rows) == 1
    row = rows[0]
    agreement = register["agreement"]
    assert row["reference"] == "VO-REKEN"
    assert row["status"] == "goedgekeurd"
    assert row["current"] is True and row["changed_since_approval"] is False
    assert row["signed_on"] == agreement.signed_on.isoformat()
    assert row["ends_on"] == agreement.ends_on.isoformat()
    assert row["agreed_attributes"] == ["eckId", "givenName"]
    assert row["privacy_notices"] == [
        {
            "product": register["reken"].pk,
            "attributes": ["eckId"],
            "purposes": "",
            "data_subjects": "",
            "retention": "",
            "processing_locations": "",
            "subprocessors": [],
        }
    ]
    assert row["subprocessors"] == [
        {
            "name": "Hosting BV",
            "service": "",
            "country": "IE",
            "countries": ["IE"],
            "headquarters": "",
            "safeguard_kind": "",
            "safeguard": "",
        }
    ]
    [document] = row["documents"]
    assert document["kind"] == "overeenkomst" and document["sha256"] == register["document"].sha256
    url = f"/overeenkomsten/{agreement.pk}/documenten/{register['document'].pk}/download/"
    assert document["download_url"] == f"http://testserver{url}"
    # The link is the protected download: a logged-in reader gets the PDF, nobody else.
    assert client_for(reader).get(url).status_code == 200
    assert Client().get(url).status_code == 302
    assert client.get(f"/api/v1/agreements/{agreement.pk}/").json() == row


def test_an_agreement_changed_after_approval_is_no_longer_current(register, reader):
    agreement = register["agreement"]
    agreement.attributes.add(*attrs("mail"))
    row = token_client(reader).get(f"/api/v1/agreements/{agreement.pk}/").json()
    assert row["current"] is False and row["changed_since_approval"] is True


def test_agreements_filter_by_status_supplier_and_search(register, reader):
    client = token_client(reader)
    assert len(results(client.get("/api/v1/agreements/?status=goedgekeurd"))) == 1
    assert results(client.get("/api/v1/agreements/?status=concept")) == []
    assert len(results(client.get("/api/v1/agreements/?q=rekenmeester"))) == 1
    lees_supplier = register["lees"].supplier_id
    assert results(client.get(f"/api/v1/agreements/?supplier={lees_supplier}")) == []
    assert client.get("/api/v1/agreements/?supplier=1.5").status_code == 400


def test_data_flows_list_product_attribute_and_channel(register, reader):
    client = token_client(reader)
    rows = results(client.get("/api/v1/data-flows/"))
    assert {(r["product"]["name"], r["attribute"], r["channel"], r["subject"]) for r in rows} == {
        ("Rekenmeester", "eckId", "entree", "leerling"),
        ("Rekenmeester", "givenName", "direct", "leerling"),
        ("Rekenmeester", "givenName", "direct", "ouder"),
    }
    assert [r["attribute"] for r in results(client.get("/api/v1/data-flows/?channel=direct"))] == [
        "givenName",
        "givenName",
    ]
    assert len(results(client.get("/api/v1/data-flows/?attribute=eckId"))) == 1
    parents = results(client.get("/api/v1/data-flows/?subject=ouder"))
    assert [(r["attribute"], r["subject"]) for r in parents] == [("givenName", "ouder")]
    assert client.get("/api/v1/data-flows/?subject=opa").status_code == 400


def test_processing_activities_list_their_products_and_missing_fields(register, reader):
    client = token_client(reader)
    [row] = results(client.get("/api/v1/processing-activities/"))
    assert row["name"] == "Rekenonderwijs"
    assert row["products"] == [{"id": register["reken"].pk, "name": "Rekenmeester"}]
    assert "betrokkenen" in row["missing_fields"]
    assert "doeleinden" not in row["missing_fields"]


def test_lists_are_paginated(register, reader):
    for n in range(3):
        make_supplier(f"Extra {n}")
    client = token_client(reader)
    first = client.get("/api/v1/suppliers/?page_size=2").json()
    assert first["count"] == 5 and len(first["results"]) == 2
    assert "page=2" in first["next"]
    last = client.get("/api/v1/suppliers/?page_size=2&page=3").json()
    assert len(last["results"]) == 1 and last["next"] is None
    beyond = client.get("/api/v1/suppliers/?page=9")
    assert beyond.status_code == 404
    assert beyond.json() == {
        "code": "not_found",
        "detail": "Deze pagina bestaat niet. Begin bij page=1 en volg de link in “next”.",
    }


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/suppliers/999999/",
        "/api/v1/products/999999/",
        "/api/v1/agreements/999999/",
        "/api/v1/data-flows/999999/",
        "/api/v1/processing-activities/999999/",
        "/api/v1/products/99999999999999999999999/",
        "/api/v1/bestaat-niet/",
    ],
)
def test_a_missing_record_or_address_is_a_dutch_json_404(url, reader):
    response = token_client(reader).get(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "code": "not_found",
        "detail": "Niet gevonden. Controleer het nummer in het adres.",
    }


def test_api_responses_are_never_cached(register, reader):
    response = token_client(reader).get("/api/v1/agreements/")
    assert "no-store" in response["Cache-Control"]


def test_the_session_of_the_browser_works_too(register, reader):
    assert results(client_for(reader).get("/api/v1/agreements/"))[0]["reference"] == "VO-REKEN"
