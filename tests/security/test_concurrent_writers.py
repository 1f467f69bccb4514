"""Writers at the same moment, for real: two requests in two threads, each with its own
database connection, both past their reads before either writes (`tests/concurrency.py`).

Two saves of one record: exactly one goes through, the other gets the Dutch "Niet
opgeslagen" message and overwrites nothing. Two FGs deciding at once: one decision, and the
other FG gets the normal "already decided" message, never a 500 "database is locked".
Opening an edit form takes no lock.
"""

from __future__ import annotations

import threading

import pytest
from django.contrib.messages import get_messages
from django.db import transaction
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse

from agreements.models import Agreement, AgreementStatus, Review
from agreements.services import submit_agreement
from register.models import ProcessingActivity
from suppliers.models import Product, Supplier

from ..agreements.helpers import edit_data
from ..concurrency import InBackground, at_once, hold
from ..conftest import client_for, complete_checklist, make_agreement, make_product, make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def form_data(client: Client, url: str) -> dict:
    """What the edit page sends back unchanged (hidden version included)."""
    form = client.get(url).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list | tuple) else value
    return data


def a_supplier() -> tuple[Supplier, str, str]:
    supplier = Supplier.objects.create(name="Uitgeverij Een", convenant="geen")
    return supplier, reverse("suppliers:supplier_edit", args=[supplier.pk]), "notes"


def a_product() -> tuple[Product, str, str]:
    product = make_product("Rekenrijk")
    return product, reverse("suppliers:product_edit", args=[product.pk]), "description"


def an_activity() -> tuple[ProcessingActivity, str, str]:
    activity = ProcessingActivity.objects.create(name="Leerlingadministratie")
    return activity, reverse("register:activity_edit", args=[activity.pk]), "retention"


def an_agreement() -> tuple[Agreement, str, str]:
    agreement = make_agreement([make_product()], retention="1 jaar")
    return agreement, reverse("agreements:agreement_edit", args=[agreement.pk]), "retention"


@pytest.mark.parametrize("record", [a_supplier, a_product, an_activity, an_agreement])
def test_of_two_saves_at_once_one_is_refused_and_nothing_is_overwritten(privacy_officer, record):
    row, url, field = record()
    first, second = client_for(privacy_officer), client_for(make_user("collega", "privacy_officer"))
    if isinstance(row, Agreement):
        loaded = edit_data(row)
        first.get(url), second.get(url)
    else:
        loaded = form_data(first, url)
        assert form_data(second, url) == loaded

    results = at_once(
        row,
        lambda: first.post(url, {**loaded, field: "Eerste schrijver"}),
        lambda: second.post(url, {**loaded, field: "Tweede schrijver"}),
    )

    failures = [r for r in results if isinstance(r, BaseException)]
    assert failures == []
    codes = sorted(response.status_code for response in results)
    assert codes == [200, 302]
    winner = "Eerste schrijver" if results[0].status_code == 302 else "Tweede schrijver"
    loser = next(response for response in results if response.status_code == 200)
    assert "Niet opgeslagen: iemand anders heeft" in loser.content.decode()
    row.refresh_from_db()
    assert getattr(row, field) == winner
    assert row.version == 2


@pytest.fixture
def submitted(privacy_officer) -> Agreement:
    agreement = complete_checklist(
        make_agreement([make_product()], attributes=("eckId",), purposes="Oefenen")
    )
    submit_agreement(agreement=agreement, user=privacy_officer)
    agreement.refresh_from_db()
    return agreement


def test_two_fgs_deciding_at_once_record_one_decision_and_the_other_is_told(submitted, fg, fg2):
    url = reverse("agreements:agreement_decide", args=[submitted.pk])
    data = {"comment": "Besloten", "fingerprint": submitted.content_fingerprint(), "confirm": "on"}
    first, second = client_for(fg), client_for(fg2)

    results = at_once(
        submitted,
        lambda: first.post(url, {**data, "decision": "goedgekeurd"}),
        lambda: second.post(url, {**data, "decision": "afgekeurd"}),
    )

    failures = [r for r in results if isinstance(r, BaseException)]
    assert failures == []
    assert [response.status_code for response in results] == [302, 302]
    told = sorted(
        " ".join(str(m) for m in get_messages(response.wsgi_request)) for response in results
    )
    assert told[0].startswith("Over deze overeenkomst is al besloten: ")
    review = Review.objects.get()
    decided = review.get_decision_display()
    assert told[1] == f"Uw besluit over {submitted.reference} is vastgelegd: {decided}."
    submitted.refresh_from_db()
    assert submitted.status == review.decision
    assert f"al besloten: {review.get_decision_display().lower()} door" in told[0]


@pytest.mark.parametrize("record", [a_supplier, a_product, an_activity, an_agreement])
def test_opening_an_edit_form_takes_no_lock(privacy_officer, record):
    """While another transaction writes the record, its edit form is still shown at once."""
    row, url, _field = record()
    client = client_for(privacy_officer)
    shown = threading.Event()

    def on_render(sender, template, **kwargs) -> None:
        if template.name.endswith("_form.html"):
            shown.set()

    template_rendered.connect(on_render)
    try:
        with transaction.atomic():
            hold(row)
            opening = InBackground(lambda: client.get(url))
            assert shown.wait(timeout=10), "the edit form waited for the other writer"
            transaction.set_rollback(True)
        assert opening.result().status_code == 200
    finally:
        template_rendered.disconnect(on_render)


def test_the_already_decided_message_names_the_decision(submitted, fg, fg2):
    url = reverse("agreements:agreement_decide", args=[submitted.pk])
    data = {"comment": "Prima", "fingerprint": submitted.content_fingerprint(), "confirm": "on"}
    client_for(fg).post(url, {**data, "decision": "goedgekeurd"})
    page = client_for(fg2).post(url, {**data, "decision": "afgekeurd"}, follow=True)
    text = page.content.decode()
    assert "Over deze overeenkomst is al besloten: goedgekeurd door" in text
    assert Review.objects.count() == 1
    assert Agreement.objects.get().status == AgreementStatus.APPROVED
