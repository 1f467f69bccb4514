import pytest
from django.apps import apps
from django.core.management import call_command

from agreements.models import Agreement, AgreementStatus

pytestmark = pytest.mark.django_db

DOMAIN_MODELS = [
    m
    for m in apps.get_models()
    if m._meta.app_label in {"suppliers", "agreements", "register"}
    and not m._meta.model_name.startswith("historical")
    # bookkeeping of the rules' cache
    and m._meta.model_name not in {"registerwrite", "rulesnote"}
]


def counts() -> dict[str, int]:
    result = {}
    for model in DOMAIN_MODELS:
        result[model._meta.label] = model.objects.count()
        history = getattr(model, "history", None)
        if history is not None:
            result[f"{model._meta.label}.history"] = history.count()
    return result


def test_load_demo_twice_changes_nothing_the_second_time(capsys):
    call_command("load_demo")
    first = counts()
    out = capsys.readouterr().out
    call_command("load_demo")
    assert counts() == first
    assert "fg" in out and "privacy-demo" in out


def test_the_demo_has_agreements_in_every_status_and_history_everywhere():
    call_command("load_demo")
    statuses = set(Agreement.objects.values_list("status", flat=True))
    assert statuses == set(AgreementStatus.values)
    for model in DOMAIN_MODELS:
        # Operational logs, not domain records: no history of their own.
        if model._meta.model_name in {"levelsnapshot", "remindersent", "reviewremindersent"}:
            continue
        assert model.objects.exists(), model
        assert hasattr(model, "history"), f"{model} keeps no history"
        assert model.history.exists(), f"{model} has no history rows"


def test_the_demo_parents_app_sends_mail_of_parents_and_of_pupils_through_one_channel():
    call_command("load_demo")
    from suppliers.models import DataFlow

    mail = DataFlow.objects.filter(product__name="Klasbord", attribute__code="mail")
    assert sorted(mail.values_list("channel", "subject")) == [
        ("direct", "leerling"),
        ("direct", "ouder"),
    ]
