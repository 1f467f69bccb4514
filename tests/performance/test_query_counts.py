"""Every page reads the register in a fixed number of queries (issue 8).

The register is generated twice (`generate_register`, scales 0.03 and 0.09: three times
as much data) and every page is requested on both, as the user who sees the most. A page
whose count grows with the data has an N+1 somewhere. The counts include the session,
user and permission queries every page pays.

Each page is requested twice: "cold" (the first request after the register changed, which
computes the flags and the level) and "warm" (the next one, which finds them kept by
register/rules/cache.py). Both counts must stay equal at both sizes; the budget of 20
applies to the warm request, what users get between changes to the register.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from accounts.two_factor import second_factor_required
from agreements.models import Agreement, AgreementStatus
from bench.generate import generate_register
from register.models import ProcessingActivity
from register.rules import cache as rules_cache
from suppliers.models import Attribute

from ..conftest import pass_second_factor

# The marker makes pytest-django set up the test database before the module fixture runs.
# One worker of a parallel run (`make test`) takes the whole module: both registers are
# generated once for it (the `counts` fixture), not once per worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("query_counts")]

SMALL, LARGE = 0.03, 0.09
PAGE_QUERY_BUDGET = 20  # issue 8: at most 20 queries per page

# label, url name, targets of the url arguments, query string, persona
PAGES = [
    ("dashboard", "dashboard", (), "", "privacy_officer"),
    ("product list", "suppliers:product_list", (), "", "privacy_officer"),
    ("product list, filtered", "suppliers:product_list", (), "q=o&status=in_gebruik", "privacy_officer"),
    ("product list, page 2", "suppliers:product_list", (), "page=2", "privacy_officer"),
    ("product detail", "suppliers:product_detail", ("product",), "", "privacy_officer"),
    ("product form (new)", "suppliers:product_create", (), "", "privacy_officer"),
    ("product form (edit)", "suppliers:product_edit", ("product",), "", "privacy_officer"),
    ("supplier list", "suppliers:supplier_list", (), "", "privacy_officer"),
    ("supplier list, filtered", "suppliers:supplier_list", (), "q=e&convenant=deelnemer", "privacy_officer"),
    ("supplier detail", "suppliers:supplier_detail", ("supplier",), "", "privacy_officer"),
    ("supplier form (new)", "suppliers:supplier_create", (), "", "privacy_officer"),
    ("supplier form (edit)", "suppliers:supplier_edit", ("supplier",), "", "privacy_officer"),
    ("attribute list", "suppliers:attribute_list", (), "", "privacy_officer"),
    ("attribute form (new)", "suppliers:attribute_create", (), "", "privacy_officer"),
    ("attribute form (edit)", "suppliers:attribute_edit", ("attribute",), "", "privacy_officer"),
    ("agreement list", "agreements:agreement_list", (), "", "privacy_officer"),
    ("agreement list, filtered", "agreements:agreement_list", (), "q=gen&status=goedgekeurd", "privacy_officer"),
    ("agreement detail", "agreements:agreement_detail", ("agreement",), "", "privacy_officer"),
    ("agreement detail (FG)", "agreements:agreement_detail", ("agreement",), "", "fg"),
    ("agreement detail, submitted (FG)", "agreements:agreement_detail", ("submitted",), "", "fg"),
    ("agreement history", "agreements:agreement_history", ("agreement",), "", "privacy_officer"),
    ("agreement form (new)", "agreements:agreement_create", (), "supplier={supplier}", "privacy_officer"),
    ("agreement form, choose supplier", "agreements:agreement_create", (), "zoek=e", "privacy_officer"),
    ("agreement form (edit)", "agreements:agreement_edit", ("draft",), "", "privacy_officer"),
    ("privacy notice form", "agreements:privacy_notice_edit", ("agreement", "product"), "", "privacy_officer"),
    ("document upload form", "agreements:document_upload", ("agreement",), "", "privacy_officer"),
    ("review queue", "agreements:review_queue", (), "", "fg"),
    ("procurement check", "register:procurement_check", (), "q={product_name}", "procurement"),
    ("procurement verdict PDF", "register:procurement_pdf", (), "q={product_name}", "procurement"),
    ("activity list", "register:activity_list", (), "", "privacy_officer"),
    ("activity detail", "register:activity_detail", ("activity",), "", "privacy_officer"),
    ("activity form (new)", "register:activity_create", (), "", "privacy_officer"),
    ("activity form (edit)", "register:activity_edit", ("activity",), "", "privacy_officer"),
    ("activity detail (reader)", "register:activity_detail", ("activity",), "", "procurement"),
    ("activity copy from evidence", "register:activity_copy_derived", ("activity",), "", "privacy_officer"),
    ("organisation", "register:organisation", (), "", "privacy_officer"),
    ("organisation form", "register:organisation_edit", (), "", "privacy_officer"),
    ("workbook import form", "register:workbook_import", (), "", "privacy_officer"),
    ("Niveau page", "register:level", (), "", "privacy_officer"),
    # The API's lists (issue 18), a full page of 200 records each, and its other reads.
    ("API suppliers", "api:supplier_list", (), "page_size=200", "privacy_officer"),
    ("API suppliers, filtered", "api:supplier_list", (), "q=e&convenant=deelnemer", "privacy_officer"),
    ("API products", "api:product_list", (), "page_size=200", "privacy_officer"),
    ("API products, filtered", "api:product_list", (), "status=in_gebruik&page=2", "privacy_officer"),
    ("API product detail", "api:product_detail", ("product",), "", "privacy_officer"),
    ("API agreements", "api:agreement_list", (), "page_size=200", "privacy_officer"),
    ("API agreements, filtered", "api:agreement_list", (), "q=gen&status=goedgekeurd", "privacy_officer"),
    ("API agreement detail", "api:agreement_detail", ("agreement",), "", "privacy_officer"),
    ("API data flows", "api:dataflow_list", (), "page_size=200", "privacy_officer"),
    ("API data flows, filtered", "api:dataflow_list", (), "channel=entree&attribute=eckId", "privacy_officer"),
    ("API processing activities", "api:activity_list", (), "page_size=200", "privacy_officer"),
    ("API flags", "api:flag_list", (), "page_size=200", "privacy_officer"),
    ("API flags, filtered", "api:flag_list", (), "severity=high&missing=true", "privacy_officer"),
    ("API level", "api:level", (), "", "privacy_officer"),
    ("API procurement check", "api:procurement_check", (), "product={product_name}", "procurement"),
]  # fmt: skip
LABELS = [label for label, *_rest in PAGES]
PERSONAS = ("privacy_officer", "fg", "procurement")


def _targets() -> dict:
    """Comparable records at both sizes: a current agreement with notices, documents and
    subprocessors; one of its products; its supplier; an activity with products."""
    agreements = (
        Agreement.objects.filter(status=AgreementStatus.APPROVED)
        .select_related("supplier")
        .with_fingerprint_content()
        .order_by("pk")
    )
    agreement = next(
        a
        for a in agreements
        if a.is_current()
        and a.privacy_notices.all()
        and a.documents.all()
        and a.subprocessors.all()
        and any(p.is_in_scope for p in a.products.all())
    )
    product = next(p for p in agreement.products.all() if p.is_in_scope)
    activity = ProcessingActivity.objects.filter(products__isnull=False).order_by("pk").first()
    draft = Agreement.objects.filter(status=AgreementStatus.DRAFT).order_by("pk").first()
    # The review page of issue 17: checklist, flows and the flags an approval leaves open.
    submitted = (
        Agreement.objects.filter(status=AgreementStatus.SUBMITTED, products__isnull=False)
        .order_by("pk")
        .first()
    )
    return {
        "agreement": agreement.pk,
        "draft": draft.pk,
        "submitted": submitted.pk,
        "product": product.pk,
        "product_name": product.name,
        "supplier": agreement.supplier_id,
        "activity": activity.pk,
        "attribute": Attribute.objects.get(code="eckId").pk,
    }


def _page_counts(clients: dict[str, Client]) -> dict[str, int | None]:
    targets = _targets()
    counts: dict[str, int | None] = {}
    for label, name, args, query, persona in PAGES:
        try:
            url = reverse(name, args=[targets[arg] for arg in args])
        except NoReverseMatch:
            counts[label] = None  # not built yet
            continue
        if query:
            url += "?" + query.format(
                product_name=quote(targets["product_name"]), supplier=targets["supplier"]
            )
        client = clients[persona]
        measured = []
        for _request in ("cold", "warm"):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            assert response.status_code == 200, f"{label}: HTTP {response.status_code} at {url}"
            measured.append(len(captured))
        counts[label] = tuple(measured)
    return counts


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker) -> tuple[dict, dict]:
    """Both registers measured once for the module, in a transaction rolled back after.
    Module-scoped, so it runs before the per-test autouse fixtures (tests/conftest.py): it
    drops what earlier tests in this process kept itself, or the first page's count would
    depend on which tests ran before."""
    rules_cache.forget()
    caches["default"].clear()
    caches[settings.RULES_CACHE].clear()
    with django_db_blocker.unblock(), transaction.atomic():
        users = {}
        for group in PERSONAS:
            users[group] = User.objects.create_user(f"counts-{group}")
            users[group].groups.add(Group.objects.get(name=group))
        generate_register(scale=SMALL, seed=1)
        small = _page_counts(_logged_in(users))
        generate_register(scale=LARGE, seed=1, flush=True)
        # Logged in afresh: a session is renewed (written) once its last renewal is a minute
        # old, and generating the large register may take longer than that.
        large = _page_counts(_logged_in(users))
        transaction.set_rollback(True)
    return small, large


def _logged_in(users: dict[str, User]) -> dict[str, Client]:
    clients = {}
    for group, user in users.items():
        clients[group] = Client()
        clients[group].force_login(user)
        if second_factor_required(user):
            pass_second_factor(clients[group], user)
    return clients


@pytest.mark.parametrize("label", LABELS)
def test_a_page_needs_no_more_queries_on_a_register_three_times_as_big(label, counts):
    small, large = counts
    if small[label] is None:
        pytest.skip("page not available yet")
    assert large[label] == small[label], f"{label}: (cold, warm) {small[label]} -> {large[label]}"


@pytest.mark.parametrize("label", LABELS)
def test_a_page_stays_within_the_query_budget(label, counts):
    _small, large = counts
    if large[label] is None:
        pytest.skip("page not available yet")
    _cold, warm = large[label]
    assert warm <= PAGE_QUERY_BUDGET, f"{label}: {warm} queries"
