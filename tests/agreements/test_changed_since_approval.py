"""Every kind of content change voids the approval, shows the banner and the diff."""

import re

import pytest
from django.urls import reverse

from agreements.history import approval_baseline, content_as_of, content_changes
from agreements.models import Agreement, AgreementStatus, Product, Review, fingerprint
from agreements.services import decide_agreement, submit_agreement
from suppliers.models import Attribute

from ..conftest import (
    client_for,
    complete_checklist,
    make_agreement,
    make_product,
    make_supplier,
)
from .helpers import PDF, edit_data, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(privacy_officer, fg) -> Agreement:
    product = make_product("Rekenmaatje")
    agreement = make_agreement(
        [product],
        attributes=("eckId", "givenName"),
        subprocessors=(("Hosting BV", "NL", ""),),
        purposes="Rekenonderwijs",
        retention="1 jaar",
    )
    complete_checklist(agreement)
    submit_agreement(agreement=agreement, user=privacy_officer)
    decide_agreement(agreement=agreement, user=fg, decision="goedgekeurd", comment="Akkoord")
    return Agreement.objects.get(pk=agreement.pk)


def state(agreement: Agreement) -> Agreement:
    return Agreement.objects.with_fingerprint_content().get(pk=agreement.pk)


def detail(user, agreement: Agreement) -> str:
    return client_for(user).get(agreement.get_absolute_url()).content.decode()


def diff_rows(user, agreement: Agreement) -> list[list[str]]:
    """The rows (what, was, is now) of the "changed since approval" table, as text."""
    page = detail(user, agreement)
    table = page.split('class="table diff stack"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]  # past the header
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        ]
        for row in rows
    ]


def edit(user, agreement: Agreement, **overrides):
    response = client_for(user).post(
        reverse("agreements:agreement_edit", args=[agreement.pk]),
        edit_data(agreement, **overrides),
    )
    assert response.status_code == 302, response.content.decode()


def test_an_approved_unchanged_agreement_is_current(approved, fg):
    assert state(approved).is_current()
    page = detail(fg, approved)
    assert "Gewijzigd na akkoord" not in page
    assert "de inhoud is sindsdien niet gewijzigd" in page


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("purposes", "Rekenonderwijs en analyse", "Rekenonderwijs en analyse"),
        ("retention", "5 jaar", "5 jaar"),
        ("processing_locations", "Ierland", "Ierland"),
        ("ends_on", "2030-07-31", "31 juli 2030"),
        ("starts_on", "2025-08-01", "1 augustus 2025"),
        ("signed_on", "2025-07-15", "15 juli 2025"),
        ("data_subjects", "Leerlingen en ouders", "Leerlingen en ouders"),
    ],
)
def test_a_changed_field_voids_the_approval_and_shows_in_the_diff(
    approved, privacy_officer, field, value, shown
):
    edit(privacy_officer, approved, **{field: value})
    assert state(approved).changed_since_approval()
    page = detail(privacy_officer, approved)
    assert "Gewijzigd na akkoord" in page
    assert shown in page


def test_an_added_agreed_attribute_voids_the_approval(approved, privacy_officer):
    codes = ["eckId", "givenName", "geboortedatum"]
    ids = list(Attribute.objects.filter(code__in=codes).values_list("pk", flat=True))
    edit(privacy_officer, approved, attributes=ids)
    assert state(approved).changed_since_approval()
    page = detail(privacy_officer, approved)
    assert "Overeengekomen attributen" in page
    assert "eckId, geboortedatum, givenName" in page


def test_an_added_product_voids_the_approval(approved, privacy_officer):
    other = make_product("Rekenmaatje Plus", supplier=approved.supplier)
    edit(privacy_officer, approved, products=[p.pk for p in approved.products.all()] + [other.pk])
    assert state(approved).changed_since_approval()
    assert "Rekenmaatje Plus" in detail(privacy_officer, approved)


