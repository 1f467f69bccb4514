"""The permission matrix: every URL x every persona x GET and POST, with the exact outcome.

Generated from the URLconf: a URL that has no row in EXPECTED fails
`test_every_url_has_an_explicit_expectation` (and its own matrix cases), so nobody can add a
page without deciding who may use it. The admin (/beheer/) is checked separately: only staff
get in.

Where a permission is not the whole story, a URL is also checked with the personas of
EXTRA_PERSONAS: the FG's decision takes membership of `fg` (a superuser has every permission
but is no FG) and another FG than the submitter (AVG art. 38).

Outcomes: LOGIN (redirect to the login page), REDIRECT (302 elsewhere: the action succeeded or
sent the user on), 200/400 (page or form shown), 201 (an API record made), 401 (the API without
a login or token), 403, 404 (object outside reach), 405.
Every refused request (LOGIN, 401, 403, 404, 405) must also leave the register unchanged.

The API routes (`api:*`) are requested with each persona's session here; tests/api/ proves that
a token of the same user gets exactly the same answers.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from agreements.models import Agreement, AgreementStatus, Document, Finding, Review
from api.models import ApiToken
from api.services import create_token
from register import roles
from register.models import Organisation, ProcessingActivity
from suppliers.models import Attribute, DataFlow, Product, Supplier

from ..conftest import client_for, complete_checklist
from .urlmap import PDF, World, app_patterns, build_world, kwargs_for

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "reader", "procurement", "privacy_officer", "fg"]
# The demo's `beheer` (superuser, in no role group); an FG who submitted the agreement.
EXTRA_PERSONAS = {"agreements:agreement_decide": ["superuser", "fg_who_submitted"]}
LOGIN = "login"
REDIRECT = "redirect"
OK = 200
CREATED = 201
INVALID = 400
UNAUTHORIZED = 401
FORBIDDEN = 403
NOT_FOUND = 404
NOT_ALLOWED = 405
REFUSED = {LOGIN, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, NOT_ALLOWED}


def everyone(outcome) -> dict[str, object]:
    """Every logged-in role gets `outcome`; anonymous visitors go to the login page."""
    return {"anonymous": LOGIN, **{p: outcome for p in PERSONAS[1:]}}


def only(outcome, *roles: str, others=FORBIDDEN) -> dict[str, object]:
    table = everyone(others)
    table.update({role: outcome for role in roles})
    return table


def nobody(outcome=NOT_ALLOWED) -> dict[str, object]:
    return everyone(outcome)


def api(table: dict[str, object]) -> dict[str, object]:
    """The API answers a request without a login or token with 401, never a login redirect."""
    return {**table, "anonymous": UNAUTHORIZED}


@dataclass
class Expect:
    GET: dict[str, object]
    POST: dict[str, object]
    # Query string for a GET, from the world (e.g. the product to check).
    query: Callable[[World], str] | None = None
    # The POST payload, from the world; refused personas are sent the same (valid) payload.
    data: Callable[[World], dict] | None = None
    # Puts the world in the state the action needs, per persona; may return URL kwargs.
    prepare: Callable[[World, Client, str], dict | None] | None = None
    # What a successful POST must have done (checked when the outcome is REDIRECT).
    effect: Callable[[World], bool] | None = None
    # The POST payload goes as JSON (the API), not as a form.
    json: bool = False
    notes: list[str] = field(default_factory=list)


# --- payloads and preparations ---------------------------------------------------------------


def xlsx_upload() -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Leveranciers"
    sheet.append(["Naam", "Convenant"])
    sheet.append(["Matrix Leverancier", "geen"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        "register.xlsx",
        buffer.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def upload_token(world: World, client: Client, persona: str) -> dict:
    """The privacy officer's own upload; others cannot upload, so they try a made-up token."""
    if persona != "privacy_officer":
        return {"token": "f" * 32}
    response = client.post(reverse("register:workbook_import"), {"file": xlsx_upload()})
    assert response.status_code == 302, response
    return {"token": response["Location"].rstrip("/").split("/")[-1]}


def to_draft(world: World, client: Client, persona: str) -> None:
    Agreement.objects.filter(pk=world.agreement.pk).update(status=AgreementStatus.DRAFT)
    complete_checklist(world.agreement)


