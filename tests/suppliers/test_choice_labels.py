"""The labels the lists show for a choice (the models' own `get_FOO_display()`): the label
of the field's choices, in Dutch; a value outside them is shown as it is."""

from __future__ import annotations

import pytest

from agreements.models import Agreement
from suppliers.models import DataFlow, Product, Supplier

pytestmark = pytest.mark.django_db

FIELDS = [
    (Supplier, "convenant"),
    (Product, "kind"),
    (Product, "access_channel"),
    (Product, "status"),
    (DataFlow, "channel"),
    (DataFlow, "subject"),
    (Agreement, "status"),
]


@pytest.mark.parametrize(("model", "name"), FIELDS)
def test_each_value_shows_the_label_of_its_choice(model, name):
    field = model._meta.get_field(name)
    for value, label in field.flatchoices:
        shown = getattr(model(**{name: value}), f"get_{name}_display")()
        assert shown == str(label)


@pytest.mark.parametrize(("model", "name"), FIELDS)
def test_a_value_outside_the_choices_is_shown_as_it_is(model, name):
    assert getattr(model(**{name: "onbekend-x"}), f"get_{name}_display")() == "onbekend-x"


def test_the_labels_are_dutch():
    assert Product(status="in_gebruik").get_status_display() == "In gebruik"
    assert Agreement(status="ter_beoordeling").get_status_display() == "Ter beoordeling"
