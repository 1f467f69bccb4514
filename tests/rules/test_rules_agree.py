"""Each small rule that exists both in Python (a model method or property, for one row) and
in SQL (a QuerySet method, for a list) gives the same answer for every case.

The pages, the flags and the reminders read the same rule; if the two forms drifted apart,
a list and a detail page (or a count in the menu and the queue it links to) would disagree.
"""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import override_settings

from agreements.models import Agreement, AgreementStatus, NotCurrentReason
from register.models import ProcessingActivity
from suppliers.models import LifecycleStatus, Product
from tests.conftest import make_agreement, make_product, make_user

pytestmark = pytest.mark.django_db

WHITESPACE_ONLY = [" ", "   ", "\t", "\n", "\r\n", " \t\n ", "\xa0", " \xa0\n"]


def _complete_activity(name: str, **fields) -> ProcessingActivity:
    values = {
        "purposes": "Onderwijs geven",
        "legal_bases": ["wettelijke_plicht"],
        "data_subjects": "Leerlingen",
        "personal_data": "Naam, klas",
        "recipients": "Leveranciers",
        "retention": "2 jaar",
        "security_measures": "Versleuteling",
        **fields,
    }
    return ProcessingActivity.objects.create(name=name, **values)


def test_an_incomplete_activity_is_the_same_in_python_and_sql():
    cases = {"volledig": _complete_activity("volledig")}
    for field in ProcessingActivity.REQUIRED_FIELDS:
        if field in ProcessingActivity.LIST_FIELDS:  # a list is empty or not; no whitespace
            cases[f"{field} leeg"] = _complete_activity(f"{field} leeg", **{field: []})
            continue
        cases[f"{field} leeg"] = _complete_activity(f"{field} leeg", **{field: ""})
        for i, blank in enumerate(WHITESPACE_ONLY):
            cases[f"{field} spatie {i}"] = _complete_activity(
                f"{field} spatie {i}", **{field: blank}
            )
    cases["tekst met spaties"] = _complete_activity("tekst met spaties", retention="  2 jaar\n")

    in_sql = set(ProcessingActivity.objects.incomplete().values_list("name", flat=True))
    in_python = {name for name, a in cases.items() if a.missing_fields()}

    assert in_sql == in_python
    assert "volledig" not in in_sql and "tekst met spaties" not in in_sql
    assert "retention spatie 1" in in_sql  # whitespace only counts as empty in both
    assert "legal_bases leeg" in in_sql and "recipients leeg" in in_sql


def test_whitespace_only_fields_raise_register_incomplete_and_count_in_the_list(privacy_officer):
    from register.rules.flags import compute_flags
    from tests.conftest import client_for

    _complete_activity("Leerlingvolgsysteem", purposes=" \n\t")

    flags = [f for f in compute_flags() if f.activity is not None]
    assert [f.code for f in flags] == ["register_incomplete"]
    page = client_for(privacy_officer).get("/register/verwerkingen/?onvolledig=1")
    assert "Leerlingvolgsysteem" in page.content.decode()
    assert page.context["incomplete_count"] == 1


def test_a_product_in_scope_is_the_same_in_python_and_sql():
    products = [
        make_product(status=status, processes_personal_data=personal)
        for status in LifecycleStatus.values
        for personal in (True, False)
    ]
    in_sql = set(Product.objects.in_scope().values_list("pk", flat=True))
    in_python = {p.pk for p in products if p.is_in_scope}
    assert in_sql == in_python
    assert len(in_sql) == 1


def test_awaiting_a_given_fgs_review_is_the_same_in_python_and_sql(fg, fg2):
    officer = make_user("officer", "privacy_officer")
    product = make_product()
    by_fg = make_agreement([product], status=AgreementStatus.SUBMITTED, submitted_by=fg)
    by_officer = make_agreement([product], status=AgreementStatus.SUBMITTED, submitted_by=officer)
    imported = make_agreement([product], status=AgreementStatus.SUBMITTED, submitted_by=None)
    for status in AgreementStatus.values:
        if status != AgreementStatus.SUBMITTED:
            make_agreement([product], status=status, submitted_by=officer)

    for user in (fg, fg2):
        in_sql = set(Agreement.objects.awaiting_review_by(user))
        in_python = {a for a in Agreement.objects.all() if a.awaits_review_by(user)}
        assert in_sql == in_python
    # An FG never decides their own submission (AVG art. 38); nobody's submission is skipped.
    assert set(Agreement.objects.awaiting_review_by(fg)) == {by_officer, imported}
    assert set(Agreement.objects.awaiting_review_by(fg2)) == {by_fg, by_officer, imported}


@pytest.mark.parametrize("window", [settings.EXPIRING_WITHIN_DAYS, 30])
def test_the_expiry_window_is_the_same_in_python_and_sql(today, window):
    product = make_product()
    offsets = [None, -1, 0, 1, window - 1, window, window + 1, 400]
    agreements = {
        offset: make_agreement(
            [product],
            status=AgreementStatus.APPROVED,
            ends_on=None if offset is None else today + datetime.timedelta(days=offset),
        )
        for offset in offsets
    }
    with override_settings(EXPIRING_WITHIN_DAYS=window):
        in_sql = set(Agreement.objects.ending_in_expiry_window(today))
        in_python = {a for a in agreements.values() if a.ends_in_expiry_window(today)}
    assert in_sql == in_python
    assert in_sql == {agreements[o] for o in (0, 1, window - 1, window)}


def test_why_not_current_is_none_exactly_when_the_agreement_is_current(today, fg):
    product = make_product()
    day = datetime.timedelta(days=1)
    agreements = [make_agreement([product], status=status) for status in AgreementStatus.values]
    agreements += [
        make_agreement([product], status=AgreementStatus.APPROVED, ends_on=today - day),
        make_agreement([product], status=AgreementStatus.APPROVED, starts_on=today + day),
        make_agreement([product], status=AgreementStatus.APPROVED, ends_on=today),
    ]
    no_review = make_agreement([product], status=AgreementStatus.DRAFT)
    no_review.status = AgreementStatus.APPROVED
    no_review.save()
    changed = make_agreement([product], status=AgreementStatus.APPROVED)
    changed.purposes = "Iets anders"
    changed.save()
    ended_and_changed = make_agreement(
        [product], status=AgreementStatus.APPROVED, ends_on=today - day
    )
    ended_and_changed.purposes = "Iets anders"
    ended_and_changed.save()
    agreements += [no_review, changed, ended_and_changed]

    for agreement in Agreement.objects.all():
        assert (agreement.why_not_current(today) is None) == agreement.is_current(today)
    reasons = {a.reference: a.why_not_current(today) for a in agreements}
    assert reasons[no_review.reference] == NotCurrentReason.NO_APPROVAL
    assert reasons[changed.reference] == NotCurrentReason.CHANGED_SINCE_APPROVAL
    # Ended blocks procurement, whatever else changed (DESIGN.md section 6, step 3).
    assert reasons[ended_and_changed.reference] == NotCurrentReason.ENDED
    assert reasons[agreements[-6].reference] == NotCurrentReason.ENDED
    assert reasons[agreements[-5].reference] == NotCurrentReason.NOT_STARTED
    assert reasons[agreements[-4].reference] is None  # last day in force