def decision(world: World) -> dict:
    agreement = Agreement.objects.get(pk=world.agreement.pk)
    return {
        "decision": "goedgekeurd",
        "comment": "Getoetst en akkoord.",
        "fingerprint": agreement.content_fingerprint(),
        # The world's agreement misses checklist items: the FG states why she approves.
        "incomplete_reason": "Getekende versie volgt; inhoud getoetst.",
        "confirm": "on",
    }


def submitted_by_the_persona(world: World, client: Client, persona: str) -> None:
    """The FG who submitted the agreement themselves (a small board where roles overlap)."""
    if persona == "fg_who_submitted":
        user = User.objects.get(username="fg_officer")
        Agreement.objects.filter(pk=world.agreement.pk).update(submitted_by=user)


def own_token(world: World, client: Client, persona: str) -> dict:
    """Each persona revokes a token of their own (someone else's is out of reach: 404)."""
    owner = User.objects.get(username=persona) if persona != "anonymous" else world.token.user
    token, _secret = create_token(user=owner, name="Matrix")
    world.extra["own_token"] = token
    return {"pk": token.pk}


def status_of(world: World) -> str:
    return Agreement.objects.get(pk=world.agreement.pk).status


# --- the matrix --------------------------------------------------------------------------------

# A page without a form renders the same for POST as for GET (function views do not look at
# the method) and writes nothing; the matrix pins that, and the refusal checks prove no write.
READ = everyone(OK)
EDIT_FORM = only(OK, "privacy_officer")
NO_SSO = {persona: NOT_FOUND for persona in PERSONAS}

API_READ = api(everyone(OK))
API_NO_POST = api(everyone(NOT_ALLOWED))

