"""Two people edit the same agreement: the second save is refused, nothing is overwritten."""

import pytest
from django.urls import reverse

from agreements.models import Agreement

from ..conftest import client_for, make_agreement, make_product, make_user
from .helpers import edit_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(db):
    return make_user("collega", "privacy_officer")


@pytest.fixture
def agreement():
    return make_agreement(
        [make_product()],
        retention="1 jaar",
        purposes="Oefenen",
        subprocessors=(("Hosting BV", "NL", ""),),
    )


def test_the_second_save_is_refused_and_shows_the_first_users_changes(
    privacy_officer, colleague, agreement
):
    url = reverse("agreements:agreement_edit", args=[agreement.pk])
    first, second = client_for(privacy_officer), client_for(colleague)
    loaded_first = first.get(url).context["form"]["version"].value()
    loaded_second = second.get(url).context["form"]["version"].value()
    assert loaded_first == loaded_second == 1

    response = first.post(
        url,
        edit_data(
            agreement,
            retention="2 jaar",
            version=loaded_first,
            **{"sub-0-countries": "DE"},
        ),
    )
    assert response.status_code == 302

    response = second.post(
        url, edit_data(agreement, purposes="Oefenen en toetsen", version=loaded_second)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Niet opgeslagen: iemand anders heeft deze overeenkomst gewijzigd" in page
    # What the first user changed, field by field.
    assert "Bewaartermijn" in page and "2 jaar" in page
    assert "Subverwerker Hosting BV: Land" in page and "DE" in page
    # The second user's input is still in the form, not lost.
    assert "Oefenen en toetsen" in page

    agreement = Agreement.objects.get(pk=agreement.pk)
    assert agreement.retention == "2 jaar"
    assert agreement.purposes == "Oefenen"
    assert agreement.subprocessors.get().countries == "DE"
    assert agreement.version == 2


def test_after_reopening_the_second_user_can_save(privacy_officer, colleague, agreement):
    url = reverse("agreements:agreement_edit", args=[agreement.pk])
    client_for(privacy_officer).post(url, edit_data(agreement, retention="2 jaar"))
    agreement.refresh_from_db()
    response = client_for(colleague).post(url, edit_data(agreement, purposes="Oefenen en toetsen"))
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.retention, agreement.purposes) == ("2 jaar", "Oefenen en toetsen")
    assert agreement.version == 3


def test_each_save_records_its_author_in_history(privacy_officer, colleague, agreement):
    url = reverse("agreements:agreement_edit", args=[agreement.pk])
    client_for(privacy_officer).post(url, edit_data(agreement, retention="2 jaar"))
    agreement.refresh_from_db()
    client_for(colleague).post(url, edit_data(agreement, retention="3 jaar"))
    authors = [
        r.history_user
        for r in agreement.history.filter(history_type="~").order_by("history_date")
        if r.history_user
    ]
    assert privacy_officer in authors and colleague in authors
