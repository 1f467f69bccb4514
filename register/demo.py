"""The demo board loaded by `load_demo`: realistic, fictional, and idempotent.

Dates are relative to the day of loading so that the flags mean the same thing whenever
the demo is loaded (one agreement expiring soon, one ended, ...).
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace

import time_machine
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.models import HistoricalRecords

from accounts.two_factor import second_factor_required
from agreements.models import (
    Agreement,
    AgreementStatus,
    Decision,
    DocumentKind,
    FindingRisk,
    FindingStatus,
    PrivacyNotice,
    Subprocessor,
)
from agreements.services import (
    add_document,
    decide_agreement,
    record_finding,
    submit_agreement,
    terminate_agreement,
)
from suppliers.models import Attribute, DataFlow, DataSubject, Product, Supplier

from .models import LevelSnapshot, Organisation, ProcessingActivity, School
from .rules.level import record_snapshot

DEMO_PASSWORD = "privacy-demo"
# The demo FG and the administrator must log in with a second factor (accounts.two_factor);
# their authenticator app is this published, demo-only key (base32, as apps take it).
# `make demo-code` prints its current code; never use it for a real account.
DEMO_TOTP_SECRET = "PRIVACYREGISTERDEMOSECRETKEY2345"

# username, group, full name, superuser
DEMO_USERS = [
    ("fg", "fg", "Femke Groen (FG)", False),
    ("privacy", "privacy_officer", "Pieter Prins (privacy officer)", False),
    ("inkoop", "procurement", "Ilse Kok (inkoop)", False),
    ("lezer", "reader", "Lars de Vries (schoolleider)", False),
    ("beheer", None, "Beheerder", True),
]

SCHOOLS = [
    ("12AB", "OBS De Regenboog", "po"),
    ("12AB01", "OBS De Regenboog, locatie Dijkzicht", "po"),
    ("34CD", "IKC De Vlinder", "po"),
    ("56EF", "Waterlinie College", "vo"),
    ("78GH", "SO De Brug", "so"),
]

# supplier name, KvK, website, privacy contact, convenant
SUPPLIERS = [
    (
        "Uitgeverij Noorderlicht",
        "12345678",
        "https://noorderlicht.example",
        "privacy@noorderlicht.example",
        "deelnemer",
    ),
    (
        "Leerwerk Educatief",
        "23456789",
        "https://leerwerk.example",
        "fg@leerwerk.example",
        "deelnemer",
    ),
    (
        "Toetsplein BV",
        "34567890",
        "https://toetsplein.example",
        "privacy@toetsplein.example",
        "deelnemer",
    ),
    (
        "Schoolkompas Software",
        "45678901",
        "https://schoolkompas.example",
        "security@schoolkompas.example",
        "deelnemer",
    ),
    (
        "Klaslokaal Digitaal",
        "56789012",
        "https://klaslokaal.example",
        "privacy@klaslokaal.example",
        "medestander",
    ),
    (
        "Cloudwerk Nederland",
        "67890123",
        "https://cloudwerk.example",
        "dpo@cloudwerk.example",
        "geen",
    ),
    (
        "Oefenwereld",
        "78901234",
        "https://oefenwereld.example",
        "privacy@oefenwereld.example",
        "deelnemer",
    ),
    (
        "Portaalwijzer",
        "89012345",
        "https://portaalwijzer.example",
        "privacy@portaalwijzer.example",
        "deelnemer",
    ),
    ("Identiq", "90123456", "https://identiq.example", "privacy@identiq.example", "deelnemer"),
    ("Muziekles Online", "", "https://muziekles.example", "", "geen"),
]

# supplier, name, kind, access channel, status, processes personal data, schools
PRODUCTS = [
    (
        "Uitgeverij Noorderlicht",
        "Rekenrijk Online",
        "leermiddel",
        "basispoort",
        "in_gebruik",
        True,
        ["12AB", "34CD"],
    ),
    (
        "Uitgeverij Noorderlicht",
        "Taalverhaal Digitaal",
        "leermiddel",
        "basispoort",
        "in_gebruik",
        True,
        ["12AB", "34CD"],
    ),
    (
        "Uitgeverij Noorderlicht",
        "Rekenrijk Oefenbladen",
        "leermiddel",
        "geen",
        "in_gebruik",
        False,
        ["12AB"],
    ),
    (
        "Leerwerk Educatief",
        "Spellingsterk",
        "leermiddel",
        "entree",
        "in_gebruik",
        True,
        ["12AB", "34CD", "78GH"],
    ),
    (
        "Leerwerk Educatief",
        "Woordenschat Plus",
        "leermiddel",
        "entree",
        "in_gebruik",
        True,
        ["34CD"],
    ),
    ("Leerwerk Educatief", "Leesladder", "leermiddel", "entree", "uitgefaseerd", True, []),
    (
        "Toetsplein BV",
        "Toetsplein LOVS",
        "toets",
        "eduv",
        "in_gebruik",
        True,
        ["12AB", "34CD", "78GH"],
    ),
    (
        "Schoolkompas Software",
        "Kompas LAS",
        "las",
        "direct",
        "in_gebruik",
        True,
        ["12AB", "34CD", "56EF", "78GH"],
    ),
    ("Klaslokaal Digitaal", "Klasbord", "elo", "direct", "in_gebruik", True, ["56EF"]),
    ("Klaslokaal Digitaal", "Digibord Klok", "overig", "geen", "in_gebruik", False, ["12AB"]),
    ("Cloudwerk Nederland", "Cloudwerk Office", "kantoor", "direct", "in_gebruik", True, ["56EF"]),
    (
        "Oefenwereld",
        "Oefenwereld Rekenen",
        "leermiddel",
        "entree",
        "in_gebruik",
        True,
        ["12AB", "34CD"],
    ),
    ("Oefenwereld", "Oefenwereld Taal", "leermiddel", "entree", "voorgesteld", True, []),
    ("Portaalwijzer", "Schoolportaal Wijzer", "portaal", "entree", "in_gebruik", True, ["56EF"]),
    (
        "Identiq",
        "Identiq IDM",
        "idm",
        "direct",
        "in_gebruik",
        True,
        ["12AB", "34CD", "56EF", "78GH"],
    ),
    ("Muziekles Online", "Muziekmaker", "leermiddel", "handmatig", "in_gebruik", True, ["12AB"]),
]

# product, channel, attribute codes
FLOWS = [
    (
        "Rekenrijk Online",
        "basispoort",
        ["eckId", "givenName", "sn", "groep_klas", "leerjaar", "resultaten"],
    ),
    ("Taalverhaal Digitaal", "basispoort", ["eckId", "givenName", "sn", "groep_klas", "leerjaar"]),
    ("Spellingsterk", "entree", ["eckId", "nlEduPersonHomeOrganizationId", "eduPersonAffiliation"]),
    ("Spellingsterk", "direct", ["geboortedatum", "groep_klas"]),
    (
        "Woordenschat Plus",
        "entree",
        ["eckId", "eduPersonAffiliation", "nlEduPersonHomeOrganizationId"],
    ),
    (
        "Toetsplein LOVS",
        "eduv",
        ["leerlingnummer", "givenName", "sn", "geboortedatum", "groep_klas", "resultaten"],
    ),
    (
        "Kompas LAS",
        "direct",
        [
            "leerlingnummer",
            "givenName",
            "sn",
            "geboortedatum",
            "adres",
            "ouder_contact",
            "gezondheid",
            "bsn_pgn",
        ],
    ),
    ("Klasbord", "direct", ["givenName", "sn", "groep_klas", "foto", "ouder_contact"]),
    ("Cloudwerk Office", "direct", ["uid", "givenName", "sn", "mail", "ip_adres"]),
    ("Oefenwereld Rekenen", "entree", ["eckId", "givenName", "groep_klas"]),
    ("Schoolportaal Wijzer", "entree", ["uid", "eckId", "givenName", "sn", "mail"]),
    ("Identiq IDM", "direct", ["uid", "givenName", "sn", "mail", "eckId", "groep_klas"]),
]


@dataclass
class DemoAgreement:
    reference: str
    supplier: str
    products: list[str]
    status: str
    model: str = "convenant_4"
    signed: bool = True
    starts: int = -400  # days from today
    ends: int | None = 700
    attributes: list[str] = field(default_factory=list)
    notices: dict[str, list[str]] = field(default_factory=dict)
    subprocessors: list[tuple[str, str, str, str]] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    decisions: list[tuple[str, str]] = field(default_factory=list)  # (decision, comment)
    transfer_outside_eea: bool = False
    transfer_safeguard: str = ""
    reason: str = ""
    # The FG's findings: (topic, what differs, risk, status); accepted ones join the approval.
    findings: list[tuple[str, str, str, str]] = field(default_factory=list)
    # The agreement's life in the register, in days before today (see _story): entered by
    # the privacy officer, submitted, decided by the FG, ended, changed after the review.
    created: int = 330
    submitted: int | None = None
    decided: int | None = None
    ended: int | None = None
    changed: int | None = None
    # Moved in with the board's old Excel register: its status came with the workbook import
    # (DESIGN.md 11.4: the checklist that guards a submission in the app does not apply).
    imported: bool = False
    # Why the FG approves although the checklist misses an item (stored with the review).
    incomplete_reason: str = ""
    signed_day: int | None = None  # days from today; default two weeks before the start


ENTREE_BASICS = ["eckId", "eduPersonAffiliation", "nlEduPersonHomeOrganizationId"]

AGREEMENTS = [
    DemoAgreement(
        "VWO-2024-001",
        "Uitgeverij Noorderlicht",
        ["Rekenrijk Online", "Taalverhaal Digitaal"],
        AgreementStatus.APPROVED,
        attributes=["eckId", "givenName", "sn", "groep_klas", "leerjaar"],
        notices={
            "Rekenrijk Online": [
                "eckId",
                "givenName",
                "sn",
                "groep_klas",
                "leerjaar",
                "resultaten",
                "gebruiksgegevens",
            ],
            "Taalverhaal Digitaal": ["eckId", "givenName", "sn", "groep_klas", "leerjaar"],
        },
        subprocessors=[("Datacentrum Noord BV", "Hosting", "NL", "")],
        documents=[
            DocumentKind.AGREEMENT,
            DocumentKind.PRIVACY_NOTICE,
            DocumentKind.SECURITY_ANNEX,
        ],
        decisions=[
            (
                Decision.APPROVED,
                "Model Convenant 4.0 volledig ingevuld; bijsluiters per product akkoord.",
            )
        ],
        created=340,
        submitted=338,
        decided=333,
    ),
    DemoAgreement(
        "VWO-2024-002",
        "Leerwerk Educatief",
        ["Spellingsterk", "Woordenschat Plus", "Leesladder"],
        AgreementStatus.APPROVED,
        attributes=ENTREE_BASICS + ["groep_klas"],
        subprocessors=[("Amazon Web Services EMEA", "Hosting", "IE", "")],
        documents=[DocumentKind.AGREEMENT],
        decisions=[(Decision.APPROVED, "Akkoord. Alleen Entree-basisattributen en groep/klas.")],
        findings=[
            (
                "Model 4.0 art. 7 (subverwerkers)",
                "Nieuwe subverwerkers worden op de website gemeld in plaats van per e-mail aan "
                "het bestuur.",
                FindingRisk.LOW,
                FindingStatus.ACCEPTED,
            )
        ],
        created=300,
        submitted=298,
        decided=292,
    ),
    DemoAgreement(
        "VWO-2023-007",
        "Toetsplein BV",
        ["Toetsplein LOVS"],
        AgreementStatus.APPROVED,
        starts=-700,
        ends=1000,
        attributes=[
            "leerlingnummer",
            "givenName",
            "sn",
            "geboortedatum",
            "groep_klas",
            "resultaten",
        ],
        subprocessors=[("Hostingpartner Utrecht", "Hosting", "NL", "")],
        documents=[DocumentKind.AGREEMENT, DocumentKind.SECURITY_ANNEX],
        decisions=[(Decision.APPROVED, "Akkoord met de beveiligingsbijlage van 2023.")],
        created=320,
        submitted=319,
        decided=314,
        changed=40,
    ),
    DemoAgreement(
        "VWO-2025-003",
        "Schoolkompas Software",
        ["Kompas LAS"],
        AgreementStatus.APPROVED,
        signed=False,
        starts=-200,
        ends=None,
        attributes=[
            "leerlingnummer",
            "givenName",
            "sn",
            "geboortedatum",
            "adres",
            "ouder_contact",
            "gezondheid",
            "bsn_pgn",
        ],
        subprocessors=[("Schoolkompas Hosting", "Hosting", "NL", "")],
        decisions=[(Decision.APPROVED, "Akkoord; getekend exemplaar en PDF nog opvragen.")],
        created=240,
        imported=True,
        decided=235,
        incomplete_reason="Het LAS is onmisbaar en de inhoud is in orde; het getekende exemplaar volgt.",
    ),
    DemoAgreement(
        "VWO-2025-010",
        "Klaslokaal Digitaal",
        ["Klasbord"],
        AgreementStatus.CHANGES_REQUESTED,
        attributes=["givenName", "sn", "groep_klas"],
        subprocessors=[("Mailservice Europa", "E-mail", "DE", "")],
        documents=[DocumentKind.AGREEMENT],
        decisions=[
            (
                Decision.CHANGES_REQUESTED,
                "Foto's van leerlingen staan niet in de bijsluiter; graag aanvullen of de koppeling aanpassen.",
            )
        ],
        findings=[
            (
                "Bijlage 1 (privacybijsluiter)",
                "Klasbord verwerkt foto's van leerlingen, maar de bijsluiter noemt ze niet.",
                FindingRisk.HIGH,
                FindingStatus.TO_RESOLVE,
            )
        ],
        created=60,
        submitted=57,
        decided=50,
    ),
    DemoAgreement(
        "VWO-2021-004",
        "Klaslokaal Digitaal",
        ["Klasbord"],
        AgreementStatus.TERMINATED,
        model="eigen",
        starts=-1500,
        ends=-400,
        attributes=["givenName", "sn"],
        reason="Vervangen door nieuwe overeenkomst op basis van Model Convenant 4.0.",
        created=360,
        ended=60,
    ),
    DemoAgreement(
        "VWO-2025-011",
        "Cloudwerk Nederland",
        ["Cloudwerk Office"],
        AgreementStatus.REJECTED,
        model="eigen",
        attributes=["uid", "givenName", "sn", "mail"],
        transfer_outside_eea=True,
        subprocessors=[("Cloudwerk Inc.", "Opslag en support", "US", "")],
        documents=[DocumentKind.AGREEMENT],
        decisions=[
            (
                Decision.REJECTED,
                "Doorgifte naar de VS zonder waarborg; eigen model leverancier wijkt af van het convenant.",
            )
        ],
        created=240,
        imported=True,
        decided=230,
    ),
    DemoAgreement(
        "VWO-2026-004",
        "Oefenwereld",
        ["Oefenwereld Rekenen"],
        AgreementStatus.SUBMITTED,
        starts=-10,
        ends=1095,
        attributes=["eckId", "givenName"],
        notices={"Oefenwereld Rekenen": ["eckId", "givenName", "groep_klas", "gebruiksgegevens"]},
        subprocessors=[
            ("Oefenwereld Hosting BV", "Hosting", "NL", ""),
            (
                "Supportdesk Global LLC",
                "Klantenservice",
                "US",
                "EU-VS Data Privacy Framework (adequaatheidsbesluit)",
            ),
        ],
        documents=[DocumentKind.AGREEMENT, DocumentKind.PRIVACY_NOTICE],
        created=16,
        submitted=12,
    ),
    DemoAgreement(
        "VWO-2022-002",
        "Portaalwijzer",
        ["Schoolportaal Wijzer"],
        AgreementStatus.APPROVED,
        model="convenant_3",
        starts=-1200,
        ends=-60,
        attributes=["uid", "eckId", "givenName", "sn", "mail"],
        documents=[DocumentKind.AGREEMENT],
        decisions=[(Decision.APPROVED, "Akkoord voor de looptijd van het contract.")],
        created=350,
        submitted=349,
        decided=345,
    ),
    DemoAgreement(
        "VWO-2026-006",
        "Portaalwijzer",
        ["Schoolportaal Wijzer"],
        AgreementStatus.DRAFT,
        signed=False,
        starts=None,
        ends=None,
        attributes=["uid", "eckId", "givenName", "sn", "mail"],
        created=20,
    ),
    DemoAgreement(
        "VWO-2024-008",
        "Identiq",
        ["Identiq IDM"],
        AgreementStatus.APPROVED,
        starts=-680,
        ends=45,
        attributes=["uid", "givenName", "sn", "mail", "eckId", "groep_klas"],
        subprocessors=[("Identiq Cloud Services", "Hosting", "NL", "")],
        documents=[DocumentKind.AGREEMENT],
        decisions=[(Decision.APPROVED, "Akkoord.")],
        created=270,
        submitted=268,
        decided=262,
    ),
]

# Three agreements wait for the FG (oldest first: VWO-2026-004 above).
AGREEMENTS += [
    DemoAgreement(
        "VWO-2026-007",
        "Identiq",
        ["Identiq IDM"],
        AgreementStatus.SUBMITTED,
        # The renewal: it starts when the current agreement (VWO-2024-008) ends.
        signed_day=-9,
        starts=45,
        ends=45 + 1095,
        attributes=["uid", "givenName", "sn", "mail", "eckId", "groep_klas"],
        subprocessors=[("Identiq Cloud Services", "Hosting", "NL", "")],
        documents=[DocumentKind.AGREEMENT, DocumentKind.SECURITY_ANNEX],
        created=8,
        submitted=6,
    ),
    DemoAgreement(
        "VWO-2026-009",
        "Oefenwereld",
        ["Oefenwereld Taal"],
        AgreementStatus.SUBMITTED,
        starts=-5,
        ends=1090,
        attributes=["eckId", "givenName", "groep_klas"],
        subprocessors=[("Oefenwereld Hosting BV", "Hosting", "NL", "")],
        documents=[DocumentKind.AGREEMENT, DocumentKind.PRIVACY_NOTICE],
        created=4,
        submitted=2,
    ),
]

# name, purposes, legal basis, subjects, personal data, recipients, transfers, retention, security, products
ACTIVITIES = [
    (
        "Leerlingadministratie",
        "Inschrijving, bekostiging en verantwoording aan DUO; leerlingdossier.",
        "wettelijke_plicht",
        "Leerlingen, ouders/verzorgers",
        "NAW-gegevens, geboortedatum, BSN/PGN, groep, ondersteuningsbehoefte",
        "DUO, inspectie, samenwerkingsverband",
        "Geen",
        "Tot 5 jaar na uitschrijving (art. 41 WPO e.a.)",
        "Rolgebaseerde toegang, MFA, versleutelde opslag in NL",
        ["Kompas LAS", "Identiq IDM"],
    ),
    (
        "Digitaal leermateriaal en oefenen",
        "Gepersonaliseerd oefenen, voortgang volgen, toegang via Entree/Basispoort.",
        "algemeen_belang",
        "Leerlingen, leraren",
        "ECK iD, naam, groep/klas, leerjaar, resultaten",
        "Uitgevers en distributeurs (verwerkers)",
        "Geen, behalve waar de overeenkomst een waarborg noemt",
        "Tot einde schooljaar plus 1 jaar",
        "Convenant Digitale Onderwijsmiddelen en Privacy; beveiligingsbijlagen",
        [
            "Rekenrijk Online",
            "Taalverhaal Digitaal",
            "Spellingsterk",
            "Woordenschat Plus",
            "Oefenwereld Rekenen",
        ],
    ),
    (
        "Toetsing en leerlingvolgsysteem",
        "Volgen van ontwikkeling met methode-onafhankelijke toetsen.",
        "algemeen_belang",
        "Leerlingen",
        "Leerlingnummer, naam, geboortedatum, groep, toetsresultaten",
        "Toetsaanbieder (verwerker)",
        "Geen",
        "Tot 2 jaar na uitschrijving",
        "Versleuteling, toegang per school",
        ["Toetsplein LOVS"],
    ),
    (
        "Communicatie met ouders",
        "Nieuwsbrieven, oudergesprekken plannen, foto's van activiteiten delen.",
        "toestemming",
        "Ouders/verzorgers, leerlingen",
        "Naam, contactgegevens ouders, foto's",
        "Klaslokaal Digitaal (verwerker)",
        "",
        "",
        "Toegang alleen voor ouders van de groep",
        ["Klasbord"],
    ),
    (
        "Samenwerken en e-mail",
        "Samenwerken aan documenten en e-mail voor medewerkers en leerlingen (VO).",
        "gerechtvaardigd_belang",
        "Medewerkers, leerlingen VO",
        "Naam, e-mailadres, gebruikersnaam, IP-adres",
        "Cloudwerk Nederland",
        "VS (subverwerker), waarborg in behandeling",
        "Tot 3 maanden na einde dienstverband of inschrijving",
        "MFA, beheer via IDM",
        ["Cloudwerk Office", "Schoolportaal Wijzer"],
    ),
]


def demo_pdf(title: str, lines: list[str]) -> bytes:
    """A small real PDF for a demo document (weasyprint)."""
    from django.utils.html import escape
    from weasyprint import HTML

    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    html = (
        "<html><head><style>@page{size:A4;margin:2cm} body{font-family:'DejaVu Sans',sans-serif;"
        "font-size:11pt} h1{font-size:16pt;color:#083b6b}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTML(string=html).write_pdf()


def _users() -> dict[str, User]:
    users = {}
    for username, group_name, full_name, superuser in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            first, _, last = full_name.partition(" ")
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                email=f"{username}@schoolbestuur.example",
                is_staff=superuser,
                is_superuser=superuser,
            )
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
        if second_factor_required(user) and not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(
                user=user, name="Demo-authenticator", key=_demo_key_hex(), confirmed=True
            )
        users[username] = user
    return users


def _demo_key_hex() -> str:
    return base64.b32decode(DEMO_TOTP_SECRET).hex()


def current_demo_code() -> str:
    """The code the demo authenticator app shows now (for `make demo-code` and the tests)."""
    return f"{totp(bytes.fromhex(_demo_key_hex())):06d}"


# The demo board's register starts a year ago: twelve monthly level snapshots tell its story.
HISTORY_DAYS = 365
SNAPSHOT_DAYS = [30 * month for month in range(11, 0, -1)]  # and today's, recorded last


def load_demo(stdout=None) -> dict[str, int]:
    """Load the demo board; objects that already exist are left exactly as they are."""
    # The demo's history happened in the past: nobody is mailed about it now.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        return _load_demo()


@contextmanager
def _as(user: User | None, moment: datetime.datetime) -> Iterator[None]:
    """Act as `user` at `moment`: every row and history record written inside carries
    that time and that user, as when the user did it in the app then."""
    previous = getattr(HistoricalRecords.context, "request", None)
    # simple-history's middleware records the request's user; this stands in for it.
    HistoricalRecords.context.request = SimpleNamespace(user=user)
    try:
        with time_machine.travel(moment, tick=False):
            yield
    finally:
        HistoricalRecords.context.request = previous


def _moment(today: datetime.date, days_ago: int, hour: int) -> datetime.datetime:
    day = today - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@transaction.atomic
def _load_demo() -> dict[str, int]:
    today = timezone.localdate()
    first_load = not Agreement.objects.exists() and not LevelSnapshot.objects.exists()
    start = _moment(today, HISTORY_DAYS, 9)
    with _as(None, start):
        users = _users()
    with _as(users["privacy"], start):
        board = _board()

    # Every step of the story in the order it happened, each as its user at its time.
    steps: list[tuple[datetime.datetime, User | None, Callable[[], object]]] = []
    for spec in AGREEMENTS + ART30_AGREEMENTS:
        if not Agreement.objects.filter(reference=spec.reference).exists():
            steps += _story(spec, today, board, users)
    if first_load:
        for days_ago in SNAPSHOT_DAYS:
            day = today - datetime.timedelta(days=days_ago)
            steps.append(
                (_moment(today, days_ago, 23), None, lambda day=day: record_snapshot(today=day))
            )
    for moment, user, step in sorted(steps, key=lambda s: s[0]):
        with _as(user, moment):
            step()
    with _as(users["privacy"], _moment(today, 35, 10)):
        _art30_activities(today)
    if first_load:
        record_snapshot(today=today)  # today's, as the daily `snapshot_level` records it

    return {
        "schools": School.objects.count(),
        "suppliers": Supplier.objects.count(),
        "products": Product.objects.count(),
        "agreements": Agreement.objects.count(),
        "data_flows": DataFlow.objects.count(),
        "activities": ProcessingActivity.objects.count(),
    }


@dataclass
class _Board:
    suppliers: dict[str, Supplier]
    products: dict[str, Product]
    attributes: dict[str, Attribute]


def _board() -> _Board:
    """The organisation, schools, suppliers, products, flows and activities of the board."""
    if not Organisation.objects.exists():
        Organisation(
            name="Stichting Openbaar Onderwijs De Waterlinie",
            contact="Dijkweg 12, 4201 AB Gorinchem · 0183 123 456 · bestuur@waterlinie.example",
            fg_name="Femke Groen",
            fg_contact="fg@waterlinie.example · 06 1234 5678",
        ).save()

    schools = {}
    for brin, name, sector in SCHOOLS:
        schools[brin], _ = School.objects.get_or_create(
            brin=brin, defaults={"name": name, "sector": sector}
        )

    suppliers = {}
    for name, kvk, website, contact, convenant in SUPPLIERS:
        suppliers[name], _ = Supplier.objects.get_or_create(
            name=name,
            defaults={
                "kvk_number": kvk,
                "website": website,
                "privacy_contact": contact,
                "convenant": convenant,
            },
        )

    products = {}
    for supplier, name, kind, access, status, personal, brins in PRODUCTS:
        product, created = Product.objects.get_or_create(
            supplier=suppliers[supplier],
            name=name,
            defaults={
                "kind": kind,
                "access_channel": access,
                "status": status,
                "processes_personal_data": personal,
            },
        )
        if created:
            for brin in brins:
                schools[brin].products.add(product)
        products[name] = product

    attributes = {a.code: a for a in Attribute.objects.all()}
    for product_name, channel, codes in FLOWS:
        for code in codes:
            DataFlow.objects.get_or_create(
                product=products[product_name],
                attribute=attributes[code],
                channel=channel,
                subject=DataSubject.PUPIL,
            )

    _parents_app_flows(products, attributes)

    for (
        name,
        purposes,
        basis,
        subjects,
        data,
        recipients,
        transfers,
        retention,
        security,
        linked,
    ) in ACTIVITIES:
        activity, created = ProcessingActivity.objects.get_or_create(
            name=name,
            defaults={
                "purposes": purposes,
                "legal_bases": [basis] if basis else [],
                "data_subjects": subjects,
                "personal_data": data,
                "recipients": recipients,
                "third_country_transfers": transfers,
                "retention": retention,
                "security_measures": security,
            },
        )
        if created:
            activity.products.set([products[p] for p in linked])
    _art30_board(suppliers, products, attributes)
    return _Board(suppliers, products, attributes)


# The parents' app (issue 15, DESIGN.md 11.2): Klasbord sends the e-mail address of parents
# and of pupils through one direct link; two flows of `mail`, one per data subject.
PARENTS_APP_FLOWS = [
    ("Klasbord", "direct", DataSubject.PUPIL, ["mail"]),
    ("Klasbord", "direct", DataSubject.PARENT, ["givenName", "sn", "mail"]),
]


def _parents_app_flows(products: dict[str, Product], attributes: dict[str, Attribute]) -> None:
    """The demo's flows of more than one data subject (safe to run twice)."""
    for product_name, channel, subject, codes in PARENTS_APP_FLOWS:
        for code in codes:
            DataFlow.objects.get_or_create(
                product=products[product_name],
                attribute=attributes[code],
                channel=channel,
                subject=subject,
            )