def test_a_changed_subprocessor_voids_the_approval(approved, privacy_officer):
    edit(privacy_officer, approved, **{"sub-0-countries": "US", "sub-0-safeguard": "SCC's"})
    assert state(approved).changed_since_approval()
    page = detail(privacy_officer, approved)
    assert "Subverwerker Hosting BV: Land" in page
    assert "US" in page


def test_an_added_subprocessor_voids_the_approval(approved, privacy_officer):
    edit(privacy_officer, approved, **{"sub-1-name": "Mailer Inc", "sub-1-countries": "IE"})
    assert state(approved).changed_since_approval()
    assert "Subverwerker Mailer Inc" in detail(privacy_officer, approved)


def test_a_removed_subprocessor_voids_the_approval(approved, privacy_officer):
    edit(privacy_officer, approved, **{"sub-0-DELETE": "on"})
    assert state(approved).changed_since_approval()
    assert "verwijderd" in detail(privacy_officer, approved)


def test_a_new_document_version_voids_the_approval(approved, privacy_officer):
    response = client_for(privacy_officer).post(
        reverse("agreements:document_upload", args=[approved.pk]),
        {"kind": "overeenkomst", "file": pdf_upload("getekend.pdf")},
    )
    assert response.status_code == 302
    assert state(approved).changed_since_approval()
    # The checklist asked for the DPA before submission: this upload is its second version.
    assert "nieuwe versie 2: getekend.pdf" in detail(privacy_officer, approved)


def test_a_privacy_notice_with_other_attributes_voids_the_approval(approved, privacy_officer):
    product = approved.products.get()
    mail = Attribute.objects.get(code="mail")
    response = client_for(privacy_officer).post(
        reverse("agreements:privacy_notice_edit", args=[approved.pk, product.pk]),
        {"attributes": [mail.pk], "note": "", "version": approved.version},
    )
    assert response.status_code == 302
    assert state(approved).changed_since_approval()
    page = detail(privacy_officer, approved)
    assert "Bijsluiter Rekenmaatje: Overeengekomen attributen" in page


def test_a_privacy_notice_document_voids_the_approval(approved, privacy_officer):
    product = approved.products.get()
    eck = Attribute.objects.get(code="eckId")
    given = Attribute.objects.get(code="givenName")
    client_for(privacy_officer).post(
        reverse("agreements:privacy_notice_edit", args=[approved.pk, product.pk]),
        {
            "attributes": [eck.pk, given.pk],
            "file": pdf_upload("bijsluiter.pdf", PDF + b"%v2"),
            "version": approved.version,
        },
    )
    agreement = state(approved)
    assert agreement.privacy_notices.get().document.original_name == "bijsluiter.pdf"
    assert agreement.changed_since_approval()


def _notice_with_document(user, agreement: Agreement, content: bytes) -> None:
    product = agreement.products.get()
    response = client_for(user).post(
        reverse("agreements:privacy_notice_edit", args=[agreement.pk, product.pk]),
        {
            "attributes": [a.pk for a in Attribute.objects.filter(code__in=["eckId", "givenName"])],
            "file": pdf_upload("bijsluiter.pdf", content),
            "version": Agreement.objects.get(pk=agreement.pk).version,
        },
    )
    assert response.status_code == 302, response.content.decode()