EXPECTED: dict[str, Expect] = {
    "dashboard": Expect(GET=READ, POST=READ),
    "login": Expect(
        GET={"anonymous": OK, **{p: REDIRECT for p in PERSONAS[1:]}},
        POST={"anonymous": OK, **{p: REDIRECT for p in PERSONAS[1:]}},
    ),
    "logout": Expect(GET=only(NOT_ALLOWED, *PERSONAS[1:]), POST=everyone(LOGIN)),
    # Suppliers and products
    "suppliers:supplier_list": Expect(GET=READ, POST=READ),
    "suppliers:supplier_detail": Expect(GET=READ, POST=READ),
    "suppliers:supplier_create": Expect(
        GET=EDIT_FORM,
        POST=only(REDIRECT, "privacy_officer"),
        data=lambda w: {"name": "Matrix BV", "convenant": "geen"},
        effect=lambda w: Supplier.objects.filter(name="Matrix BV").exists(),
    ),
    "suppliers:supplier_edit": Expect(GET=EDIT_FORM, POST=EDIT_FORM),
    "suppliers:product_list": Expect(GET=READ, POST=READ),
    "suppliers:product_detail": Expect(GET=READ, POST=READ),
    "suppliers:product_create": Expect(GET=EDIT_FORM, POST=EDIT_FORM),
    "suppliers:product_edit": Expect(GET=EDIT_FORM, POST=EDIT_FORM),
    "suppliers:product_flows": Expect(
        # A GET goes to the checklist on the product page (issue 17: never a blank 405).
        GET=everyone(REDIRECT),
        POST=only(REDIRECT, "privacy_officer"),
        # The whole checklist in one POST: an empty one records that no data flows.
        effect=lambda w: not DataFlow.objects.filter(product=w.product).exists(),
    ),
    "suppliers:attribute_list": Expect(GET=READ, POST=READ),
    "suppliers:attribute_create": Expect(
        GET=EDIT_FORM,
        POST=only(REDIRECT, "privacy_officer"),
        data=lambda w: {
            "code": "schoenmaat",
            "label": "Schoenmaat",
            "category": "onderwijs",
            "standard": "eigen",
        },
        effect=lambda w: Attribute.objects.filter(code="schoenmaat").exists(),
    ),
    "suppliers:attribute_edit": Expect(
        GET=EDIT_FORM,
        POST=only(REDIRECT, "privacy_officer"),
        data=lambda w: {
            "label": "ECK iD (matrix)",
            "category": "identificatie",
            "standard": "entree",
            "needs_arp": "on",
            "version": Attribute.objects.get(pk=w.attribute.pk).version,
        },
        effect=lambda w: Attribute.objects.get(pk=w.attribute.pk).label == "ECK iD (matrix)",
    ),
    # Agreements
    "agreements:agreement_list": Expect(GET=READ, POST=READ),
    "agreements:agreement_detail": Expect(GET=READ, POST=READ),
    "agreements:agreement_history": Expect(GET=READ, POST=READ),
    "agreements:agreement_create": Expect(GET=EDIT_FORM, POST=EDIT_FORM),
    "agreements:agreement_edit": Expect(GET=EDIT_FORM, POST=EDIT_FORM),
    "agreements:agreement_submit": Expect(
        GET=only(NOT_ALLOWED, *PERSONAS[1:]),
        POST=only(REDIRECT, "privacy_officer"),
        prepare=to_draft,
        effect=lambda w: status_of(w) == AgreementStatus.SUBMITTED,
    ),
    "agreements:agreement_decide": Expect(
        GET={
            **only(NOT_ALLOWED, *PERSONAS[1:]),
            "superuser": NOT_ALLOWED,
            "fg_who_submitted": NOT_ALLOWED,
        },
        POST={**only(REDIRECT, "fg"), "superuser": FORBIDDEN, "fg_who_submitted": FORBIDDEN},
        data=decision,
        prepare=submitted_by_the_persona,
        effect=lambda w: (
            status_of(w) == AgreementStatus.APPROVED
            and Review.objects.filter(agreement=w.agreement, decision="goedgekeurd").exists()
        ),
    ),
    "agreements:agreement_terminate": Expect(
        GET=only(NOT_ALLOWED, *PERSONAS[1:]),
        POST=only(REDIRECT, "privacy_officer"),
        data=lambda w: {"reason": "Contract afgelopen", "confirm": "on"},
        effect=lambda w: status_of(w) == AgreementStatus.TERMINATED,
    ),
    "agreements:document_upload": Expect(
        GET=EDIT_FORM,
        POST=only(REDIRECT, "privacy_officer"),
        data=lambda w: {
            "kind": "overeenkomst",
            "file": SimpleUploadedFile("vo.pdf", PDF + b"% v2\n", "application/pdf"),
        },
        effect=lambda w: w.agreement.documents.count() == 2,
    ),
    # Downloads are read access: every role may read every document of the register.
    "agreements:document_download": Expect(GET=READ, POST=READ),
    "agreements:privacy_notice_edit": Expect(GET=EDIT_FORM, POST=EDIT_FORM),
    # Findings: everyone reads them on the agreement page, only the FG records and settles.
    "agreements:finding_create": Expect(
        GET=only(NOT_ALLOWED, *PERSONAS[1:]),
        POST=only(REDIRECT, "fg"),
        data=lambda w: {
            "topic": "AVG art. 28 lid 3",
            "difference": "Geen auditrecht",
            "risk": "hoog",
            "status": "op_te_lossen",
        },
        effect=lambda w: Finding.objects.filter(topic="AVG art. 28 lid 3").exists(),
    ),
    "agreements:finding_settle": Expect(
        GET=only(NOT_ALLOWED, *PERSONAS[1:]),
        POST=only(REDIRECT, "fg"),
        data=lambda w: {"status": "opgelost"},
        effect=lambda w: Finding.objects.get(pk=w.extra["finding"].pk).status == "opgelost",
    ),
    "agreements:review_queue": Expect(GET=only(OK, "fg"), POST=only(OK, "fg")),
    # The processing register and the organisation
    "register:activity_list": Expect(GET=READ, POST=READ),
    "register:activity_detail": Expect(GET=READ, POST=READ),
    "register:activity_create": Expect(GET=EDIT_FORM, POST=EDIT_FORM),
    "register:activity_edit": Expect(GET=EDIT_FORM, POST=EDIT_FORM),
    "register:activity_copy_derived": Expect(
        GET=EDIT_FORM,
        POST=only(REDIRECT, "privacy_officer"),
        data=lambda w: {"version": ProcessingActivity.objects.get(pk=w.activity.pk).version},
        effect=lambda w: (
            "(verwerker)" in ProcessingActivity.objects.get(pk=w.activity.pk).recipients
        ),
    ),
    "register:activity_pdf": Expect(GET=READ, POST=READ),
    "register:organisation": Expect(GET=READ, POST=READ),
    "register:organisation_edit": Expect(GET=EDIT_FORM, POST=EDIT_FORM),
    # The workbook: everyone exports, only the privacy officer imports
    "register:workbook_export": Expect(GET=READ, POST=READ),
    "register:workbook_export_bundle": Expect(GET=READ, POST=READ),
    "register:workbook_template": Expect(GET=READ, POST=READ),
    "register:workbook_import": Expect(
        GET=EDIT_FORM,
        POST=only(REDIRECT, "privacy_officer"),
        data=lambda w: {"file": xlsx_upload()},
    ),
    "register:workbook_import_preview": Expect(
        GET=EDIT_FORM,
        POST=EDIT_FORM,
        prepare=upload_token,
    ),
    # The check of an upload ran at once in the tests: its progress page goes on to the preview.
    "register:workbook_import_progress": Expect(
        GET=only(REDIRECT, "privacy_officer"),
        POST=only(REDIRECT, "privacy_officer"),
        prepare=upload_token,
    ),
    "register:workbook_import_confirm": Expect(
        GET=only(NOT_ALLOWED, *PERSONAS[1:]),
        POST=only(REDIRECT, "privacy_officer"),
        prepare=upload_token,
        effect=lambda w: Supplier.objects.filter(name="Matrix Leverancier").exists(),
    ),
    # Procurement and the level
    "register:procurement_check": Expect(
        GET=READ, POST=READ, query=lambda w: f"?q={w.product.name}"
    ),
    "register:procurement_pdf": Expect(GET=READ, POST=READ, query=lambda w: f"?q={w.product.name}"),
    "register:procurement_names": Expect(GET=READ, POST=READ, query=lambda w: "?q=re"),
    "register:procurement_intake": Expect(
        GET=only(NOT_ALLOWED, *PERSONAS[1:]),
        POST=only(REDIRECT, "procurement"),
        data=lambda w: {
            "name": "Matrix Lezen",
            "supplier_name": "Matrix Uitgeverij",
            "intended_use": "Technisch lezen in groep 4",
        },
        effect=lambda w: Product.objects.filter(name="Matrix Lezen").exists(),
    ),
    "register:level": Expect(GET=READ, POST=READ),
    "register:level_report": Expect(GET=READ, POST=READ),
    # Accounts. The FG persona has an authenticator app and gave its code (FG and staff must,
    # tests/accounts); the other roles have none. Single sign-on is not configured in the
    # tests, so its two addresses do not exist for anyone (tests/accounts/test_oidc.py).
    "accounts:account": Expect(GET=READ, POST=READ),
    "accounts:oidc_login": Expect(GET=NO_SSO, POST=NO_SSO),
    "accounts:oidc_callback": Expect(GET=NO_SSO, POST=NO_SSO),
    # Already given (the FG) or not needed (the others): on to the page asked for.
    "accounts:two_factor_verify": Expect(GET=everyone(REDIRECT), POST=everyone(REDIRECT)),
    # The others may set up an app; the FG's is already set up (to the account page).
    "accounts:two_factor_setup": Expect(
        GET=only(REDIRECT, "fg", others=OK), POST=only(REDIRECT, "fg", others=OK)
    ),
    # New recovery codes are shown once (200); without an app there are none to make.
    "accounts:recovery_codes": Expect(
        GET=only(NOT_ALLOWED, *PERSONAS[1:]), POST=only(OK, "fg", others=REDIRECT)
    ),
    # Refused for the FG (required), nothing to switch off for the others: both back to the
    # account page with a message.
    "accounts:two_factor_disable": Expect(
        GET=only(NOT_ALLOWED, *PERSONAS[1:]), POST=everyone(REDIRECT)
    ),
    # The REST API: the same permissions as the pages; reading only, except the intake.
    "api:schema": Expect(GET=API_READ, POST=API_NO_POST),
    # The documentation is a page for people: behind the login like every other page.
    "api:docs": Expect(GET=READ, POST=only(NOT_ALLOWED, *PERSONAS[1:])),
    "api:supplier_list": Expect(GET=API_READ, POST=API_NO_POST),
    "api:supplier_detail": Expect(GET=API_READ, POST=API_NO_POST),
    "api:product_list": Expect(GET=API_READ, POST=API_NO_POST),
    "api:product_detail": Expect(GET=API_READ, POST=API_NO_POST),
    "api:agreement_list": Expect(GET=API_READ, POST=API_NO_POST),
    "api:agreement_detail": Expect(GET=API_READ, POST=API_NO_POST),
    "api:dataflow_list": Expect(GET=API_READ, POST=API_NO_POST),
    "api:dataflow_detail": Expect(GET=API_READ, POST=API_NO_POST),
    "api:activity_list": Expect(GET=API_READ, POST=API_NO_POST),
    "api:activity_detail": Expect(GET=API_READ, POST=API_NO_POST),
    "api:flag_list": Expect(GET=API_READ, POST=API_NO_POST),
    "api:level": Expect(GET=API_READ, POST=API_NO_POST),
    "api:procurement_check": Expect(
        GET=API_READ, POST=API_NO_POST, query=lambda w: f"?product={w.product.name}"
    ),
    "api:intake_create": Expect(
        GET=api(only(NOT_ALLOWED, "procurement")),
        POST=api(only(CREATED, "procurement")),
        json=True,
        data=lambda w: {
            "name": "Matrix Lezen",
            "supplier_name": "Matrix Uitgeverij",
            "intended_use": "Technisch lezen in groep 4",
            "schools": ["12AB"],
        },
        effect=lambda w: Product.objects.filter(name="Matrix Lezen").exists(),
    ),
    # Everyone makes and revokes their own API tokens (a token has its user's role).
    "tokens:token_list": Expect(GET=READ, POST=READ),
    "tokens:token_create": Expect(
        GET=only(NOT_ALLOWED, *PERSONAS[1:]),
        POST=READ,
        data=lambda w: {"name": "Matrix"},
        effect=lambda w: ApiToken.objects.filter(name="Matrix").exists(),
    ),
    "tokens:token_revoke": Expect(
        GET=only(NOT_ALLOWED, *PERSONAS[1:]),
        POST=everyone(REDIRECT),
        prepare=own_token,
        effect=lambda w: not ApiToken.objects.get(pk=w.extra["own_token"].pk).is_active,
    ),
}


