"""Shared personas (one per role of DESIGN.md section 1) and small factories."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.contrib.auth.models import Group, User
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import second_factor_required
from agreements.models import Agreement, AgreementStatus, Decision, Review, Subprocessor
from suppliers.models import Attribute, DataFlow, Product, Supplier

PASSWORD = "persona-password"


def pytest_report_header(config) -> str:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"database: {engine}"


def pytest_collection_modifyitems(config, items) -> None:
    """`make test` runs the suite in parallel (pytest-xdist, `--dist loadgroup`): the browser
    tests all go to one worker, so that one chromium and one live server run at a time and a
    journey never waits for a second browser on a small CI machine."""
    for item in items:
        if item.get_closest_marker("e2e") and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group("e2e"))


ROLES = ["fg", "privacy_officer", "procurement", "reader"]
_counter = itertools.count(1)


def make_user(username: str, group: str | None = None) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=username.title(),
        email=f"{username}@example.nl",
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture(scope="session", autouse=True)
def _seeded_data_on_every_connection(django_db_setup, django_db_blocker) -> None:
    """Serialized rollback puts back what the migrations seeded (groups, attributes) after a
    transactional test empties the database. Django keeps that data on the connection object;
    once Playwright's event loop has run in this thread, Django hands out fresh connection
    objects (context variables instead of thread locals) that lack it, and every later
    transactional test would leave an empty database behind. Keep it on the class instead."""
    wrapper = connections[DEFAULT_DB_ALIAS]  # `connection` is only a proxy to it
    contents = getattr(wrapper, "_test_serialized_contents", None)
    if contents is None:
        with django_db_blocker.unblock():
            contents = wrapper.creation.serialize_db_to_string()
    type(wrapper)._test_serialized_contents = contents


@pytest.fixture(autouse=True)
def _rules_kept_per_test():
    """Each test starts without the rules' state a previous test kept in this process (its
    register was rolled back): correct either way, but a query-count test would pay for the
    check that the old state no longer chains to the register."""
    from register.rules import cache

    cache.forget()


@pytest.fixture(autouse=True)
def _pages_kept_per_test():
    """Nor the parts of pages a previous test kept in this process's cache (the dashboard's
    flag sections, kept per register revision)."""
    from django.conf import settings
    from django.core.cache import caches

    caches["default"].clear()
    caches[settings.RULES_CACHE].clear()  # the API throttle's counts too


@pytest.fixture
def fg(db) -> User:
    return make_user("fg", "fg")


@pytest.fixture
def fg2(db) -> User:
    return make_user("fg2", "fg")


@pytest.fixture
def fg_officer(db) -> User:
    """A user in both fg and privacy_officer (a small board where roles overlap)."""
    user = make_user("fg_officer", "fg")
    user.groups.add(Group.objects.get(name="privacy_officer"))
    return user


@pytest.fixture
def superuser(db) -> User:
    """The demo's `beheer`: every permission, for /beheer/, but in no role group."""
    return User.objects.create_superuser(
        username="beheer", password=PASSWORD, email="beheer@example.nl", first_name="Beheer"
    )


@pytest.fixture
def privacy_officer(db) -> User:
    return make_user("privacy_officer", "privacy_officer")


@pytest.fixture
def procurement(db) -> User:
    return make_user("procurement", "procurement")


@pytest.fixture
def reader(db) -> User:
    return make_user("reader", "reader")


@pytest.fixture
def anonymous() -> None:
    return None


@pytest.fixture
def personas(fg, privacy_officer, procurement, reader) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "reader": reader,
        "procurement": procurement,
        "privacy_officer": privacy_officer,
        "fg": fg,
    }