def test_a_notice_relinked_and_its_old_bijsluiter_uploaded_again_still_voids_the_approval(
    approved, privacy_officer, fg
):
    """The fingerprint holds the latest document of each kind; a notice's own document
    counts too, or linking a notice to a new PDF and then uploading the approved bijsluiter's
    bytes again as the latest would bring the approval back over a document the FG never saw."""
    first, second = PDF + b"%v1", PDF + b"%v2"
    _notice_with_document(privacy_officer, approved, first)
    submit_agreement(agreement=approved, user=privacy_officer)
    decide_agreement(agreement=approved, user=fg, decision="goedgekeurd", comment="Akkoord")
    assert state(approved).is_current()
    # The notice links the latest bijsluiter: the documents' entry covers it (an approval
    # given before notices' documents counted still holds).
    assert all(len(n) == 2 for n in state(approved).fingerprint_content()["privacy_notices"])

    _notice_with_document(privacy_officer, approved, second)
    assert state(approved).changed_since_approval()
    response = client_for(privacy_officer).post(
        reverse("agreements:document_upload", args=[approved.pk]),
        {"kind": "bijsluiter", "file": pdf_upload("bijsluiter-oud.pdf", first)},
    )
    assert response.status_code == 302

    agreement = state(approved)
    assert (
        agreement.privacy_notices.get().document.sha256
        != agreement.documents.latest("version").sha256
    )
    assert agreement.changed_since_approval()
    assert not agreement.is_current()
    assert ["Bijsluiter Rekenmaatje: Document", "—", "versie 2: bijsluiter.pdf"] in diff_rows(
        fg, approved
    )


def test_a_notice_relinked_to_the_agreements_own_pdf_voids_the_approval(
    approved, privacy_officer, fg
):
    """The FG saw the DPA, but not as this product's bijsluiter (only the admin can relink)."""
    _notice_with_document(privacy_officer, approved, PDF + b"%v1")
    submit_agreement(agreement=approved, user=privacy_officer)
    decide_agreement(agreement=approved, user=fg, decision="goedgekeurd", comment="Akkoord")
    assert state(approved).is_current()
    notice = approved.privacy_notices.get()
    notice.document = approved.documents.filter(kind="overeenkomst").latest("version")
    notice.save()
    assert state(approved).changed_since_approval()


def test_a_notice_cannot_take_another_agreements_document(approved, privacy_officer):
    from django.core.exceptions import ValidationError

    other = make_agreement([make_product("Spellingspel")])
    _notice_with_document(privacy_officer, other, PDF + b"%ander")
    notice = approved.privacy_notices.create(product=approved.products.get())
    notice.document = other.privacy_notices.get().document
    with pytest.raises(ValidationError) as refused:
        notice.full_clean()
    assert refused.value.error_dict["document"][0].code == "foreign_document"


def test_a_new_signatory_voids_the_approval_and_shows_in_the_diff(approved, privacy_officer):
    edit(privacy_officer, approved, signed_by="Bestuurder B. de Jong")
    assert state(approved).changed_since_approval()
    assert diff_rows(privacy_officer, approved) == [["Getekend door", "—", "Bestuurder B. de Jong"]]


@pytest.mark.parametrize(
    ("field", "value", "row"),
    [
        ("model", "eigen", ["Model", "Model Convenant 4.0", "Eigen model leverancier"]),
        ("transfer_safeguard", "SCC", ["Waarborg doorgifte", "—", "SCC"]),
        ("transfer_outside_eea", "on", ["Doorgifte buiten de EER", "nee", "ja"]),
    ],
)
def test_every_field_under_gegevens_is_covered(approved, privacy_officer, field, value, row):
    edit(privacy_officer, approved, **{field: value})
    assert state(approved).changed_since_approval()
    assert diff_rows(privacy_officer, approved) == [row]


def test_a_new_reference_voids_the_approval(approved, privacy_officer):
    old = approved.reference
    edit(privacy_officer, approved, reference="VO-ANDERS")
    assert state(approved).changed_since_approval()
    assert diff_rows(privacy_officer, approved) == [["Kenmerk", old, "VO-ANDERS"]]


def product_data(product: Product, **overrides) -> dict:
    return {
        "supplier": product.supplier.pk,
        "name": product.name,
        "kind": product.kind,
        "access_channel": product.access_channel,
        "status": product.status,
        "processes_personal_data": "on" if product.processes_personal_data else "",
        "version": product.version,
        **overrides,
    }


