"""The activity page beside its evidence (issue 16): what the linked products' suppliers,
current agreements and data flows say, the activity's own flags and DPIA, and the confirmed
copy of the derived recipients and transfers into the activity."""

import pytest
from django.urls import reverse

from agreements.models import AgreementStatus
from register.models import ProcessingActivity

from ..conftest import client_for, make_agreement, make_flow, make_product, make_supplier

pytestmark = pytest.mark.django_db


def _activity(*products, **fields) -> ProcessingActivity:
    values = {
        "name": "Voorlezen",
        "purposes": "Voorlezen",
        "legal_bases": ["algemeen_belang"],
        "data_subjects": "Leerlingen",
        "personal_data": "Naam",
        "recipients": "Niemand",
        "third_country_transfers": "geen",
        "retention": "1 jaar",
        "security_measures": "MFA",
        **fields,
    }
    activity = ProcessingActivity.objects.create(**values)
    activity.products.set(products)
    return activity


@pytest.fixture
def linked():
    """An activity linked to a US-hosted reading tool (health data flows to it) and a Dutch
    maths tool, both under current agreements."""
    reading = make_product("Vertaalwolk", supplier=make_supplier("Vertaalwolk BV"))
    make_flow(reading, "eckId")
    make_flow(reading, "gezondheid", channel="direct")
    us = make_agreement(
        [reading],
        status=AgreementStatus.APPROVED,
        attributes=("eckId", "gezondheid"),
        subprocessors=(("Speech Inc.", "US", "DPF"), ("Hosting NL", "NL", "")),
        reference="VO-US",
    )
    maths = make_product("Rekenrijk", supplier=make_supplier("Noorderlicht"))
    make_flow(maths, "givenName")
    make_agreement(
        [maths], status=AgreementStatus.APPROVED, attributes=("givenName",), reference="VO-NL"
    )
    return _activity(reading, maths), us


def test_the_page_shows_what_the_evidence_says_beside_what_the_activity_says(reader, linked):
    activity, _us = linked
    page = client_for(reader).get(activity.get_absolute_url()).content.decode()
    evidence = page[page.index("Wat het bewijs zegt") :]
    assert "Noorderlicht" in evidence and "Vertaalwolk BV" in evidence  # the recipients
    assert "US (buiten de EER)" in evidence and "NL" in evidence  # subprocessor countries
    assert "overeenkomst VO-US geeft gegevens door buiten de EER" in evidence
    assert "<code>gezondheid</code>" in evidence and "bijzonder persoonsgegeven" in evidence
    assert "<code>givenName</code>" in evidence
    # The label first, as everywhere an FG reads attributes (issue 17).
    assert "Voornaam (<code>givenName</code>)" in evidence
    assert "Niemand" in evidence  # what the activity itself says, beside it


def test_the_page_shows_its_flags_naming_product_and_agreement(reader, linked):
    activity, _us = linked
    page = client_for(reader).get(activity.get_absolute_url()).content.decode()
    assert "Doorgifte niet in het register" in page
    assert "Bijzondere persoonsgegevens zonder uitzondering" in page
    assert "(gezondheid) naar Vertaalwolk (overeenkomst VO-US)" in page


def test_the_page_shows_legal_bases_exception_dpia_and_last_review(reader):
    activity = _activity(
        legal_bases=["toestemming", "wettelijke_plicht"],
        special_category_exception="Art. 9 lid 2 sub g",
        dpia="gepland",
        last_reviewed_on="2026-03-05",
    )
    page = client_for(reader).get(activity.get_absolute_url()).content.decode()
    assert "<li>Toestemming</li><li>Wettelijke verplichting</li>" in page
    assert "Art. 9 lid 2 sub g" in page
    assert "Gepland" in page
    assert "5 maart 2026" in page


def test_only_the_privacy_officer_is_offered_the_copy(reader, privacy_officer, linked):
    activity, _us = linked
    url = reverse("register:activity_copy_derived", args=[activity.pk])
    assert url not in client_for(reader).get(activity.get_absolute_url()).content.decode()
    assert url in client_for(privacy_officer).get(activity.get_absolute_url()).content.decode()


def test_the_copy_asks_for_confirmation_and_changes_nothing_before(privacy_officer, linked):
    activity, _us = linked
    url = reverse("register:activity_copy_derived", args=[activity.pk])
    page = client_for(privacy_officer).get(url).content.decode()
    assert "Noorderlicht (verwerker); Vertaalwolk BV (verwerker)" in page
    assert "US: Vertaalwolk BV / Vertaalwolk (overeenkomst VO-US)" in page
    assert "Ja, overnemen" in page
    activity.refresh_from_db()
    assert activity.recipients == "Niemand" and activity.third_country_transfers == "geen"