# --- running one case ---------------------------------------------------------------------------


def register_state() -> tuple:
    """Everything a refused request must leave exactly as it was."""
    return (
        tuple(Supplier.objects.order_by("pk").values_list("pk", "name", "website", "convenant")),
        tuple(Product.objects.order_by("pk").values_list("pk", "name", "status")),
        tuple(DataFlow.objects.order_by("pk").values_list("pk", "product_id", "attribute_id")),
        tuple(Agreement.objects.order_by("pk").values_list("pk", "status", "version")),
        Document.objects.count(),
        Review.objects.count(),
        tuple(ProcessingActivity.objects.order_by("pk").values_list("pk", "name", "version")),
        tuple(Organisation.objects.values_list("name", "fg_name")),
        tuple(ApiToken.objects.order_by("pk").values_list("pk", "name", "revoked_at")),
        Agreement.history.count(),
        Supplier.history.count(),
    )


def persona_client(persona: str, request) -> Client:
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    return client_for(user)


def outcome_problem(response, expected) -> str | None:
    """None when the response is the expected outcome, else what happened instead."""
    location = response.get("Location", "")
    got = f"{response.status_code}" + (f" to {location}" if location else "")
    if expected == LOGIN:
        ok = response.status_code == 302 and location.startswith(reverse("login"))
    elif expected == REDIRECT:
        ok = response.status_code == 302 and not location.startswith(reverse("login"))
    else:
        ok = response.status_code == expected
    return None if ok else f"got {got}, expected {expected}"