def test_renaming_a_covered_product_voids_the_approval(approved, privacy_officer):
    product = approved.products.get()
    response = client_for(privacy_officer).post(
        reverse("suppliers:product_edit", args=[product.pk]),
        product_data(product, name="Rekenmaatje Pro"),
    )
    assert response.status_code == 302
    assert state(approved).changed_since_approval()
    assert diff_rows(privacy_officer, approved) == [
        [
            "Producten",
            "Rekenmaatje",
            "Rekenmaatje Pro + toegevoegd: Rekenmaatje Pro − weggehaald: Rekenmaatje",
        ]
    ]


def test_moving_a_covered_product_to_another_supplier_voids_the_approval(approved, privacy_officer):
    product = approved.products.get()
    other = make_supplier("Andere Uitgever BV")
    # The product form refuses the move (tests/suppliers); the admin or the shell do not.
    response = client_for(privacy_officer).post(
        reverse("suppliers:product_edit", args=[product.pk]),
        product_data(product, supplier=other.pk),
    )
    assert response.status_code == 200 and not state(approved).changed_since_approval()
    product.supplier = other
    product.save()
    assert state(approved).changed_since_approval()
    [row] = diff_rows(privacy_officer, approved)
    assert row[:2] == ["Producten", "Rekenmaatje"]
    assert row[2].startswith("Andere Uitgever BV / Rekenmaatje")


def test_renaming_the_supplier_voids_the_approval(approved, privacy_officer):
    supplier = approved.supplier
    old_name = supplier.name
    supplier.name = "Nieuwe Naam BV"
    supplier.save()
    assert state(approved).changed_since_approval()
    # The products moved with it: no change of their own.
    assert diff_rows(privacy_officer, approved) == [["Leverancier", old_name, "Nieuwe Naam BV"]]


def test_another_supplier_voids_the_approval(approved, privacy_officer):
    old_name = approved.supplier.name
    approved.supplier = make_supplier("Overnemer BV")
    approved.save()
    assert state(approved).changed_since_approval()
    assert ["Leverancier", old_name, "Overnemer BV"] in diff_rows(privacy_officer, approved)


# One more item of the shape each list of the approved content holds.
EXTRA_ITEMS = {
    "products": [999_999, "Leverancier X", "Product X"],
    "attributes": "mail",
    "privacy_notices": [999_999, ["mail"]],
    "subprocessors": ["Extra BV", "opslag", "US", ""],
    "documents": ["beveiligingsbijlage", "0" * 64],
}


def other_value(key: str, value):
    if key in EXTRA_ITEMS:
        return [*value, EXTRA_ITEMS[key]]
    if key == "supplier":
        return [value[0], value[1] + " (anders)"]
    if isinstance(value, bool):
        return not value
    if key.endswith("_on"):
        return "2031-01-01"
    return (value or "") + " (anders)"


def test_the_diff_and_the_fingerprint_read_the_same_fields(approved):
    """Whatever part of the content differs, the fingerprint differs and the diff says what."""
    content = state(approved).fingerprint_content()
    for key, value in content.items():
        changed = {**content, key: other_value(key, value)}
        assert fingerprint(changed) != fingerprint(content), key
        assert content_changes(approved, content, changed), key
    approval = Review.objects.get(agreement=approved)
    rebuilt = content_as_of(approved, approval_baseline(approval))
    assert fingerprint(rebuilt) == approval.fingerprint


def test_the_old_review_stays_and_resubmitting_asks_the_fg_again(approved, privacy_officer, fg):
    edit(privacy_officer, approved, retention="2 jaar")
    complete_checklist(approved)
    client_for(privacy_officer).post(reverse("agreements:agreement_submit", args=[approved.pk]))
    approved.refresh_from_db()
    assert approved.status == AgreementStatus.SUBMITTED
    assert Review.objects.filter(agreement=approved).count() == 1
    decide_agreement(agreement=approved, user=fg, decision="goedgekeurd", comment="Ook goed")
    assert state(approved).is_current()
    assert Review.objects.filter(agreement=approved).count() == 2