def _story(
    spec: DemoAgreement, today: datetime.date, board: _Board, users: dict[str, User]
) -> list[tuple[datetime.datetime, User | None, Callable[[], object]]]:
    """The steps of one agreement's life, through the services the app itself uses."""
    privacy, fg = users["privacy"], users["fg"]
    made: dict[str, Agreement] = {}

    def enter() -> None:
        made["agreement"] = _enter_agreement(spec, today, board, privacy)

    def submit() -> None:
        agreement = made["agreement"]
        if spec.imported:
            # What the workbook import does with a status it reads (register/workbook).
            agreement.set_status(AgreementStatus.SUBMITTED, user=privacy, imported=True)
        else:
            submit_agreement(agreement=agreement, user=privacy)

    def find() -> None:
        for topic, difference, risk, status in spec.findings:
            record_finding(
                agreement=made["agreement"],
                user=fg,
                topic=topic,
                difference=difference,
                risk=risk,
                status=status,
            )

    def decide() -> None:
        for decision, comment in spec.decisions:
            decide_agreement(
                agreement=made["agreement"],
                user=fg,
                decision=decision,
                comment=comment,
                incomplete_reason=spec.incomplete_reason,
            )

    def end() -> None:
        terminate_agreement(agreement=made["agreement"], user=privacy, reason=spec.reason)

    def change() -> None:
        # The supplier added a subprocessor after the FG's approval: the approval lapses.
        Subprocessor.objects.create(
            agreement=made["agreement"],
            name="Analysebureau Statistiek BV",
            service="Analyse",
            countries="NL",
        )

    steps = [(_moment(today, spec.created, 10), privacy, enter)]
    if spec.status != AgreementStatus.DRAFT and spec.status != AgreementStatus.TERMINATED:
        submitted = spec.created if spec.imported else spec.submitted
        steps.append((_moment(today, submitted, 11 if spec.imported else 15), privacy, submit))
    if spec.findings:
        steps.append((_moment(today, spec.decided, 9), fg, find))
    if spec.decisions:
        steps.append((_moment(today, spec.decided, 14), fg, decide))
    if spec.ended is not None:
        steps.append((_moment(today, spec.ended, 16), privacy, end))
    if spec.changed is not None:
        steps.append((_moment(today, spec.changed, 12), privacy, change))
    return steps


