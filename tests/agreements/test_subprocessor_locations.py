"""Subprocessor locations, safeguard kinds and the transfer rule (DESIGN.md 11.2, 11.3)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agreements.models import (
    Agreement,
    InvalidLocation,
    PrivacyNotice,
    Subprocessor,
    parse_locations,
    transfers_outside_eea,
    unsafe_transfer,
)

from ..conftest import make_agreement, make_product


@pytest.mark.parametrize(
    "text, locations",
    [
        ("NL, BE", ["NL", "BE"]),
        ("nl;be", ["NL", "BE"]),
        ("EER", ["EER"]),
        ("eu", ["EER"]),
        ("Wereldwijd", ["wereldwijd"]),
        ("US, us", ["US"]),
        ("", []),
    ],
)
def test_locations_are_read_as_iso_codes_and_regions(text, locations):
    assert parse_locations(text) == locations


@pytest.mark.parametrize("text", ["Nederland", "XX", "NL, Verweggistan"])
def test_an_unknown_location_is_refused_by_name(text):
    with pytest.raises(InvalidLocation):
        parse_locations(text)


@pytest.mark.parametrize(
    "countries, text, kind, unsafe",
    [
        ("NL, BE", "", "", False),
        ("EER", "", "", False),
        ("US", "", "", True),
        ("wereldwijd", "", "", True),
        ("NL, US", "", "", True),
        ("US", "SCC's", "", False),  # no kind: the text counts, as before
        ("US", "", "dpf", False),
        ("US", "", "scc", False),
        ("US", "", "bcr", False),
        ("US", "", "adequaatheidsbesluit", False),
        ("US", "We denken erover na", "geen", True),  # geen: the text does not save it
        ("", "", "", False),  # unknown: its own flag, not this one
    ],
)
def test_a_transfer_outside_the_eea_needs_a_safeguard_kind_or_text(countries, text, kind, unsafe):
    assert unsafe_transfer(countries, text, kind) is unsafe


@pytest.mark.django_db
def test_transfers_outside_eea_reads_prefetched_subprocessors_without_queries(
    django_assert_num_queries,
):
    eea = make_agreement([make_product()], subprocessors=(("Host", "NL, BE", ""),))
    world = make_agreement([make_product()], subprocessors=(("CDN", "wereldwijd", ""),))
    said = make_agreement([make_product()], transfer_outside_eea=True)
    agreements = {a.pk: a for a in Agreement.objects.prefetch_related("subprocessors")}
    with django_assert_num_queries(0):
        assert not transfers_outside_eea(agreements[eea.pk])
        assert transfers_outside_eea(agreements[world.pk])
        assert transfers_outside_eea(agreements[said.pk])


@pytest.mark.django_db
def test_a_subprocessor_is_unique_per_agreement_name_and_service():
    agreement = make_agreement([make_product()])
    Subprocessor.objects.create(agreement=agreement, name="Cloud", service="Hosting")
    Subprocessor.objects.create(agreement=agreement, name="Cloud", service="Back-up")
    with pytest.raises(IntegrityError), transaction.atomic():
        Subprocessor.objects.create(agreement=agreement, name="Cloud", service="Hosting")


@pytest.mark.django_db
def test_a_notice_names_only_its_own_agreements_subprocessors():
    product = make_product()
    agreement = make_agreement([product], subprocessors=(("Host", "NL", ""),))
    other = make_agreement([make_product()], subprocessors=(("Elders", "NL", ""),))
    notice = PrivacyNotice.objects.create(agreement=agreement, product=product)

    notice.subprocessors.add(agreement.subprocessors.get())
    with pytest.raises(ValidationError, match="hoort niet bij overeenkomst"), transaction.atomic():
        notice.subprocessors.add(other.subprocessors.get())
    with pytest.raises(ValidationError), transaction.atomic():
        other.subprocessors.get().privacy_notices.add(notice)
    assert [s.name for s in notice.subprocessors.all()] == ["Host"]