def test_the_copy_writes_the_derived_recipients_and_transfers_with_history(privacy_officer, linked):
    activity, _us = linked
    url = reverse("register:activity_copy_derived", args=[activity.pk])
    response = client_for(privacy_officer).post(url, {"version": activity.version})
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.recipients == "Noorderlicht (verwerker); Vertaalwolk BV (verwerker)"
    assert activity.third_country_transfers == (
        "US: Vertaalwolk BV / Vertaalwolk (overeenkomst VO-US)"
    )
    assert activity.version == 2
    assert activity.history.first().history_user == privacy_officer
    page = client_for(privacy_officer).get(activity.get_absolute_url()).content.decode()
    assert "Doorgifte niet in het register" not in page  # the transfer is now recorded


def test_a_copy_from_a_page_loaded_before_someone_elses_save_writes_nothing(
    privacy_officer, linked
):
    activity, _us = linked
    loaded = activity.version
    activity.purposes = "Gewijzigd door een ander"
    activity.version += 1
    activity.save()
    url = reverse("register:activity_copy_derived", args=[activity.pk])
    response = client_for(privacy_officer).post(url, {"version": loaded})
    assert response.status_code == 409
    assert "iemand anders heeft deze verwerking gewijzigd" in response.content.decode()
    activity.refresh_from_db()
    assert activity.recipients == "Niemand"


def test_an_activity_without_products_has_nothing_to_copy(privacy_officer):
    activity = _activity()
    url = reverse("register:activity_copy_derived", args=[activity.pk])
    response = client_for(privacy_officer).post(url, {"version": activity.version})
    assert response.status_code == 409
    assert "geen producten gekoppeld" in response.content.decode()
    activity.refresh_from_db()
    assert activity.recipients == "Niemand" and activity.version == 1


def test_a_reader_cannot_copy(reader, linked):
    activity, _us = linked
    url = reverse("register:activity_copy_derived", args=[activity.pk])
    assert client_for(reader).post(url, {"version": activity.version}).status_code == 403
    activity.refresh_from_db()
    assert activity.recipients == "Niemand"


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _linked_tool(index: int):
    product = make_product(f"Tool {index}", supplier=make_supplier(f"Leverancier {index}"))
    make_flow(product, "eckId")
    make_flow(product, "gezondheid", channel="direct")
    make_agreement(
        [product],
        status=AgreementStatus.APPROVED,
        attributes=("eckId", "gezondheid"),
        subprocessors=((f"Sub {index}", "US", "DPF"),),
    )
    return product


@pytest.mark.parametrize("name", ["register:activity_detail", "register:activity_copy_derived"])
def test_the_activity_pages_need_as_many_queries_for_ten_products_as_for_one(privacy_officer, name):
    client = client_for(privacy_officer)
    # Made alike (one save, one link), so that their history is as long.
    small = _activity(_linked_tool(0), name="Eén product")
    large = _activity(*[_linked_tool(i) for i in range(1, 11)], name="Tien producten")
    client.get(reverse(name, args=[small.pk]))  # the session's first request
    one = _queries(client, reverse(name, args=[small.pk]))
    assert _queries(client, reverse(name, args=[large.pk])) == one


def test_the_dpia_status_links_to_the_dpia_of_an_agreement_covering_a_linked_product(
    reader, privacy_officer
):
    from agreements.models import DocumentKind
    from agreements.services import add_document

    product = make_product("Zorgdossier", supplier=make_supplier("Zorgpunt"))
    agreement = make_agreement([product], reference="VO-ZORG")  # a draft still covers it
    add_document(
        agreement=agreement,
        kind=DocumentKind.DPIA,
        content=b"%PDF-1.4\n%%EOF\n",
        original_name="dpia.pdf",
        user=privacy_officer,
    )
    document = agreement.documents.get(kind=DocumentKind.DPIA)
    activity = _activity(product, dpia="ja")
    page = client_for(reader).get(activity.get_absolute_url()).content.decode()
    link = reverse("agreements:document_download", args=[agreement.pk, document.pk])
    assert f'href="{link}"' in page
    assert "DPIA bij VO-ZORG (versie 1)" in page
    assert "Ja, uitgevoerd" in page