@pytest.fixture
def fg_who_submitted(fg_officer):
    return fg_officer


@pytest.fixture
def world(settings, tmp_path, privacy_officer):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path / "data"
    return build_world(submitted_by=privacy_officer)


def run_case(name, persona, method, world, request, *, kwargs=None):
    expect = EXPECTED[name]
    client = persona_client(persona, request)
    url_kwargs = kwargs_for(name, dict(app_patterns())[name], world)
    if expect.prepare is not None:
        url_kwargs.update(expect.prepare(world, client, persona) or {})
    if kwargs:
        url_kwargs.update(kwargs)
    url = reverse(name, kwargs=url_kwargs) + (expect.query(world) if expect.query else "")
    before = register_state()
    if method == "GET":
        response = client.get(url)
    elif expect.json:
        response = client.post(url, expect.data(world), content_type="application/json")
    else:
        response = client.post(url, expect.data(world) if expect.data else {})
    return expect, response, before


def personas_for(name: str) -> list[str]:
    return PERSONAS + EXTRA_PERSONAS.get(name, [])


def each_persona_and_method(check, personas: list[str] = PERSONAS) -> list[str]:
    """Run `check(persona, method)` for every pair, each in a savepoint rolled back after it,
    so every pair starts from the same register; collect the problems."""
    problems = []
    for persona in personas:
        for method in ("GET", "POST"):
            savepoint = transaction.savepoint()
            try:
                problem = check(persona, method)
            finally:
                transaction.savepoint_rollback(savepoint)
            if problem:
                problems.append(f"{method} as {persona}: {problem}")
    return problems


