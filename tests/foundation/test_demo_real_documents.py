"""The demo board shows issue 15's additions in use (register/demo.py, REAL_DOCUMENT_CONTENT)."""

import pytest

from agreements.models import Agreement, Document, Subprocessor
from register.demo import load_demo
from register.rules import compute_flags

from ..conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_demo_holds_a_two_country_cloud_an_arp_a_dpia_and_one_case_of_each_new_flag(reader):
    load_demo()

    cloud = Subprocessor.objects.get(name="Benelux Cloud BV")
    assert (cloud.countries, cloud.headquarters) == ("NL, BE", "US")
    assert Document.objects.filter(kind="arp").exists()
    assert Document.objects.filter(kind="dpia").exists()
    agreement = Agreement.objects.with_fingerprint_content().get(reference="VWO-2024-002")
    assert agreement.dvo_reference and agreement.is_current()  # the FG approved it all
    notice = agreement.privacy_notices.get(product__name="Spellingsterk")
    assert {s.name for s in notice.subprocessors.all()} == {
        "Amazon Web Services EMEA",
        "Benelux Cloud BV",
    }
    codes = [f.code for f in compute_flags()]
    assert codes.count("arp_missing") == 1
    assert codes.count("subprocessor_location_unknown") == 1
    page = client_for(reader).get(agreement.get_absolute_url()).content.decode()
    assert "NL, BE" in page and "DVO-2024-018734" in page