def test_an_approval_that_still_holds_is_not_withdrawn_by_submitting(approved, privacy_officer):
    # Submitting would turn a current approval into "wacht op de FG": the tool would be
    # flagged as not approved although the FG's approval covers it.
    assert "Indienen ter beoordeling" not in detail(privacy_officer, approved)
    response = client_for(privacy_officer).post(
        reverse("agreements:agreement_submit", args=[approved.pk]), follow=True
    )
    assert "Opnieuw indienen zou het geldige akkoord intrekken" in response.content.decode()
    approved.refresh_from_db()
    assert approved.status == AgreementStatus.APPROVED and state(approved).is_current()
    # Once the content changed, the agreement goes back to the FG as before.
    edit(privacy_officer, approved, retention="2 jaar")
    assert "Indienen ter beoordeling" in detail(privacy_officer, approved)


def test_the_list_marks_agreements_changed_since_approval(approved, privacy_officer):
    edit(privacy_officer, approved, retention="2 jaar")
    page = client_for(privacy_officer).get(reverse("agreements:agreement_list")).content.decode()
    assert "gewijzigd na akkoord" in page


def test_the_list_marks_an_agreement_whose_agreed_attributes_changed_since_approval(
    approved, privacy_officer
):
    client = client_for(privacy_officer)
    assert "gewijzigd na akkoord" not in client.get(reverse("agreements:agreement_list")).text
    approved.attributes.add(Attribute.objects.get(code="foto"))
    assert "gewijzigd na akkoord" in client.get(reverse("agreements:agreement_list")).text


def test_a_resubmitted_agreement_shows_the_fg_what_changed_since_the_last_approval(
    approved, privacy_officer, fg
):
    edit(privacy_officer, approved, retention="3 jaar")
    complete_checklist(approved)
    client_for(privacy_officer).post(reverse("agreements:agreement_submit", args=[approved.pk]))
    page = detail(fg, approved)
    assert "Gewijzigd sinds dat akkoord" in page
    assert "3 jaar" in page and "Besluit vastleggen" in page


def test_an_imported_outdated_approval_shows_the_banner_without_a_diff(fg, reader):
    agreement = make_agreement([make_product()])
    Review.objects.create(
        agreement=agreement,
        decision="goedgekeurd",
        comment="Overgenomen",
        fingerprint="0" * 64,
        imported=True,
    )
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.APPROVED)
    page = detail(reader, agreement)
    assert "Gewijzigd na akkoord" in page
    assert "staat niet in de geschiedenis van dit register" in page


NAME_IN_APPROVAL = "goedgekeurd met deze naam erin"


def test_the_product_and_supplier_forms_say_which_approvals_a_new_name_voids(privacy_officer, fg):
    """Renaming voided the FG's approval with only "De wijzigingen zijn opgeslagen."."""
    product = make_product("Rekenmeester")
    approved = make_agreement(
        [product], status=AgreementStatus.APPROVED, reviewer=fg, reference="VO-AKKOORD"
    )
    loose = make_product("Los product")
    client = client_for(privacy_officer)
    product_form = client.get(reverse("suppliers:product_edit", args=[product.pk])).text
    supplier_form = client.get(reverse("suppliers:supplier_edit", args=[product.supplier.pk])).text
    for page in (product_form, supplier_form):
        assert NAME_IN_APPROVAL in page and "VO-AKKOORD" in page
    assert (
        NAME_IN_APPROVAL not in client.get(reverse("suppliers:product_edit", args=[loose.pk])).text
    )
    # What the warning says happens.
    assert approved.approval_matches_content()
    Product.objects.filter(pk=product.pk).update(name="Rekenmeester 2")
    assert Agreement.objects.get(pk=approved.pk).changed_since_approval()