def pass_second_factor(client: Client, user: User) -> None:
    """Mark `client`'s session as having given its second factor, as the code page does
    (django_otp.login); the user gets a confirmed authenticator app if they had none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test-app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def client_for(user: User | None) -> Client:
    """A client logged in as `user`; the FG and staff have given their second factor."""
    client = Client()
    if user is not None:
        client.force_login(user)
        if second_factor_required(user):
            pass_second_factor(client, user)
    return client


@pytest.fixture
def today() -> datetime.date:
    return timezone.localdate()


def attrs(*codes: str) -> list[Attribute]:
    found = {a.code: a for a in Attribute.objects.filter(code__in=codes)}
    missing = set(codes) - set(found)
    assert not missing, f"unknown attribute codes {missing}"
    return [found[c] for c in codes]


def make_supplier(name: str | None = None, **fields) -> Supplier:
    return Supplier.objects.create(name=name or f"Leverancier {next(_counter)}", **fields)


def make_product(name: str | None = None, supplier: Supplier | None = None, **fields) -> Product:
    supplier = supplier or make_supplier()
    return Product.objects.create(
        supplier=supplier, name=name or f"Product {next(_counter)}", **fields
    )


def make_flow(
    product: Product, code: str, channel: str = "entree", subject: str = "leerling"
) -> DataFlow:
    return DataFlow.objects.create(
        product=product, attribute=attrs(code)[0], channel=channel, subject=subject
    )


def make_agreement(
    products: list[Product],
    *,
    status: str = AgreementStatus.DRAFT,
    attributes: tuple[str, ...] = (),
    reviewer: User | None = None,
    subprocessors: tuple[tuple[str, str, str], ...] = (),
    **fields,
) -> Agreement:
    """An agreement over `products`; approved/rejected/changes get a matching review."""
    fields.setdefault("reference", f"VO-{next(_counter):04d}")
    agreement = Agreement.objects.create(supplier=products[0].supplier, **fields)
    agreement.products.set(products)
    agreement.attributes.set(attrs(*attributes))
    for name, country, safeguard in subprocessors:
        Subprocessor.objects.create(
            agreement=agreement, name=name, countries=country, safeguard=safeguard
        )
    if status in Decision.values:
        Review.objects.create(
            agreement=agreement,
            decision=status,
            comment="Beoordeeld",
            reviewer=reviewer,
            reviewer_name=reviewer.get_full_name() if reviewer else "FG",
            fingerprint=agreement.content_fingerprint(),
        )
    agreement.status = status
    agreement.save()
    return agreement


CHECKLIST_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def complete_checklist(agreement: Agreement) -> Agreement:
    """Fill in what the submission checklist asks for (issue 17), keeping what is there:
    the DPA as PDF, signing and start dates, agreed attributes, subprocessors' country and
    safeguard, purposes and retention."""
    from agreements.models import DocumentKind
    from agreements.services import add_document

    agreement.refresh_from_db()
    agreement.signed_on = agreement.signed_on or datetime.date(2025, 7, 1)
    agreement.starts_on = agreement.starts_on or datetime.date(2025, 9, 1)
    agreement.purposes = agreement.purposes or "Digitaal leermateriaal leveren"
    agreement.retention = agreement.retention or "Tot 12 maanden na de licentie"
    agreement.save()
    if not agreement.attributes.exists():
        agreement.attributes.set(attrs("eckId"))
    for notice in agreement.privacy_notices.all():
        if not notice.attributes.exists():
            notice.attributes.set(attrs("eckId"))
    for sub in agreement.subprocessors.filter(countries=""):
        sub.countries = "NL"
        sub.save()
    if not agreement.transfer_safeguard and any(
        s.unsafe_transfer for s in agreement.subprocessors.all()
    ):
        agreement.transfer_safeguard = "Modelcontractbepalingen (SCC's)"
        agreement.save()
    if not agreement.documents.filter(kind=DocumentKind.AGREEMENT).exists():
        add_document(
            agreement=agreement,
            kind=DocumentKind.AGREEMENT,
            content=CHECKLIST_PDF,
            original_name="verwerkersovereenkomst.pdf",
        )
    return agreement
