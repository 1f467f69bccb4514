"""The agreement form's subprocessors: several in one save, a list of countries or a region,
a headquarters and a safeguard kind (issue 15, issue 17: "one row per save")."""

import pytest

from agreements.models import Agreement

from ..conftest import client_for, make_agreement, make_product
from .helpers import edit_data

pytestmark = pytest.mark.django_db


def edit(user, agreement, **overrides):
    data = edit_data(agreement, **overrides)
    return client_for(user).post(f"/overeenkomsten/{agreement.pk}/wijzigen/", data)


def rows(*subs) -> dict:
    data = {"sub-TOTAL_FORMS": str(len(subs)), "sub-INITIAL_FORMS": "0"}
    for i, (name, countries, headquarters, kind) in enumerate(subs):
        data.update(
            {
                f"sub-{i}-name": name,
                f"sub-{i}-countries": countries,
                f"sub-{i}-headquarters": headquarters,
                f"sub-{i}-safeguard_kind": kind,
            }
        )
    return data


def test_the_form_offers_several_empty_rows(privacy_officer):
    agreement = make_agreement([make_product()])
    page = client_for(privacy_officer).get(f"/overeenkomsten/{agreement.pk}/wijzigen/")
    assert page.context["formset"].total_form_count() >= 3
    assert "Nog een subverwerker" in page.content.decode()


def test_three_subprocessors_go_in_with_one_save(privacy_officer):
    agreement = make_agreement([make_product()])

    response = edit(
        privacy_officer,
        agreement,
        **rows(
            ("Cloud BV", "nl, be", "", ""),
            ("Mailer Inc", "US", "us", "dpf"),
            ("CDN Ltd", "wereldwijd", "GB", "scc"),
        ),
    )

    assert response.status_code == 302
    stored = {
        s.name: (s.countries, s.headquarters, s.safeguard_kind)
        for s in Agreement.objects.get().subprocessors.all()
    }
    assert stored == {
        "Cloud BV": ("NL, BE", "", ""),
        "Mailer Inc": ("US", "US", "dpf"),
        "CDN Ltd": ("wereldwijd", "GB", "scc"),
    }
    page = client_for(privacy_officer).get(agreement.get_absolute_url()).content.decode()
    assert "NL, BE" in page
    assert "EU-US Data Privacy Framework (DPF)" in page


@pytest.mark.parametrize("countries", ["Nederland", "NL, XX", "NLD"])
def test_an_unknown_country_is_refused_with_a_dutch_message_and_nothing_is_saved(
    privacy_officer, countries
):
    agreement = make_agreement([make_product()])

    response = edit(privacy_officer, agreement, **rows(("Cloud BV", countries, "", "")))

    assert response.status_code == 200
    assert "is geen landcode of regio" in response.content.decode()
    assert not agreement.subprocessors.exists()


def test_a_headquarters_must_be_an_iso_code(privacy_officer):
    agreement = make_agreement([make_product()])
    response = edit(privacy_officer, agreement, **rows(("Cloud BV", "NL", "VS", "")))
    assert response.status_code == 200
    assert "is geen landcode" in response.content.decode()
    assert not agreement.subprocessors.exists()


def test_the_dvo_reference_is_stored_and_shown(privacy_officer):
    agreement = make_agreement([make_product()])
    response = edit(privacy_officer, agreement, dvo_reference="DVO-2024-0042")
    assert response.status_code == 302
    assert Agreement.objects.get().dvo_reference == "DVO-2024-0042"
    page = client_for(privacy_officer).get(agreement.get_absolute_url()).content.decode()
    assert "DVO-2024-0042" in page


def test_the_safeguard_kind_says_niet_opgegeven_for_its_empty_choice(privacy_officer):
    from agreements.forms import SubprocessorForm

    choices = dict(SubprocessorForm().fields["safeguard_kind"].choices)
    assert choices[""] == "niet opgegeven"
    assert "---------" not in choices.values()


def test_a_subprocessor_twice_in_other_case_is_refused(privacy_officer):
    agreement = make_agreement([make_product()])
    response = edit(
        privacy_officer, agreement, **rows(("AWS", "IE", "", ""), ("aws", "IE", "", ""))
    )
    assert response.status_code == 200
    assert "aws staat al in de lijst (als AWS)" in response.content.decode()
    assert not Agreement.objects.get().subprocessors.exists()


def test_the_same_countries_in_another_order_change_nothing_the_fg_approved(privacy_officer):
    # Retyping "NL, BE" as "be, nl" names the same places: the approval keeps holding.
    from register.demo import load_demo

    load_demo()
    agreement = next(
        a
        for a in Agreement.objects.with_fingerprint_content().order_by("reference")
        if a.is_current() and any("," in s.countries for s in a.subprocessors.all())
    )
    sub = next(s for s in agreement.subprocessors.all() if "," in s.countries)
    fingerprint = agreement.content_fingerprint()
    reordered = ", ".join(reversed(sub.countries.split(", "))).lower()
    index = list(agreement.subprocessors.all()).index(sub)
    response = edit(privacy_officer, agreement, **{f"sub-{index}-countries": reordered})
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = Agreement.objects.get(pk=agreement.pk)
    assert stored.subprocessors.get(pk=sub.pk).countries == sub.countries
    assert stored.content_fingerprint() == fingerprint and stored.is_current()
    # Another set of countries is a change.
    edit(privacy_officer, stored, **{f"sub-{index}-countries": "NL"})
    assert Agreement.objects.get(pk=agreement.pk).content_fingerprint() != fingerprint
