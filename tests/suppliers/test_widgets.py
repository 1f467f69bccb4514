"""The widgets for many options (suppliers/widgets.py) write exactly Django's markup: the
user sees the same select and checkboxes, only faster."""

from __future__ import annotations

import pytest
from django import forms
from django.utils.safestring import mark_safe

from suppliers.models import Supplier
from suppliers.widgets import ManyCheckboxes, ManyOptionsSelect

CHOICES = [
    ("", "---------"),
    (1, 'Leverancier "A" & <B>'),
    ("tekst", mark_safe("<em>al veilig</em>")),
    ("Groep", [(7, "zeven"), (8, "acht")]),
]


def _pair(field_class, django_widget, our_widget, **options):
    class Form(forms.Form):
        django = field_class(widget=django_widget, **options)
        ours = field_class(widget=our_widget, **options)

    return Form


@pytest.mark.parametrize(
    "initial", [None, 1, "tekst", 8, [1, 8], ["tekst"]], ids=lambda value: repr(value)
)
@pytest.mark.parametrize("auto_id", ["id_%s", False])
def test_the_select_and_the_checkboxes_are_djangos_own_markup(initial, auto_id):
    for field_class, django_widget, our_widget in (
        (forms.ChoiceField, forms.Select, ManyOptionsSelect),
        (forms.MultipleChoiceField, forms.CheckboxSelectMultiple, ManyCheckboxes),
    ):
        form_class = _pair(
            field_class,
            django_widget(attrs={"class": "wide", "data-x": 'a"b'}),
            our_widget(attrs={"class": "wide", "data-x": 'a"b'}),
            choices=CHOICES,
            help_text="Kies er één.",
            required=False,
        )
        form = form_class(initial={"django": initial, "ours": initial}, auto_id=auto_id)
        django_html = str(form["django"]).replace("django", "FIELD")
        our_html = str(form["ours"]).replace("ours", "FIELD")
        assert our_html == django_html


@pytest.mark.django_db
def test_a_model_choice_renders_like_djangos_with_the_chosen_record_selected():
    chosen = Supplier.objects.create(name="Zwijsen & Co")
    Supplier.objects.create(name="<Malmberg>")
    queryset = Supplier.objects.order_by("name")

    class Form(forms.Form):
        django = forms.ModelChoiceField(queryset)
        ours = forms.ModelChoiceField(queryset, widget=ManyOptionsSelect)
        django_many = forms.ModelMultipleChoiceField(queryset, widget=forms.CheckboxSelectMultiple)
        ours_many = forms.ModelMultipleChoiceField(queryset, widget=ManyCheckboxes)

    form = Form(
        initial={"django": chosen, "ours": chosen, "django_many": [chosen], "ours_many": [chosen]}
    )
    assert str(form["ours"]).replace("ours", "F") == str(form["django"]).replace("django", "F")
    assert str(form["ours_many"]).replace("ours", "F") == str(form["django_many"]).replace(
        "django", "F"
    )
    assert "selected" in str(form["ours"]) and "&lt;Malmberg&gt;" in str(form["ours"])