def _enter_agreement(
    spec: DemoAgreement, today: datetime.date, board: _Board, user: User
) -> Agreement:
    """The privacy officer enters the agreement with its products, attributes, privacy
    notices, subprocessors and documents (a draft)."""

    def day(offset: int | None) -> datetime.date | None:
        return None if offset is None else today + datetime.timedelta(days=offset)

    starts_on = day(spec.starts)
    signed_on = None
    if spec.signed and spec.signed_day is not None:
        signed_on = day(spec.signed_day)
    elif spec.signed and starts_on:
        signed_on = starts_on - datetime.timedelta(days=14)
    agreement = Agreement.objects.create(
        reference=spec.reference,
        supplier=board.suppliers[spec.supplier],
        model=spec.model,
        signed_on=signed_on,
        signed_by="R. de Boer, bestuurder" if spec.signed else "",
        starts_on=starts_on,
        ends_on=day(spec.ends),
        purposes="Het leveren van digitaal leermateriaal en het volgen van de voortgang van leerlingen.",
        data_subjects="Leerlingen en leraren",
        retention="Uiterlijk 12 maanden na einde van de licentie",
        processing_locations="Nederland"
        if not spec.transfer_outside_eea
        else "Nederland en Verenigde Staten",
        transfer_outside_eea=spec.transfer_outside_eea,
        transfer_safeguard=spec.transfer_safeguard,
        status=AgreementStatus.DRAFT,
    )
    agreement.products.set([board.products[p] for p in spec.products])
    agreement.attributes.set([board.attributes[c] for c in spec.attributes])
    for product_name, codes in spec.notices.items():
        notice = PrivacyNotice.objects.create(
            agreement=agreement, product=board.products[product_name]
        )
        notice.attributes.set([board.attributes[c] for c in codes])
    for name, service, country, safeguard in spec.subprocessors:
        Subprocessor.objects.create(
            agreement=agreement,
            name=name,
            service=service,
            countries=country,
            safeguard=safeguard,
        )
    kind_labels = dict(DocumentKind.choices)
    for kind in spec.documents:
        title = f"{kind_labels[kind]} {spec.reference}"
        content = demo_pdf(
            title,
            [
                "Verwerkingsverantwoordelijke: Stichting Openbaar Onderwijs De Waterlinie",
                f"Verwerker: {spec.supplier}",
                f"Producten: {', '.join(spec.products)}",
                "Dit is een voorbeelddocument uit de demo van het privacyregister.",
            ],
        )
        add_document(
            agreement=agreement,
            kind=kind,
            content=content,
            original_name=f"{spec.reference}-{kind}.pdf",
            user=user,
        )
    # Before any review, so that the FG's approval covers it.
    _add_real_document_content(agreement, spec, user)
    return agreement


