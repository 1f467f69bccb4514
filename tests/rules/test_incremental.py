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


def _after(write, *, incremental_expected: bool = True) -> list[dict]:
    """Keep the state, write, and compare the updated state with a full computation; the
    flags (as `flags --json` gives them) after the write."""
    compute_level()  # kept, with the level's evidence
    write()
    with mock.patch.object(incremental, "full_state", wraps=incremental.full_state) as full:
        updated = _seen()
    assert full.called != incremental_expected
    assert updated == _full()
    return updated[0]


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
    _after(lambda: Subprocessor.objects.create(agreement=agreement, name="Wolk", countries="US"))
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
    _after(lambda: activity.products.add(other))
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


def test_an_edited_level_text_shows_in_the_kept_level_at_once(register):
    """A level text is data (DESIGN.md section 7): its edit touches no flag, but the kept
    level must not keep the old wording."""
    from register.models import LevelText

    def edit() -> None:
        for text in LevelText.objects.all():
            text.text = f"Eigen formulering van niveau {text.level}"
            text.save()

    _after(edit)
    level = compute_level()
    assert f"Eigen formulering van niveau {level.level + 1}" in level.next_step


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


def test_a_process_running_other_code_does_not_take_the_shared_state(
    register, shared_rules_cache, monkeypatch
):
    """During a deploy the workers of two releases share the cache: a worker of the new
    release computes afresh rather than take a state the old rules made (its flags could be
    the old rules' findings, its classes pickled in another shape)."""
    cache.forget()
    old_release = _seen()
    monkeypatch.setattr(cache, "code_digest", lambda: "another-release")
    cache.forget()
    with mock.patch.object(incremental, "full_state", wraps=incremental.full_state) as full:
        assert _seen() == old_release
    assert full.call_count == 1
    cache.forget()  # a second worker of the new release takes what the first one shared
    with mock.patch.object(incremental, "full_state", wraps=incremental.full_state) as full:
        assert _seen() == old_release
    assert not full.called


def test_every_rules_module_is_in_the_code_digest():
    """A rules module added later changes what a kept state holds: it must be digested too."""
    import pkgutil

    import register.rules

    modules = {f"register.rules.{m.name}" for m in pkgutil.iter_modules(register.rules.__path__)}
    assert modules <= set(cache.STATE_MODULES)
    assert {"agreements.models", "suppliers.models", "register.models"} <= set(cache.STATE_MODULES)


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


# --- the flags that read beyond their subject (DESIGN.md 11.3) ----------------------------
# An activity's consistency flags read its linked products' flows and their agreements'
# subprocessors, documents and status; `arp_missing` reads the covering agreements'
# documents. A write to any of those updates the activity (or product) incrementally, and
# the result equals a full computation: the flag appears, then clears.

PDF = b"%PDF-1.4\n%%EOF\n"
SPECIAL = "special_category_unjustified"
TRANSFER = "transfer_not_in_register"


def _flagged(flags: list[dict], code: str, **subject: str) -> bool:
    return any(
        f["code"] == code and all(f[key] == value for key, value in subject.items()) for f in flags
    )


def _current_agreement(product: Product, **fields) -> Agreement:
    from tests.conftest import make_agreement

    return make_agreement(
        [product],
        status=AgreementStatus.APPROVED,
        attributes=("eckId",),
        signed_on=datetime.date.today() - datetime.timedelta(days=30),
        **fields,
    )


def _reapprove(agreement: Agreement) -> None:
    """The FG approves the agreement's content as it is now (it is current again)."""
    fresh = Agreement.objects.get(pk=agreement.pk)
    Review.objects.create(
        agreement=fresh,
        decision=Decision.APPROVED,
        comment="Opnieuw beoordeeld",
        reviewer=None,
        reviewer_name="FG",
        fingerprint=fresh.content_fingerprint(),
    )


def _linked_activity(name: str, *products: Product) -> ProcessingActivity:
    made = ProcessingActivity.objects.create(
        name=name,
        purposes="Onderwijs",
        legal_bases=["algemeen_belang"],
        data_subjects="Leerlingen",
        personal_data="Naam",
        recipients="Leverancier (verwerker)",
        third_country_transfers="geen",
        retention="1 jaar",
        security_measures="MFA",
    )
    made.products.set(products)
    return made


