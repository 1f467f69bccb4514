"""The issue's "done when", as a new user would do it on the demo board."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from agreements.models import Agreement, AgreementStatus
from register.demo import DEMO_PASSWORD, current_demo_code
from suppliers.models import Attribute, Supplier

from .helpers import edit_data, pdf_upload

pytestmark = pytest.mark.django_db


def login(client, username: str) -> None:
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content
    code_page = reverse("accounts:two_factor_verify")
    if client.get(reverse("dashboard")).get("Location", "").startswith(code_page):
        # The demo FG gives the code of the demo authenticator app (make demo prints the key).
        response = client.post(code_page, {"code": current_demo_code()})
        assert response.status_code == 302, response.content


def test_create_upload_submit_approve_change_and_see_changed_since_approval(client):
    call_command("load_demo", stdout=open("/dev/null", "w"))
    supplier = Supplier.objects.get(name="Muziekles Online")
    product = supplier.products.first()
    eck, mail = Attribute.objects.get(code="eckId"), Attribute.objects.get(code="mail")

    # The privacy officer creates an agreement, uploads the PDF and submits it.
    login(client, "privacy")
    page = client.get(reverse("agreements:agreement_create"))
    assert "Kies een leverancier" in page.content.decode()
    page = client.get(reverse("agreements:agreement_create"), {"supplier": supplier.pk})
    assert product.name in page.content.decode()
    response = client.post(
        reverse("agreements:agreement_create") + f"?leverancier={supplier.pk}",
        {
            "reference": "VO-MUZIEK-2026",
            "supplier": supplier.pk,
            "products": [product.pk],
            "model": "convenant_4",
            "signed_on": "2025-12-15",
            "starts_on": "2026-01-01",
            "ends_on": "2028-12-31",
            "purposes": "Muziekonderwijs",
            "retention": "Tot 12 maanden na de licentie",
            "attributes": [eck.pk],
            "sub-TOTAL_FORMS": "1",
            "sub-INITIAL_FORMS": "0",
            "sub-0-name": "Hosting BV",
            "sub-0-countries": "nl",
        },
    )
    assert response.status_code == 302, response.content.decode()
    agreement = Agreement.objects.get(reference="VO-MUZIEK-2026")
    assert agreement.subprocessors.get().countries == "NL"

    response = client.post(
        reverse("agreements:document_upload", args=[agreement.pk]),
        {"kind": "overeenkomst", "file": pdf_upload()},
    )
    assert response.status_code == 302
    response = client.post(reverse("agreements:agreement_submit", args=[agreement.pk]))
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUBMITTED
    client.post(reverse("logout"))

    # The FG finds it in the queue, reads the document and approves on the detail page.
    login(client, "fg")
    queue = client.get(reverse("agreements:review_queue")).content.decode()
    assert "VO-MUZIEK-2026" in queue
    detail = client.get(agreement.get_absolute_url())
    assert "Besluit vastleggen" in detail.content.decode()
    document = agreement.documents.get()
    download = client.get(reverse("agreements:document_download", args=[agreement.pk, document.pk]))
    assert download.status_code == 200
    response = client.post(
        reverse("agreements:agreement_decide", args=[agreement.pk]),
        {
            "decision": "goedgekeurd",
            "comment": "Akkoord, conform model 4.0.",
            "fingerprint": detail.context["fingerprint"],
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    agreement = Agreement.objects.with_fingerprint_content().get(pk=agreement.pk)
    assert agreement.is_current()
    client.post(reverse("logout"))

    # The privacy officer adds an agreed attribute and sees "gewijzigd na akkoord" + the diff.
    login(client, "privacy")
    response = client.post(
        reverse("agreements:agreement_edit", args=[agreement.pk]),
        edit_data(agreement, attributes=[eck.pk, mail.pk]),
    )
    assert response.status_code == 302, response.content.decode()
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "Gewijzigd na akkoord" in page
    assert "eckId, mail" in page
    agreement = Agreement.objects.with_fingerprint_content().get(pk=agreement.pk)
    assert agreement.changed_since_approval()
    assert agreement.reviews.count() == 1
    assert User.objects.get(username="privacy")  # the demo user did it