# Issue 15 (DESIGN.md 11.2-11.3): what real dossiers hold. Per agreement reference: a DVO
# reference, extra subprocessors (name, service, countries, headquarters, safeguard kind),
# notice content per product, and extra documents.
REAL_DOCUMENT_CONTENT: dict[str, dict] = {
    "VWO-2024-002": {
        "dvo_reference": "DVO-2024-018734",
        # One cloud in two countries, its headquarters outside the EEA.
        "subprocessors": [("Benelux Cloud BV", "Back-up", "NL, BE", "US", "")],
        "notices": {
            "Spellingsterk": {
                "purposes": "Oefenen met spelling en de voortgang tonen aan de leraar.",
                "data_subjects": "Leerlingen en leraren",
                "retention": "Tot 12 maanden na het einde van de licentie",
                "processing_locations": "Nederland en België (back-up)",
                "subprocessors": ["Amazon Web Services EMEA", "Benelux Cloud BV"],
            }
        },
        # The signed Entree ARP for eckId and a DPIA the board made.
        "documents": [DocumentKind.ARP, DocumentKind.DPIA],
    },
    "VWO-2026-004": {"documents": [DocumentKind.ARP]},
    # Schoolportaal Wijzer gets eckId through Entree, and neither of its agreements holds an
    # ARP (`arp_missing`); the new draft names a statistics service without saying where
    # (`subprocessor_location_unknown`).
    "VWO-2026-006": {
        "subprocessors": [("Statistiekdienst Online", "Gebruiksanalyse", "", "", "")],
    },
}


