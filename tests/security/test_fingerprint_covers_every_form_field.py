"""Whatever the privacy officer can edit on an approved agreement is covered by the FG's
approval: changing any field of the agreement form, the subprocessor form or the privacy
notice's content makes the approval outdated.

The fingerprint's field lists (agreements.models.APPROVED_*) are declared apart from the
forms; this test is what keeps a new form field from slipping past the FG.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import models

from agreements.forms import AgreementForm, SubprocessorForm
from agreements.models import (
    AgreementStatus,
    Decision,
    PrivacyNotice,
    Review,
    SafeguardKind,
    Subprocessor,
)
from suppliers.models import Supplier

from ..conftest import attrs, make_agreement, make_product

pytestmark = pytest.mark.django_db

# Not content the FG judges: the notice's own note (a working remark).
NOT_APPROVED = {"note"}


def other_value(instance: models.Model, name: str):
    field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if field.choices:
        return next(code for code, _ in field.choices if code and code != value)
    if isinstance(field, models.BooleanField):
        return not value
    if isinstance(field, models.DateField):
        return (value or datetime.date(2025, 1, 1)) + datetime.timedelta(days=1)
    if isinstance(field, models.ForeignKey):
        return Supplier.objects.create(name="Andere Uitgeverij", convenant="geen")
    if name in {"countries", "headquarters"}:
        return "DE" if value != "DE" else "FR"
    return f"{value} (gewijzigd)"


@pytest.fixture
def approved(fg):
    product = make_product("Rekenrijk")
    agreement = make_agreement(
        [product],
        attributes=("eckId",),
        subprocessors=(("Hosting BV", "NL", ""),),
        signed_on=datetime.date(2025, 1, 1),
        purposes="Oefenen",
    )
    notice = PrivacyNotice.objects.create(agreement=agreement, product=product)
    notice.attributes.set(attrs("eckId"))
    Review.objects.create(
        agreement=agreement,
        decision=Decision.APPROVED,
        comment="Akkoord",
        reviewer=fg,
        reviewer_name=fg.get_full_name(),
        fingerprint=agreement.content_fingerprint(),
    )
    agreement.status = AgreementStatus.APPROVED
    agreement.save()
    assert agreement.reviews.get().matches(agreement)
    return agreement


@pytest.mark.parametrize("name", [n for n in AgreementForm._meta.fields])
def test_every_agreement_form_field_is_approved_content(approved, name):
    if name == "products":
        approved.products.add(make_product("Taalrijk", supplier=approved.supplier))
    elif name == "attributes":
        approved.attributes.add(*attrs("givenName"))
    else:
        setattr(approved, name, other_value(approved, name))
        approved.save()
    approved.refresh_from_db()
    assert not approved.reviews.get().matches(approved), name


@pytest.mark.parametrize("name", SubprocessorForm._meta.fields)
def test_every_subprocessor_form_field_is_approved_content(approved, name):
    subprocessor = Subprocessor.objects.get(agreement=approved)
    if name == "safeguard_kind":
        subprocessor.safeguard_kind = SafeguardKind.SCC
    else:
        setattr(subprocessor, name, other_value(subprocessor, name))
    subprocessor.save()
    approved.refresh_from_db()
    assert not approved.reviews.get().matches(approved), name


NOTICE_FIELDS = ["attributes", "purposes", "data_subjects", "retention", "processing_locations"]


@pytest.mark.parametrize("name", NOTICE_FIELDS + ["subprocessors"])
def test_every_notice_content_field_is_approved_content(approved, name):
    notice = PrivacyNotice.objects.get(agreement=approved)
    if name == "attributes":
        notice.attributes.add(*attrs("givenName"))
    elif name == "subprocessors":
        notice.subprocessors.add(Subprocessor.objects.get(agreement=approved))
    else:
        setattr(notice, name, "Anders")
        notice.save()
    approved.refresh_from_db()
    assert not approved.reviews.get().matches(approved), name


def test_the_notice_form_edits_only_the_fields_checked_here():
    from agreements.forms import PrivacyNoticeForm

    edited = set(PrivacyNoticeForm.base_fields) - {"version", "file"} - NOT_APPROVED
    assert edited == set(NOTICE_FIELDS) | {"subprocessors"}
