"""The admin's history pages (/beheer/.../history/<id>/) can show old versions, never write them.

simple-history's revert form saves the old version whole. For a review (the FG's decision and
its fingerprint), an agreement (its status and submitter) and a document that would rewrite
evidence, so their history is read-only, also for a superuser; so is the history of anything
whose change page is read-only for the user.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from agreements.models import Agreement, AgreementStatus, Decision, Document, Review
from agreements.services import add_document
from register.models import ProcessingActivity
from suppliers.admin import HistoryAdmin
from suppliers.models import Supplier

from ..conftest import client_for, make_agreement, make_product

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def approved(fg, privacy_officer) -> Agreement:
    agreement = make_agreement([make_product()], status=AgreementStatus.APPROVED, reviewer=fg)
    add_document(agreement=agreement, kind="overeenkomst", content=PDF, original_name="vo.pdf")
    return agreement


def older_version(obj, **values):
    """A history record of `obj` holding other values, as an earlier save would have left."""
    record = obj.history.earliest("history_date")
    record.pk = None
    for name, value in values.items():
        setattr(record, name, value)
    record.save()
    return record


def history_url(obj, record) -> str:
    meta = obj._meta
    return reverse(
        f"admin:{meta.app_label}_{meta.model_name}_simple_history", args=[obj.pk, record.pk]
    )


def form_data(response) -> dict:
    """What the revert form posts: the values of the old version it shows."""
    return form_data_of(response.context["adminform"].form)


def form_data_of(form) -> dict:
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[name] = value
    return data


def test_a_superuser_cannot_revert_a_review(approved, superuser):
    review = Review.objects.get()
    fingerprint = review.fingerprint
    record = older_version(review, decision=Decision.REJECTED, fingerprint="0" * 64)
    client = client_for(superuser)
    url = history_url(review, record)
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="Revert"' not in page.text and 'name="_save"' not in page.text
    assert client.post(url, {"_save": "Revert"}).status_code == 403
    review.refresh_from_db()
    assert review.decision == Decision.APPROVED
    assert review.fingerprint == fingerprint


def test_a_superuser_cannot_revert_an_agreement_to_an_earlier_status(approved, superuser):
    # make_agreement created it as a draft and then saved it approved.
    record = approved.history.earliest("history_date")
    assert record.status == AgreementStatus.DRAFT
    client = client_for(superuser)
    url = history_url(approved, record)
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    response = client.post(url, {**form_data(page), "_save": "Revert"})
    assert response.status_code == 403
    approved.refresh_from_db()
    assert approved.status == AgreementStatus.APPROVED


def test_a_superuser_cannot_revert_a_document(approved, superuser):
    document = Document.objects.get()
    record = older_version(document, sha256="f" * 64, original_name="ander.pdf")
    client = client_for(superuser)
    url = history_url(document, record)
    assert client.get(url).status_code == 200
    assert client.post(url, {"_save": "Revert"}).status_code == 403
    document.refresh_from_db()
    assert document.original_name == "vo.pdf" and document.sha256 != "f" * 64


def test_staff_who_may_only_view_cannot_revert(django_user_model):
    supplier = Supplier.objects.create(name="Uitgeverij Oud")
    supplier.name = "Uitgeverij Nieuw"
    supplier.save()
    viewer = django_user_model.objects.create_user("kijker", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_supplier"))
    client = client_for(viewer)
    url = history_url(supplier, supplier.history.earliest("history_date"))
    page = client.get(url)
    assert page.status_code == 200
    assert client.post(url, {"name": "Uitgeverij Oud", "_save": "Revert"}).status_code == 403
    supplier.refresh_from_db()
    assert supplier.name == "Uitgeverij Nieuw"


def test_a_revert_writes_only_what_the_change_page_edits(superuser):
    activity = ProcessingActivity.objects.create(name="Oefenen", purposes="Oud")
    activity.purposes = "Nieuw"
    activity.version = 7  # bumped by the edits a form would have made
    activity.save()
    client = client_for(superuser)
    url = history_url(activity, activity.history.earliest("history_date"))
    response = client.post(url, {**form_data(client.get(url)), "_save": "Revert"})
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.purposes == "Oud"
    # Not on the change page, so not reverted: moved on, as after any edit.
    assert activity.version == 8


def test_every_admin_with_history_guards_its_revert():
    plain = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if isinstance(model_admin, SimpleHistoryAdmin) and not isinstance(model_admin, HistoryAdmin)
    ]
    assert plain == []
    read_only = {
        model.__name__
        for model, model_admin in admin.site._registry.items()
        if getattr(model_admin, "history_read_only", False)
    }
    assert {"Agreement", "Document", "Review"} <= read_only


def test_an_admin_edit_makes_a_form_opened_before_it_stale(superuser, privacy_officer):
    supplier = Supplier.objects.create(name="Uitgeverij Een", convenant="geen")
    officer = client_for(privacy_officer)
    edit_url = reverse("suppliers:supplier_edit", args=[supplier.pk])
    form = officer.get(edit_url).context["form"]
    loaded = {name: form[name].value() for name in form.fields if form[name].value() is not None}

    admin_url = reverse("admin:suppliers_supplier_change", args=[supplier.pk])
    admin = client_for(superuser)
    page = admin.get(admin_url).context
    admin_data = {n: v for n, v in form_data_of(page["adminform"].form).items() if v}
    for inline in page["inline_admin_formsets"]:
        management = inline.formset.management_form
        admin_data.update(
            {management[n].html_name: management[n].value() for n in management.fields}
        )
    admin_data.update({"notes": "Door de beheerder", "_save": "Opslaan"})
    assert admin.post(admin_url, admin_data).status_code == 302

    response = officer.post(edit_url, {**loaded, "notes": "Door de privacyfunctionaris"})
    assert response.status_code == 200
    assert "Niet opgeslagen: iemand anders heeft" in response.content.decode()
    supplier.refresh_from_db()
    assert supplier.notes == "Door de beheerder"