def test_a_special_flow_to_a_linked_product_flags_the_activity_until_its_exception_is_filled(
    register,
):
    from tests.conftest import make_flow, make_product, make_supplier

    special = Attribute.objects.filter(special=True).order_by("pk").first()
    assert special is not None
    product = make_product("Zorgdossier", supplier=make_supplier("Zorgdossier BV"))
    make_flow(product, "eckId")
    _current_agreement(product)
    activity = _linked_activity("Leerlingzorg", product)
    before = _after(lambda: None)
    assert not _flagged(before, SPECIAL, activity="Leerlingzorg")

    flags = _after(lambda: make_flow(product, special.code, "koppeling"))
    assert _flagged(flags, SPECIAL, activity="Leerlingzorg")

    def fill_exception():
        activity.special_category_exception = "Art. 9 lid 2 sub g: zwaarwegend algemeen belang"
        activity.save()

    flags = _after(fill_exception)
    assert not _flagged(flags, SPECIAL, activity="Leerlingzorg")


def test_a_subprocessor_moving_to_the_us_flags_the_activities_that_say_geen(register):
    from tests.conftest import make_flow, make_product, make_supplier

    product = make_product("Vertaalwolk", supplier=make_supplier("Vertaalwolk BV"))
    make_flow(product, "eckId")
    agreement = _current_agreement(product, subprocessors=(("Speech BV", "NL", ""),))
    _linked_activity("Taalonderwijs", product)
    subprocessor = Subprocessor.objects.get(agreement=agreement)
    assert not _flagged(_after(lambda: None), TRANSFER, activity="Taalonderwijs")

    def to_the_us():
        subprocessor.countries = "US"
        subprocessor.safeguard_kind = "dpf"
        subprocessor.save()

    _after(to_the_us)  # the approval no longer matches: not current, so not yet its evidence
    flags = _after(lambda: _reapprove(agreement))
    assert _flagged(flags, TRANSFER, activity="Taalonderwijs")
    assert "US" in next(
        f["message"] for f in flags if f["code"] == TRANSFER and f["activity"] == "Taalonderwijs"
    )

    def back_to_the_netherlands():
        subprocessor.countries = "NL"
        subprocessor.save()

    _after(back_to_the_netherlands)
    flags = _after(lambda: _reapprove(agreement))
    assert not _flagged(flags, TRANSFER, activity="Taalonderwijs")


def test_an_arp_document_clears_arp_missing_for_the_product_it_covers(register):
    from agreements.services import add_document
    from tests.conftest import make_flow, make_product, make_supplier

    product = make_product("Toetsplatform", supplier=make_supplier("Toetsplatform BV"))
    agreement = _current_agreement(product)
    _linked_activity("Toetsen", product)
    assert not _flagged(_after(lambda: None), "arp_missing", product="Toetsplatform")

    flags = _after(lambda: make_flow(product, "eckId", "entree"))
    assert _flagged(flags, "arp_missing", product="Toetsplatform", attribute="eckId")

    flags = _after(
        lambda: add_document(agreement=agreement, kind="arp", content=PDF, original_name="arp.pdf")
    )
    assert not _flagged(flags, "arp_missing", product="Toetsplatform")


def test_a_subprocessor_without_a_location_is_flagged_until_its_country_is_filled(register):
    from tests.conftest import make_flow, make_product, make_supplier

    product = make_product("Mailtool", supplier=make_supplier("Mailtool BV"))
    make_flow(product, "eckId")
    agreement = _current_agreement(product)
    _linked_activity("Communicatie", product)
    reference = agreement.reference
    code = "subprocessor_location_unknown"
    assert not _flagged(_after(lambda: None), code, agreement=reference)

    subprocessor = Subprocessor(agreement=agreement, name="Onbekende host", countries="")
    flags = _after(subprocessor.save)
    assert _flagged(flags, code, agreement=reference)
    assert "Onbekende host" in next(
        f["message"] for f in flags if f["code"] == code and f["agreement"] == reference
    )

    def fill_country():
        subprocessor.countries = "NL"
        subprocessor.save()

    flags = _after(fill_country)
    assert not _flagged(flags, code, agreement=reference)