def _add_real_document_content(agreement: Agreement, spec: DemoAgreement, user: User) -> None:
    """The additions of issue 15 to one demo agreement (REAL_DOCUMENT_CONTENT)."""
    extra = REAL_DOCUMENT_CONTENT.get(spec.reference)
    if extra is None:
        return
    if extra.get("dvo_reference"):
        agreement.dvo_reference = extra["dvo_reference"]
        agreement.save(update_fields=["dvo_reference"])
    for name, service, countries, headquarters, kind in extra.get("subprocessors", []):
        Subprocessor.objects.create(
            agreement=agreement,
            name=name,
            service=service,
            countries=countries,
            headquarters=headquarters,
            safeguard_kind=kind,
        )
    for product_name, content in extra.get("notices", {}).items():
        notice, created = PrivacyNotice.objects.get_or_create(
            agreement=agreement, product=agreement.products.get(name=product_name)
        )
        if created:  # the same attributes as the agreement: only its own content is added
            notice.attributes.set(agreement.attributes.all())
        for name in ("purposes", "data_subjects", "retention", "processing_locations"):
            setattr(notice, name, content[name])
        notice.save()
        notice.subprocessors.set(agreement.subprocessors.filter(name__in=content["subprocessors"]))
    kind_labels = dict(DocumentKind.choices)
    for kind in extra.get("documents", []):
        add_document(
            agreement=agreement,
            kind=kind,
            content=demo_pdf(
                f"{kind_labels[kind]} {spec.reference}",
                [
                    f"Verwerker: {spec.supplier}",
                    f"Producten: {', '.join(spec.products)}",
                    "Dit is een voorbeelddocument uit de demo van het privacyregister.",
                ],
            ),
            original_name=f"{spec.reference}-{kind}.pdf",
            user=user,
        )


