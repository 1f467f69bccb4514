"""After a write, the kept flags and level are updated for what the write touched only
(register/rules/incremental.py), and equal a full computation after every kind of write."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.db.models import F, Value
from django.db.models.functions import Concat

from agreements.models import (
    Agreement,
    AgreementStatus,
    Decision,
    Document,
    PrivacyNotice,
    Review,
    Subprocessor,
)
from bench.generate import generate_register
from register.models import Organisation, ProcessingActivity, School
from register.rules import cache, compute_flags, compute_level, incremental
from suppliers.models import Attribute, DataFlow, Product, Supplier

pytestmark = pytest.mark.django_db


def _full() -> tuple[list[dict], dict, list]:
    cache.forget()
    return _seen()


def _seen() -> tuple[list[dict], dict, list]:
    level = compute_level()
    evidence = [
        [(item.kind, item.label, item.reason, item.code) for item in criterion.evidence]
        for criterion in level.criteria
    ]
    return [flag.as_json() for flag in compute_flags()], level.as_json(), evidence


def _after(write, *, incremental_expected: bool = True) -> None:
    """Keep the state, write, and compare the updated state with a full computation."""
    compute_level()  # kept, with the level's evidence
    write()
    with mock.patch.object(incremental, "full_state", wraps=incremental.full_state) as full:
        updated = _seen()
    assert full.called != incremental_expected
    assert updated == _full()


@pytest.fixture
def register(db):
    generate_register(scale=0.01, seed=7)
    cache.forget()
    _seen()
    return None


def _product(**filters) -> Product:
    return Product.objects.filter(**filters).order_by("pk").first()


def _agreement(**filters) -> Agreement:
    return Agreement.objects.filter(**filters).order_by("pk").first()


def test_every_kind_of_write_through_the_models_gives_the_full_computations_result(register):
    product = _product(agreements__status=AgreementStatus.APPROVED)
    agreement = _agreement(status=AgreementStatus.APPROVED)
    activity = ProcessingActivity.objects.order_by("pk").first()
    other = _product(agreements__isnull=True)

    def edit_product():
        product.name = "Hernoemd product"
        product.save()

    def retire_product():
        other.status = "retired"
        other.save()

    def move_product():
        other.supplier = Supplier.objects.exclude(pk=other.supplier_id).order_by("pk").first()
        other.save()

    _after(edit_product)
    _after(retire_product)
    _after(move_product)
    _after(lambda: DataFlow.objects.create(product=product, attribute=Attribute.objects.last()))
    _after(lambda: DataFlow.objects.filter(product=product).first().delete())

    def change_agreement():
        agreement.ends_on = datetime.date.today() + datetime.timedelta(days=10)
        agreement.save()

    _after(change_agreement)
    _after(lambda: agreement.products.add(other))
    _after(lambda: agreement.products.remove(other))
    _after(lambda: agreement.attributes.add(Attribute.objects.first()))
    _after(lambda: Subprocessor.objects.create(agreement=agreement, name="Wolk", country="US"))
    notice = PrivacyNotice.objects.order_by("pk").first()
    _after(lambda: notice.attributes.set(list(Attribute.objects.order_by("pk")[:2])))
    submitted = _agreement(status=AgreementStatus.SUBMITTED)

    def approve():
        Review.objects.create(
            agreement=submitted,
            decision=Decision.APPROVED,
            fingerprint=submitted.content_fingerprint(),
            reviewer=None,
        )
        submitted.status = AgreementStatus.APPROVED
        submitted.save()

    _after(approve)
    document = Document.objects.order_by("pk").first()

    def new_document_version():
        document.version += 1
        document.save()

    _after(new_document_version)

    def edit_activity():
        activity.purposes = ""
        activity.save()

    _after(edit_activity)
    _after(lambda: activity.products.add(other))
    _after(lambda: activity.products.remove(other))
    # Cleared from the product's side: which activities lost it is not noted, so afresh.
    _after(lambda: other.processing_activities.clear(), incremental_expected=False)

    def rename_supplier():
        supplier = product.supplier
        supplier.name = "Andere naam BV"
        supplier.save()

    _after(rename_supplier)
    _after(lambda: School.objects.create(brin="99ZZ", name="Nieuwe school"))
    _after(lambda: School.objects.order_by("pk").first().products.add(product))
    _after(lambda: Subprocessor.objects.order_by("pk").first().delete())
    draft = Agreement.objects.create(
        supplier=other.supplier, reference="TEST-DELETE", status=AgreementStatus.DRAFT
    )
    _after(lambda: draft.products.add(other))
    # Agreements are never deleted (agreements/signals.py): they end.

    def terminate():
        draft.status = AgreementStatus.TERMINATED
        draft.save()

    _after(terminate)
    loose = Product.objects.create(supplier=other.supplier, name="Los product", status="in_gebruik")
    _after(lambda: DataFlow.objects.create(product=loose, attribute=Attribute.objects.first()))
    _after(lambda: activity.products.add(loose))
    _after(lambda: loose.delete())
    _after(lambda: ProcessingActivity.objects.order_by("pk").last().delete())


def test_writes_that_could_touch_anything_or_bypass_the_models_compute_afresh(register):
    def rename_attribute():
        attribute = Attribute.objects.order_by("pk").first()
        attribute.label = "Andere omschrijving"
        attribute.save()

    def save_organisation():
        organisation = Organisation.load()
        organisation.name = "Stichting Test"
        organisation.save()

    _after(rename_attribute, incremental_expected=False)
    _after(save_organisation, incremental_expected=False)
    # No save signals: the notes have a gap, so everything is computed afresh.
    _after(
        lambda: Product.objects.filter(pk=_product().pk).update(
            name=Concat(F("name"), Value(" (update)"))
        ),
        incremental_expected=False,
    )
    _after(
        lambda: Agreement.objects.filter(status=AgreementStatus.APPROVED).update(signed_on=None),
        incremental_expected=False,
    )


def test_a_rolled_back_write_leaves_the_kept_state_as_it_was(register):
    from django.db import transaction

    before = _seen()
    product = _product()
    with pytest.raises(RuntimeError), transaction.atomic():
        product.name = "Teruggedraaid"
        product.save()
        raise RuntimeError
    assert _seen() == before == _full()


@pytest.fixture
def shared_rules_cache(settings):
    from django.core.cache import caches
    from django.core.management import call_command

    settings.CACHES = {
        **settings.CACHES,
        "rules": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "rules_cache_test",
        },
    }
    call_command("createcachetable", "rules_cache_test", verbosity=0)
    yield caches["rules"]
    caches["rules"].clear()


def test_a_process_without_a_state_takes_the_shared_one_and_updates_it(
    register, shared_rules_cache
):
    """Two gunicorn workers: the second finds the first one's computation in the database
    cache, and after a write updates it for what changed instead of computing it all."""
    cache.forget()
    first = _seen()  # worker 1 computes everything and shares it
    cache.forget()  # worker 2 has nothing of its own
    with mock.patch.object(incremental, "full_state", wraps=incremental.full_state) as full:
        assert _seen() == first
        product = _product()
        product.name = "Gedeeld en bijgewerkt"
        product.save()
        cache.forget()
        updated = _seen()
    assert not full.called
    assert updated == _full()


def test_an_edit_through_the_product_form_updates_only_what_it_touched(register, privacy_officer):
    """The edit form claims a new version with `update()` before it saves; that write is
    noted too, so the dashboard after the edit updates the kept flags instead of computing
    them all, and shows what a full computation shows."""
    from django.urls import reverse

    from tests.conftest import client_for

    product = _product(agreements__status=AgreementStatus.APPROVED)
    client = client_for(privacy_officer)
    client.get(reverse("dashboard"))
    response = client.post(
        reverse("suppliers:product_edit", args=[product.pk]),
        {
            "supplier": product.supplier.pk,
            "name": "Hernoemd via het formulier",
            "kind": product.kind,
            "access_channel": product.access_channel,
            "status": "uitgefaseerd",
            "processes_personal_data": "on",
            "version": product.version,
        },
    )
    assert response.status_code == 302
    with mock.patch.object(incremental, "full_state", wraps=incremental.full_state) as full:
        page = client.get(reverse("dashboard"))
        updated = _seen()
    assert not full.called
    assert updated == _full()
    assert page.status_code == 200