def url_names() -> list[str]:
    return sorted(name for name, _pattern in app_patterns())


@pytest.mark.parametrize("name", url_names())
def test_the_permission_matrix(name, world, personas, superuser, fg_who_submitted, request):
    assert name in EXPECTED, f"{name} has no expectation in the permission matrix"

    def check(persona: str, method: str) -> str | None:
        expect, response, before = run_case(name, persona, method, world, request)
        expected = getattr(expect, method)[persona]
        problem = outcome_problem(response, expected)
        if problem:
            return problem
        if expected in REFUSED and register_state() != before:
            return "refused, but the register changed"
        if expected in (REDIRECT, CREATED) and method == "POST" and expect.effect is not None:
            if not expect.effect(world):
                return "redirected, but the action did not happen"
        return None

    assert each_persona_and_method(check, personas_for(name)) == []


def test_every_url_has_an_explicit_expectation():
    names = set(url_names())
    missing = sorted(names - set(EXPECTED))
    stale = sorted(set(EXPECTED) - names)
    assert missing == [], f"URLs without a permission expectation: {missing}"
    assert stale == [], f"expectations for URLs that no longer exist: {stale}"
    for name, expect in EXPECTED.items():
        for method in ("GET", "POST"):
            assert set(getattr(expect, method)) == set(personas_for(name)), f"{name} {method}"
    assert set(EXTRA_PERSONAS) <= names, "extra personas for URLs that no longer exist"


# --- objects outside reach ----------------------------------------------------------------------

OBJECT_ARGUMENTS = ("pk", "document_pk", "product_pk")


def object_url_names() -> list[str]:
    return sorted(
        name
        for name, pattern in app_patterns()
        if set(pattern.pattern.converters) & set(OBJECT_ARGUMENTS)
    )


@pytest.mark.parametrize("name", object_url_names())
def test_a_missing_object_is_404_for_those_allowed_and_403_for_the_rest(
    name, world, personas, request
):
    """Permission is checked before the lookup, so a refused user cannot probe which ids exist."""
    assert name in EXPECTED, f"{name} has no expectation in the permission matrix"
    converters = dict(app_patterns())[name].pattern.converters
    kwargs = {arg: 999_999 for arg in converters if arg in OBJECT_ARGUMENTS}

    def check(persona: str, method: str) -> str | None:
        expect, response, before = run_case(name, persona, method, world, request, kwargs=kwargs)
        allowed = getattr(expect, method)[persona]
        problem = outcome_problem(response, allowed if allowed in REFUSED else NOT_FOUND)
        if problem:
            return f"missing object: {problem}"
        if register_state() != before:
            return "missing object, but the register changed"
        return None

    assert each_persona_and_method(check) == []


@pytest.mark.parametrize("persona", PERSONAS[1:])
def test_a_document_is_out_of_reach_under_another_agreement(persona, world, request):
    client = persona_client(persona, request)
    url = reverse(
        "agreements:document_download", args=[world.agreement.pk, world.other_document.pk]
    )
    assert client.get(url).status_code == NOT_FOUND


def test_an_upload_of_another_session_is_out_of_reach(world, privacy_officer):
    first = client_for(privacy_officer)
    token = upload_token(world, first, "privacy_officer")["token"]
    second = client_for(privacy_officer)  # the same person in another browser
    preview = reverse("register:workbook_import_preview", args=[token])
    confirm = reverse("register:workbook_import_confirm", args=[token])
    assert first.get(preview).status_code == OK
    response = second.get(preview)
    assert response.status_code == 302
    assert response["Location"] == reverse("register:workbook_import")
    assert second.post(confirm).status_code == 302
    assert not Supplier.objects.filter(name="Matrix Leverancier").exists()