# --- issue 16: the register tied to its evidence ---------------------------------------------
# One activity of each kind: complete; missing recipients; a transfer outside the EEA that the
# activity does not mention (transfer_not_in_register); special-category data without an art. 9
# exception (special_category_unjustified).

ART30_SUPPLIERS = [
    ("Zorgpunt Onderwijs BV", "61234567", "https://zorgpunt.example", "privacy@zorgpunt.example"),
    ("Vertaalwolk BV", "62345678", "https://vertaalwolk.example", "privacy@vertaalwolk.example"),
]
ART30_PRODUCTS = [
    # supplier, product, kind, channel, flows
    (
        "Zorgpunt Onderwijs BV",
        "Zorgpunt Dossier",
        "overig",
        "direct",
        ["leerlingnummer", "givenName", "sn", "gezondheid"],
    ),
    ("Vertaalwolk BV", "Vertaalwolk Voorlezen", "leermiddel", "entree", ["eckId", "givenName"]),
]
ART30_AGREEMENTS = [
    DemoAgreement(
        "VWO-2026-021",
        "Zorgpunt Onderwijs BV",
        ["Zorgpunt Dossier"],
        AgreementStatus.APPROVED,
        attributes=["leerlingnummer", "givenName", "sn", "gezondheid"],
        subprocessors=[("Datacentrum Noord BV", "Hosting", "NL", "")],
        documents=[DocumentKind.AGREEMENT, DocumentKind.DPIA],
        decisions=[(Decision.APPROVED, "Akkoord; DPIA uitgevoerd voor de gezondheidsgegevens.")],
        created=120,
        submitted=110,
        decided=100,
    ),
    DemoAgreement(
        "VWO-2026-022",
        "Vertaalwolk BV",
        ["Vertaalwolk Voorlezen"],
        AgreementStatus.APPROVED,
        attributes=["eckId", "givenName"],
        subprocessors=[
            (
                "Vertaalwolk Speech Inc.",
                "Spraaksynthese",
                "US",
                "EU-VS Data Privacy Framework (adequaatheidsbesluit)",
            )
        ],
        # The Entree ARP for eckId is signed: no arp_missing here.
        documents=[DocumentKind.AGREEMENT, DocumentKind.ARP],
        decisions=[(Decision.APPROVED, "Akkoord; doorgifte naar de VS onder het DPF.")],
        created=90,
        submitted=80,
        decided=75,
    ),
]
ART9_EXCEPTION = (
    "Art. 9 lid 2 sub g AVG: zwaarwegend algemeen belang op grond van de Wet passend onderwijs "
    "(ondersteuningsplicht); alleen voor de intern begeleider en de zorgcoördinator."
)


