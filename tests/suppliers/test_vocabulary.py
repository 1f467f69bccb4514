"""The attribute vocabulary of DESIGN.md 11.1: labels, ARP and special-category marks, codes."""

import importlib

import pytest
from django.apps import apps

from suppliers.models import Attribute

from ..conftest import client_for, make_flow, make_product

pytestmark = pytest.mark.django_db

vocabulary = importlib.import_module("suppliers.migrations.0007_vocabulary_real_documents")

NEW_CODES = [
    "employeeNumber",
    "initialen",
    "nationaliteit",
    "geboorteplaats",
    "verzuim",
    "financieel",
    "bankrekeningnummer",
    "ontwikkelingsperspectief",
    "schooladvies",
    "functie",
    "ouder_kind_relatie",
    "mentor",
    "berichten",
    "video",
    "godsdienst",
]


def label(code: str) -> str:
    return Attribute.objects.get(code=code).label


def test_the_entree_identifiers_say_what_their_value_is():
    assert "pseudoniem" in label("uid") and "niet de gebruikersnaam" in label("uid")
    assert label("nlEduPersonRealId").startswith("Gebruikersnaam op school")
    assert label("nlEduPersonProfileId").startswith("Leerlingnummer op school")


def test_arp_and_special_category_are_marked_where_the_design_says():
    assert set(Attribute.objects.filter(needs_arp=True).values_list("code", flat=True)) == {
        "nlEduPersonRealId",
        "nlEduPersonProfileId",
        "eckId",
    }
    assert set(Attribute.objects.filter(special=True).values_list("code", flat=True)) == {
        "gezondheid",
        "godsdienst",
    }
    # BSN is sensitive (art. 87 UAVG), not a special category of art. 9.
    bsn = Attribute.objects.get(code="bsn_pgn")
    assert bsn.sensitive and not bsn.special


def test_the_new_codes_are_in_the_vocabulary_with_a_dutch_label():
    added = {a.code: a for a in Attribute.objects.filter(code__in=NEW_CODES)}
    assert sorted(added) == sorted(NEW_CODES)
    assert added["employeeNumber"].standard == "entree"
    assert added["godsdienst"].label == "Godsdienst of levensovertuiging"
    assert added["godsdienst"].sensitive and added["godsdienst"].category == "bijzonder"
    assert all(a.label and a.category for a in added.values())
    # Each one got a history entry, as the seeded vocabulary did.
    assert all(a.history.exists() for a in added.values())


def test_the_update_leaves_what_a_board_edited_alone():
    Attribute.objects.filter(code="uid").update(label="Onze eigen omschrijving")
    Attribute.objects.filter(code="nlEduPersonRealId").update(
        label="Persistente identifier (realId)"
    )
    Attribute.objects.filter(code="video").update(label="Filmpjes", category="gebruik")
    Attribute.objects.filter(code="godsdienst").delete()
    vocabulary.update(apps, None)
    assert label("uid") == "Onze eigen omschrijving"
    assert label("nlEduPersonRealId").startswith("Gebruikersnaam op school")
    video = Attribute.objects.get(code="video")
    assert (video.label, video.category) == ("Filmpjes", "gebruik")
    assert Attribute.objects.get(code="godsdienst").special
    assert Attribute.objects.filter(code__in=NEW_CODES).count() == len(NEW_CODES)


def test_the_product_page_shows_label_first_and_the_marks(reader):
    product = make_product()
    make_flow(product, "gezondheid", "handmatig")
    make_flow(product, "eckId", "entree")
    text = client_for(reader).get(product.get_absolute_url()).text
    assert (
        "Gezondheidsgegevens en ondersteuningsbehoefte (<code>gezondheid</code>) · bijzonder"
        in text
    )
    assert "ECK iD (gepseudonimiseerd) (<code>eckId</code>) · ARP nodig" in text