# --- the admin --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_nobody_but_staff_gets_into_the_admin(persona, world, request):
    client = persona_client(persona, request)
    for url in (
        reverse("admin:index"),
        reverse("admin:agreements_agreement_changelist"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:agreements_agreement_change", args=[world.agreement.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, f"{persona} {url}: {response.status_code}"
        login_pages = (reverse("admin:login"), reverse("login"))
        assert response["Location"].startswith(login_pages), response["Location"]
    response = client.post(
        reverse("admin:agreements_agreement_change", args=[world.agreement.pk]),
        {"reference": "Gekaapt"},
    )
    assert response.status_code == 302
    assert Agreement.objects.get(pk=world.agreement.pk).reference != "Gekaapt"


def test_staff_get_into_the_admin(admin_user):
    assert client_for(admin_user).get(reverse("admin:index")).status_code == OK


# --- an account without a role -------------------------------------------------------------------

# Besides the dashboard's "no role yet" page: their own account and its two-factor set-up, and
# the single sign-on addresses (404 here: not configured), none of which shows the register.
ROLELESS_MAY_SEE = {
    "dashboard",
    "login",
    "logout",
    "accounts:account",
    "accounts:two_factor_setup",
    "accounts:oidc_login",
    "accounts:oidc_callback",
    "tokens:token_list",
}


def test_an_account_without_a_role_sees_nothing_of_the_register(world, django_user_model):
    client = client_for(django_user_model.objects.create_user("zonder_rol", password="x"))
    leaks = []
    for name, pattern in app_patterns():
        if name in ROLELESS_MAY_SEE:
            continue
        expect = EXPECTED[name]
        query = expect.query(world) if expect.query else ""
        response = client.get(reverse(name, kwargs=kwargs_for(name, pattern, world)) + query)
        if response.status_code not in (FORBIDDEN, NOT_ALLOWED, 302):
            leaks.append(f"{name}: {response.status_code}")
    assert leaks == []


# --- the role matrix (register/roles.py) ---------------------------------------------------------


def _group_permissions(group: Group) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_the_groups_hold_exactly_the_role_matrix_of_roles_py():
    assert set(PERSONAS[1:]) == set(roles.ROLES)
    for role in roles.ROLES:
        assert _group_permissions(Group.objects.get(name=role)) == roles.role_permissions(role)
    # Nobody holds a delete permission: agreements, documents and reviews are never deleted.
    for role in roles.ROLES:
        assert not {p for p in roles.role_permissions(role) if ".delete_" in p}, role


def test_migrate_puts_the_role_matrix_back(reader):
    granted_by_hand = Permission.objects.get(
        content_type__app_label="agreements", codename="change_agreement"
    )
    Group.objects.get(name="reader").permissions.add(granted_by_hand)
    Group.objects.filter(name="procurement").delete()

    call_command("migrate", verbosity=0)

    reader = type(reader).objects.get(pk=reader.pk)  # a fresh permission cache
    assert not reader.has_perm("agreements.change_agreement")
    assert _group_permissions(Group.objects.get(name="procurement")) == roles.role_permissions(
        "procurement"
    )


# --- a GET never writes ---------------------------------------------------------------------------

# A request renews the session (the inactivity timeout; accounts/sessions.py).
WRITES_ALLOWED_ON_GET = ("django_session",)
# The import preview runs the import in a transaction that it rolls back: nothing stays.
ROLLED_BACK_ON_GET = {"register:workbook_import_preview"}
WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


@pytest.mark.parametrize("name", url_names())
def test_a_get_never_writes(name, world, personas, request):
    expect = EXPECTED[name]

    def check(persona: str, method: str) -> str | None:
        if method != "GET" or name in ROLLED_BACK_ON_GET:
            return None
        client = persona_client(persona, request)
        url_kwargs = kwargs_for(name, dict(app_patterns())[name], world)
        if expect.prepare is not None:
            url_kwargs.update(expect.prepare(world, client, persona) or {})
        url = reverse(name, kwargs=url_kwargs) + (expect.query(world) if expect.query else "")
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        writes = [
            match.group(2)
            for query in captured.captured_queries
            if (match := WRITE.match(query["sql"])) and match.group(2) not in WRITES_ALLOWED_ON_GET
        ]
        return f"wrote to {sorted(set(writes))}" if writes else None

    assert each_persona_and_method(check) == []