def _art30_board(
    suppliers: dict[str, Supplier], products: dict[str, Product], attributes: dict[str, Attribute]
) -> None:
    """The suppliers, products and flows behind the demo's activities of issue 16 (their
    agreements follow the story like the others); safe to run twice."""
    for name, kvk, website, contact in ART30_SUPPLIERS:
        suppliers[name], _ = Supplier.objects.get_or_create(
            name=name,
            defaults={"kvk_number": kvk, "website": website, "privacy_contact": contact},
        )
    for supplier, name, kind, channel, codes in ART30_PRODUCTS:
        products[name], created = Product.objects.get_or_create(
            supplier=suppliers[supplier],
            name=name,
            defaults={"kind": kind, "access_channel": channel, "status": "in_gebruik"},
        )
        if created:
            for code in codes:
                DataFlow.objects.create(
                    product=products[name], attribute=attributes[code], channel=channel
                )


def _art30_activities(today: datetime.date) -> None:
    """The demo's activities of issue 16, each created once (load_demo stays idempotent)."""
    products = {p.name: p for p in Product.objects.filter(name__in=[p[1] for p in ART30_PRODUCTS])}
    organisation = Organisation.load()
    if organisation.pk and not organisation.board_number and not organisation.kvk_number:
        organisation.board_number = "41234"
        organisation.kvk_number = "41123456"
        organisation.save()
    # The pupil administration sends health data to Kompas LAS: it records its exception.
    administration = ProcessingActivity.objects.filter(name="Leerlingadministratie").first()
    if administration is not None and not administration.special_category_exception:
        administration.special_category_exception = ART9_EXCEPTION
        administration.save()

    common = {
        "data_subjects": "Leerlingen en hun ouders",
        "retention": "Tot twee jaar na uitschrijving",
        "security_measures": "Rolgebaseerde toegang, MFA, versleuteling, logging",
    }
    activities = [
        (
            "Leerlingbegeleiding en zorg",
            ["Zorgpunt Dossier"],
            {
                "purposes": "Passende ondersteuning van leerlingen met een zorgbehoefte.",
                "legal_bases": ["wettelijke_plicht", "algemeen_belang"],
                "personal_data": "Naam, leerlingnummer, gezondheid (ondersteuningsbehoefte)",
                "recipients": "Zorgpunt Onderwijs BV (verwerker)",
                "third_country_transfers": "geen",
                "special_category_exception": ART9_EXCEPTION,
                "dpia": "ja",
                "last_reviewed_on": today - datetime.timedelta(days=40),
            },
        ),
        (
            "Schoolfotografie",
            [],
            {
                "purposes": "Schoolfoto's maken en aan ouders aanbieden.",
                "legal_bases": ["toestemming"],
                "personal_data": "Naam, groep, foto",
                "recipients": "",  # Art. 30(1)(d) not filled in: register_incomplete
                "third_country_transfers": "geen",
                "dpia": "niet_nodig",
            },
        ),
        (
            "Voorleessoftware",
            ["Vertaalwolk Voorlezen"],
            {
                "purposes": "Teksten laten voorlezen aan leerlingen met dyslexie.",
                "legal_bases": ["algemeen_belang"],
                "personal_data": "ECK iD, voornaam",
                "recipients": "Vertaalwolk BV (verwerker)",
                "third_country_transfers": "geen",  # the agreement says VS: inconsistent
                "dpia": "nee",
            },
        ),
        (
            "Verzuim en jeugdgezondheidszorg",
            ["Zorgpunt Dossier"],
            {
                "purposes": "Verzuim bijhouden en met de jeugdarts bespreken.",
                "legal_bases": ["wettelijke_plicht"],
                "personal_data": "Naam, leerlingnummer, verzuim, gezondheid",
                "recipients": "Zorgpunt Onderwijs BV (verwerker); GGD (jeugdarts)",
                "third_country_transfers": "geen",
                "special_category_exception": "",  # health data without art. 9 exception
                "dpia": "gepland",
            },
        ),
    ]
    for name, linked, fields in activities:
        activity, created = ProcessingActivity.objects.get_or_create(
            name=name, defaults={**common, **fields}
        )
        if created:
            activity.products.set([products[p] for p in linked])
