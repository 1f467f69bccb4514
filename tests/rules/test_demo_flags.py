"""The demo board's flags are the ones an FG would expect (register/demo.py)."""

import pytest

from register.demo import load_demo
from register.rules import compute_flags

pytestmark = pytest.mark.django_db


def test_the_demo_board_raises_the_flags_an_fg_would_expect():
    load_demo()
    found = {
        (
            f.code,
            f.product.name if f.product else None,
            f.agreement.reference if f.agreement else None,
            f.attribute.code if f.attribute else None,
            f.activity.name if f.activity else None,
        )
        for f in compute_flags()
    }
    assert found == {
        ("approval_outdated", "Toetsplein LOVS", "VWO-2023-007", None, None),
        ("expired", "Schoolportaal Wijzer", "VWO-2022-002", None, None),
        ("flow_exceeds_agreement", "Spellingsterk", "VWO-2024-002", "geboortedatum", None),
        ("no_agreement", "Muziekmaker", None, None, None),
        ("not_approved", "Cloudwerk Office", "VWO-2025-011", None, None),
        ("not_approved", "Klasbord", "VWO-2025-010", None, None),
        ("not_approved", "Oefenwereld Rekenen", "VWO-2026-004", None, None),
        ("expiring", "Identiq IDM", "VWO-2024-008", None, None),
        ("register_incomplete", None, None, None, "Communicatie met ouders"),
        # Issue 16: one activity missing its recipients, one whose product's agreement sends
        # data to the US while it says "geen", one with health data and no art. 9 exception.
        ("register_incomplete", None, None, None, "Schoolfotografie"),
        ("transfer_not_in_register", None, None, None, "Voorleessoftware"),
        ("special_category_unjustified", None, None, None, "Verzuim en jeugdgezondheidszorg"),
        ("register_incomplete", "Muziekmaker", None, None, None),
        ("transfer_outside_eea", None, "VWO-2025-011", None, None),
        ("unsigned", "Kompas LAS", "VWO-2025-003", None, None),
        ("flows_unknown", "Muziekmaker", None, None, None),
        ("no_document", None, "VWO-2025-003", None, None),
        # Issue 15: eckId through Entree without an ARP; a subprocessor without a location.
        ("arp_missing", "Schoolportaal Wijzer", "VWO-2022-002", "eckId", None),
        ("subprocessor_location_unknown", None, "VWO-2026-006", None, None),
    }
