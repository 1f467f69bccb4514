"""A large, realistic, deterministic register for performance work (`generate_register`).

Scale 1 is about ten times the largest Dutch school board (issue 8): 250 schools, 1,500
suppliers with 6,000 products, 1,500 agreements in every status with privacy notices and
3,000 subprocessors, 48,000 data flows and 500 processing activities. Every count is
multiplied by the scale. The same seed gives the same register (dates are relative to
the day of generation, so that the flags mean the same thing whenever it is generated).

Rows are written with `bulk_create` and their history with simple-history's
`bulk_history_create` (one "+" record per row, many-to-many history included; see
register/bulk.py, shared with the workbook import), all in one transaction: scale 1 takes
well under a minute.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import shutil
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from agreements import append_only
from agreements.models import (
    Agreement,
    AgreementModel,
    AgreementStatus,
    Decision,
    Document,
    DocumentKind,
    PrivacyNotice,
    Review,
    Subprocessor,
    fingerprint,
)
from register.bulk import BulkWriter
from register.models import (
    LegalBasis,
    LevelSnapshot,
    LevelText,
    Organisation,
    ProcessingActivity,
    School,
)
from suppliers.models import (
    AccessChannel,
    Attribute,
    Channel,
    ConvenantStatus,
    DataFlow,
    DataSubject,
    LifecycleStatus,
    Product,
    ProductKind,
    Supplier,
)

# The headline counts at scale 1 (issue 8).
SCALE_1 = {
    "schools": 250,
    "suppliers": 1500,
    "products": 6000,
    "agreements": 1500,
    "subprocessors": 3000,
    "data_flows": 48000,
    "activities": 500,
}

# Generated PDFs live here, below MEDIA_ROOT; `--flush` removes this folder only.
GENERATED_DIR = "documents/generated"
CHANGE_REASON = "generate_register"

# Kept by a flush: the vocabulary, the level texts and the controller are configuration.
KEEP_ON_FLUSH = {"Attribute", "HistoricalAttribute", "LevelText", "HistoricalLevelText"}
KEEP_ON_FLUSH |= {"Organisation", "HistoricalOrganisation"}


class RegisterNotEmpty(Exception):
    """The register already holds data; generating into it would mix two boards."""


def scaled_counts(scale: float) -> dict[str, int]:
    """The headline counts at `scale` (each at least 1)."""
    return {name: max(1, round(count * scale)) for name, count in SCALE_1.items()}


def register_counts() -> dict[str, int]:
    return {
        "schools": School.objects.count(),
        "suppliers": Supplier.objects.count(),
        "products": Product.objects.count(),
        "agreements": Agreement.objects.count(),
        "subprocessors": Subprocessor.objects.count(),
        "data_flows": DataFlow.objects.count(),
        "activities": ProcessingActivity.objects.count(),
        "privacy_notices": PrivacyNotice.objects.count(),
        "documents": Document.objects.count(),
        "reviews": Review.objects.count(),
    }


def register_is_empty() -> bool:
    return not any(
        model.objects.exists()
        for model in (Supplier, Product, School, Agreement, ProcessingActivity, DataFlow)
    )


def _flush_tables() -> list[str]:
    tables = []
    for label in ("suppliers", "agreements", "register"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model.__name__ not in KEEP_ON_FLUSH:
                tables.append(model._meta.db_table)
    return tables


def flush_register() -> None:
    """Delete every supplier, product, flow, agreement (with its documents, reviews, notices
    and subprocessors), school, processing activity and level snapshot, with their history.

    Agreements, documents and reviews refuse an ORM delete (agreements/signals.py: the legal
    record is never deleted), so this empties the tables with the database's own flush SQL.
    Users, groups, the attribute vocabulary, the level texts and the organisation stay.
    """
    statements = connection.ops.sql_flush(
        no_style(), _flush_tables(), reset_sequences=True, allow_cascade=True
    )
    if connection.vendor == "postgresql":
        # TRUNCATE refuses tables with deferred foreign-key checks still pending from
        # earlier writes in this transaction: run those checks now, defer again after.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # Emptying the register is the one delete of reviews allowed (append_only.py).
    with append_only.lifted():
        connection.ops.execute_sql_flush(statements)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    shutil.rmtree(settings.MEDIA_ROOT / GENERATED_DIR, ignore_errors=True)


# --- vocabulary for names and texts -------------------------------------------------------

SUPPLIER_WORDS = [
    "Leer", "Reken", "Taal", "Toets", "Klas", "School", "Kennis", "Edu", "Digi", "Wijs",
    "Lees", "Spel", "Noord", "Zuid", "Oost", "West", "Cloud", "Data", "Slim", "Groei",
]  # fmt: skip
SUPPLIER_SUFFIXES = [
    "werk", "plein", "wereld", "kompas", "lab", "net", "pad", "huis", "stroom", "punt",
]  # fmt: skip
SUPPLIER_FORMS = ["BV", "Educatief", "Uitgevers", "Software", "Nederland", "Online", "Groep"]
PRODUCT_WORDS = [
    "Rekenrijk", "Taalverhaal", "Spellingsterk", "Woordenschat", "Leesladder", "Toetsplein",
    "Klasbord", "Oefenwereld", "Schrijfsprong", "Wereldwijzer", "Topotrainer", "Muziekmaker",
    "Codeklas", "Engels Direct", "Natuurlab", "Geschiedenisgids", "Cijferkracht", "Typetuin",
]  # fmt: skip
PRODUCT_FORMS = ["Online", "Digitaal", "Plus", "Junior", "Pro", "Oefenen", "Toets", "App"]
PLACES = [
    "Amersfoort", "Zwolle", "Gorinchem", "Tilburg", "Leeuwarden", "Delft", "Venlo",
    "Assen", "Middelburg", "Haarlem", "Deventer", "Breda", "Emmen", "Alkmaar",
]  # fmt: skip
SCHOOL_KINDS = ["OBS", "CBS", "IKC", "Basisschool", "College", "Lyceum", "SO", "Kindcentrum"]
SCHOOL_NAMES = [
    "De Regenboog", "De Vlinder", "De Brug", "Het Kompas", "De Wegwijzer", "De Horizon",
    "Het Palet", "De Zonnewijzer", "De Sterrenkijker", "Het Baken", "De Linde", "De Tweemaster",
]  # fmt: skip
PURPOSES = [
    "Het leveren van digitaal leermateriaal en het volgen van de voortgang van leerlingen.",
    "Het afnemen en verwerken van toetsen en het rapporteren van resultaten.",
    "Leerlingadministratie, roosters en communicatie met ouders.",
    "Samenwerken, e-mail en opslag voor medewerkers en leerlingen.",
    "Toegang tot leermiddelen via single sign-on en identiteitsbeheer.",
]
SUBJECTS = ["Leerlingen en leraren", "Leerlingen", "Leerlingen, ouders en medewerkers"]
RETENTIONS = [
    "Uiterlijk 12 maanden na einde van de licentie",
    "Tot einde schooljaar plus 1 jaar",
    "Tot 2 jaar na uitschrijving",
    "3 maanden na einde van de overeenkomst",
]
EEA_LOCATIONS = ["NL", "NL", "NL", "DE", "IE", "BE", "FR", "SE", "FI"]
NON_EEA_LOCATIONS = ["US", "US", "GB", "CH", "IN", "CA"]
SAFEGUARDS = [
    "EU-VS Data Privacy Framework (adequaatheidsbesluit)",
    "Standaardcontractbepalingen (SCC's) 2021",
    "Adequaatheidsbesluit van de Europese Commissie",
]
# Issue 15: locations as real lists give them, safeguard kinds, and the dossier's documents.
MULTI_LOCATIONS = ["NL, BE", "NL, DE", "IE, NL", "EER", "EER", "wereldwijd"]
HEADQUARTERS = ["US", "US", "NL", "IE", "GB", "DE"]
SAFEGUARD_KINDS = ["dpf", "scc", "scc", "bcr", "adequaatheidsbesluit"]
EXTRA_DOCUMENT_KINDS = [
    # (kind, chance)
    (DocumentKind.ARP, 0.3),
    (DocumentKind.DPIA, 0.15),
    (DocumentKind.REVIEW_REPORT, 0.1),
    (DocumentKind.MAIN_AGREEMENT, 0.05),
]
NOTICE_SUBJECTS = ["Leerlingen", "Leerlingen en leraren", "Leerlingen, ouders en leraren"]
SUBPROCESSOR_SERVICES = ["Hosting", "Opslag", "E-mail", "Klantenservice", "Analyse", "Back-up"]
SUBPROCESSOR_NAMES = [
    "Datacentrum", "Hostingpartner", "Cloud Services", "Mailservice", "Supportdesk",
    "Analysebureau", "Back-up Beheer", "Netwerkdiensten",
]  # fmt: skip
FG_NAMES = ["Femke Groen", "Gerrit Jansen", "Hanneke de Wit"]
ACTIVITY_TOPICS = [
    "Digitaal leermateriaal", "Toetsing en leerlingvolgsysteem", "Leerlingadministratie",
    "Communicatie met ouders", "Samenwerken en e-mail", "Identiteitsbeheer",
    "Roosters en absentie", "Zorg en begeleiding", "Personeelsadministratie",
]  # fmt: skip
LEGAL_BASES = [b.value for b in LegalBasis]

# How often an attribute reaches a product (relative weights; sensitive data is rare).
ATTRIBUTE_WEIGHTS = {
    "eckId": 12, "givenName": 10, "sn": 10, "groep_klas": 9, "uid": 6, "leerjaar": 6,
    "eduPersonAffiliation": 6, "nlEduPersonHomeOrganizationId": 6, "mail": 5,
    "leerlingnummer": 4, "resultaten": 4, "gebruiksgegevens": 4, "geboortedatum": 3,
    "ip_adres": 3, "nlEduPersonTussenvoegsels": 2, "nlEduPersonHomeOrganization": 2,
    "nlEduPersonHomeOrganizationBranchId": 2, "nlEduPersonRealId": 1,
    "nlEduPersonProfileId": 1, "vakken": 2, "geslacht": 1, "ouder_contact": 1, "adres": 1,
    "telefoonnummer": 1, "foto": 0.5, "gezondheid": 0.3, "bsn_pgn": 0.3,
}  # fmt: skip
# Whose data a flow carries (DESIGN.md 11.2), relative to a pupil's flow of the same attribute:
# parents' contact details reach parent apps and portals; staff data reaches most tools a
# little.
PARENT_WEIGHTS = {"mail": 0.5, "telefoonnummer": 0.5, "adres": 0.3, "givenName": 0.3, "sn": 0.3}
STAFF_WEIGHT = 0.15

# Scenarios of the agreement a supplier has now (relative weights), and of an older one.
CURRENT_SCENARIOS = {
    "current": 48,
    "current_unsigned": 4,
    "expiring": 5,
    "outdated": 5,
    "ended": 4,
    "future": 2,
    "submitted": 10,
    "draft": 9,
    "changes_requested": 6,
    "rejected": 4,
    "terminated": 3,
}
OLDER_SCENARIOS = {"old_terminated": 60, "old_ended": 40}
APPROVED_SCENARIOS = {"current", "current_unsigned", "expiring", "outdated", "ended", "future"}
APPROVED_SCENARIOS |= {"old_ended"}
SCENARIO_STATUS = {
    **{name: AgreementStatus.APPROVED for name in APPROVED_SCENARIOS},
    "submitted": AgreementStatus.SUBMITTED,
    "draft": AgreementStatus.DRAFT,
    "changes_requested": AgreementStatus.CHANGES_REQUESTED,
    "rejected": AgreementStatus.REJECTED,
    "terminated": AgreementStatus.TERMINATED,
    "old_terminated": AgreementStatus.TERMINATED,
}


# --- small deterministic helpers ------------------------------------------------------------


def quota(n: int, weights: dict[str, float], rng: random.Random) -> list[str]:
    """`n` labels in proportion to `weights` (largest remainder), shuffled.

    Exact proportions rather than independent draws: every scenario with enough weight
    appears, even at small scales, and benchmark runs see the same mix.
    """
    total = sum(weights.values())
    exact = {key: n * weight / total for key, weight in weights.items()}
    counts = {key: int(value) for key, value in exact.items()}
    order = list(weights)
    by_remainder = sorted(order, key=lambda k: (-(exact[k] - counts[k]), order.index(k)))
    for key in by_remainder[: n - sum(counts.values())]:
        counts[key] += 1
    labels = [key for key in order for _ in range(counts[key])]
    rng.shuffle(labels)
    return labels


def spread(total: int, bins: int, rng: random.Random, *, high: int) -> list[int]:
    """`bins` counts in [0, high] summing to `total`, varying around the mean."""
    if bins == 0:
        return []
    total = min(total, bins * high)
    counts = [total // bins] * bins
    for index in rng.sample(range(bins), total % bins):
        counts[index] += 1
    for index in range(bins):
        other = rng.randrange(bins)
        move = rng.randint(0, counts[index] // 2)
        move = min(move, high - counts[other])
        if other != index and move > 0:
            counts[index] -= move
            counts[other] += move
    return counts


def weighted_order(items: list, weights: list[float], rng: random.Random) -> list:
    """The items in a random order where heavier items tend to come first
    (weighted sampling without replacement, Efraimidis-Spirakis)."""
    keys = [rng.random() ** (1.0 / w) for w in weights]
    return [item for _key, item in sorted(zip(keys, items, strict=True), key=lambda p: -p[0])]


def tiny_pdf(title: str) -> bytes:
    """A small, valid one-page PDF showing `title` (distinct titles give distinct hashes)."""
    text = title.encode("latin-1", "replace").replace(b"\\", b"").replace(b"(", b"[")
    text = text.replace(b")", b"]")
    stream = b"BT /F1 14 Tf 72 770 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# --- the generator ---------------------------------------------------------------------------


@dataclass
class Plan:
    """What one agreement will look like, decided before any row is written."""

    supplier_index: int
    scenario: str
    product_indexes: list[int]
    signed: bool
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    drop_attribute: bool
    notices: bool
    document_kinds: list[str]
    dpa_versions: int
    outside_eea: bool
    safeguard: str
    decisions: list[str]
    subprocessors: int = 0


def generate_register(
    *,
    scale: float,
    seed: int = 1,
    flush: bool = False,
    today: datetime.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Fill an empty register with a generated board of the given scale; returns the counts.

    Refuses a register that already holds data (raises RegisterNotEmpty) unless `flush`,
    which first deletes it (see `flush_register`).
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    if not register_is_empty():
        if not flush:
            counts = {k: v for k, v in register_counts().items() if v}
            summary = ", ".join(f"{count} {name}" for name, count in counts.items())
            raise RegisterNotEmpty(
                f"The register is not empty ({summary}). generate_register only fills an "
                "empty register. Run it with --flush to DELETE all suppliers, products, "
                "data flows, agreements (with their documents, reviews, notices and "
                "subprocessors), schools and processing activities first; users, the "
                "attribute vocabulary, the level texts and the organisation are kept."
            )
    say = progress or (lambda message: None)
    with transaction.atomic():
        if flush:
            flush_register()
        _Generator(scale=scale, seed=seed, today=today or timezone.localdate(), say=say).run()
    return register_counts()


class _Generator:
    def __init__(self, *, scale, seed, today, say):
        self.counts = scaled_counts(scale)
        self.rng = random.Random(f"privacyregister-{seed}")
        # Issue 15's fields from a stream of their own, so the register they are added to is
        # the one the same seed gave before.
        self.extra = random.Random(f"privacyregister-{seed}-issue15")
        self.today = today
        self.say = say
        self.now = timezone.now()
        self.write = BulkWriter(now=self.now, change_reason=CHANGE_REASON, batch_size=2000)
        self.planned: set[str] = set()
        self.attributes = list(Attribute.objects.order_by("code"))
        if not self.attributes:
            raise RuntimeError("The attribute vocabulary is empty; run migrate first.")

    def day(self, offset: int) -> datetime.date:
        return self.today + datetime.timedelta(days=offset)

    def moment(self, day: datetime.date, hour: int = 10) -> datetime.datetime:
        naive = datetime.datetime.combine(day, datetime.time(hour, 0))
        return timezone.make_aware(naive)

    def run(self) -> None:
        self.organisation()
        self.schools()
        self.suppliers()
        self.products()
        self.school_links()
        self.flows()
        self.agreements()
        self.activities()
        self.snapshots()

    # Each step keeps what later steps need, indexed in generation order.

    def organisation(self) -> None:
        organisation = Organisation.load()
        organisation.name = "Stichting Schaalproef (gegenereerd register)"
        organisation.contact = "Proefweg 1, 1234 AB Utrecht · bestuur@schaalproef.example"
        organisation.fg_name = FG_NAMES[0]
        organisation.fg_contact = "fg@schaalproef.example"
        organisation.save()
        if not LevelText.objects.exists():
            self.say("Note: no level texts found (migrations not applied?)")

    def schools(self) -> None:
        rng = self.rng
        letters = "ABCDEFGHJKLMNPRSTVWXYZ"
        sectors = quota(self.counts["schools"], {"po": 70, "vo": 15, "so": 8, "mbo": 7}, rng)
        objs = []
        for index in range(self.counts["schools"]):
            brin = f"{index % 100:02d}{letters[(index // 100) % 22]}{letters[(index // 2200) % 22]}"
            if index >= 100 * 22 * 22:
                raise ValueError("too many schools for distinct BRIN codes")
            name = f"{rng.choice(SCHOOL_KINDS)} {rng.choice(SCHOOL_NAMES)} {rng.choice(PLACES)}"
            objs.append(School(brin=brin, name=f"{name} {index + 1}", sector=sectors[index]))
        self.school_rows = self.write.create(School, objs)
        self.say(f"{len(objs)} schools")

    def suppliers(self) -> None:
        rng = self.rng
        convenants = quota(
            self.counts["suppliers"],
            {ConvenantStatus.PARTICIPANT: 70, ConvenantStatus.SUPPORTER: 15, "geen": 15},
            rng,
        )
        objs = []
        for index in range(self.counts["suppliers"]):
            stem = rng.choice(SUPPLIER_WORDS) + rng.choice(SUPPLIER_SUFFIXES)
            name = f"{stem} {rng.choice(SUPPLIER_FORMS)} {index + 1:05d}"
            slug = f"{stem.lower()}{index + 1}"
            objs.append(
                Supplier(
                    name=name,
                    kvk_number=f"{10000000 + index * 37 % 90000000:08d}"
                    if rng.random() < 0.9
                    else "",
                    website=f"https://{slug}.example",
                    privacy_contact=f"privacy@{slug}.example" if rng.random() < 0.85 else "",
                    convenant=convenants[index],
                )
            )
        self.supplier_rows = self.write.create(Supplier, objs)
        self.say(f"{len(objs)} suppliers")

    def products(self) -> None:
        rng = self.rng
        n_suppliers, n_products = self.counts["suppliers"], self.counts["products"]
        # Every supplier has a product; the rest are spread at random.
        owners = list(range(min(n_suppliers, n_products)))
        owners += [rng.randrange(n_suppliers) for _ in range(n_products - len(owners))]
        owners.sort()
        statuses = quota(
            n_products,
            {
                LifecycleStatus.IN_USE: 80,
                LifecycleStatus.PROPOSED: 12,
                LifecycleStatus.RETIRED: 8,
            },
            rng,
        )
        personal = quota(n_products, {"yes": 92, "no": 8}, rng)
        kinds = [k.value for k in ProductKind]
        access = [a.value for a in AccessChannel]
        objs = []
        for index, owner in enumerate(owners):
            objs.append(
                Product(
                    supplier_id=self.supplier_rows[owner].pk,
                    name=f"{rng.choice(PRODUCT_WORDS)} {rng.choice(PRODUCT_FORMS)} {index + 1:05d}",
                    kind=rng.choice(kinds),
                    access_channel=rng.choice(access),
                    status=statuses[index],
                    processes_personal_data=personal[index] == "yes",
                    description="Gebruikt in de groepen en klassen van de scholen.",
                )
            )
        self.product_rows = self.write.create(Product, objs)
        self.products_of_supplier: dict[int, list[int]] = defaultdict(list)
        for index, owner in enumerate(owners):
            self.products_of_supplier[owner].append(index)
        self.say(f"{len(objs)} products")

    def school_links(self) -> None:
        rng = self.rng
        n_schools = len(self.school_rows)
        pairs = []
        for product in self.product_rows:
            if product.status != LifecycleStatus.IN_USE:
                continue
            for school in rng.sample(range(n_schools), min(n_schools, rng.randint(1, 8))):
                pairs.append((self.school_rows[school].pk, product.pk))
        pairs.sort()
        self.write.link(School, "products", pairs)
        self.say(f"{len(pairs)} school-product links")

    def flows(self) -> None:
        rng = self.rng
        # Products in scope get flows, except a few whose flows are not yet known.
        eligible = [i for i, p in enumerate(self.product_rows) if p.processes_personal_data]
        unknown = set(rng.sample(eligible, len(eligible) // 16))
        with_flows = [i for i in eligible if i not in unknown] or eligible
        channels = [c.value for c in Channel]
        primary_for = {a.value: a.value for a in AccessChannel if a.value in channels}
        subject_weights = {
            (a.code, subject): weight
            for a in self.attributes
            for subject, weight in (
                (DataSubject.PUPIL, 1.0),
                (DataSubject.PARENT, PARENT_WEIGHTS.get(a.code, 0.0)),
                (DataSubject.STAFF, STAFF_WEIGHT),
            )
            if weight
        }
        combos = [
            (a, c, subject)
            for a in self.attributes
            for c in channels
            for subject in DataSubject.values
            if (a.code, subject) in subject_weights
        ]
        per_product = spread(self.counts["data_flows"], len(with_flows), rng, high=len(combos))
        self.flow_attributes: dict[int, list[Attribute]] = {}
        objs = []
        for index, count in zip(with_flows, per_product, strict=True):
            product = self.product_rows[index]
            primary = primary_for.get(product.access_channel, Channel.DIRECT)
            weights = [
                ATTRIBUTE_WEIGHTS.get(a.code, 1)
                * (12 if c == primary else 1)
                * subject_weights[(a.code, subject)]
                for a, c, subject in combos
            ]
            chosen = weighted_order(combos, weights, rng)[:count]
            seen: dict[int, Attribute] = {}
            for attribute, channel, subject in chosen:
                objs.append(
                    DataFlow(
                        product_id=product.pk, attribute=attribute, channel=channel, subject=subject
                    )
                )
                seen[attribute.pk] = attribute
            self.flow_attributes[index] = sorted(seen.values(), key=lambda a: a.code)
        self.write.create(DataFlow, objs)
        self.say(f"{len(objs)} data flows")

    # --- agreements ---------------------------------------------------------------------

    def plan_agreements(self) -> list[Plan]:
        rng = self.rng
        n_suppliers, n_agreements = len(self.supplier_rows), self.counts["agreements"]
        order = list(range(n_suppliers))
        rng.shuffle(order)
        # About one supplier in ten has no agreement at all (flag `no_agreement`); the
        # agreements left over go to suppliers that also have an older one.
        without = n_suppliers // 10 if n_agreements >= n_suppliers else 0
        holders = order[without:][:n_agreements]
        extra = n_agreements - len(holders)
        older_holders = [holders[i % len(holders)] for i in range(extra)]
        scenarios = quota(len(holders), CURRENT_SCENARIOS, rng)
        self.intakes_among_drafts(holders, scenarios)
        older = quota(len(older_holders), OLDER_SCENARIOS, rng)
        plans = [self.plan(s, sc) for s, sc in zip(holders, scenarios, strict=True)]
        plans += [self.plan(s, sc) for s, sc in zip(older_holders, older, strict=True)]
        per_agreement = spread(self.counts["subprocessors"], len(plans), rng, high=8)
        for plan, count in zip(plans, per_agreement, strict=True):
            plan.subprocessors = count
        return plans

    def proposed_products(self, supplier_index: int) -> list[int]:
        return [
            index
            for index in self.products_of_supplier[supplier_index]
            if self.product_rows[index].status == LifecycleStatus.PROPOSED
        ]

    def intakes_among_drafts(self, holders: list[int], scenarios: list[str]) -> None:
        """Make about a third of the drafts intakes (a draft for a proposed tool, as the
        procurement intake files them), swapping scenarios between suppliers."""
        drafts = [k for k, scenario in enumerate(scenarios) if scenario == "draft"]
        wanted = max(1, len(drafts) // 3) if drafts else 0
        with_proposed = [k for k, s in enumerate(holders) if self.proposed_products(s)]
        have = sum(1 for k in drafts if k in set(with_proposed))
        swap_in = [k for k in with_proposed if scenarios[k] != "draft"]
        swap_out = [k for k in drafts if k not in set(with_proposed)]
        for draft, other in list(zip(swap_out, swap_in, strict=False))[: max(0, wanted - have)]:
            scenarios[draft], scenarios[other] = scenarios[other], scenarios[draft]

    def plan(self, supplier_index: int, scenario: str) -> Plan:
        rng = self.rng
        products = self.products_of_supplier[supplier_index]
        if scenario == "draft" and self.proposed_products(supplier_index):
            products = self.proposed_products(supplier_index)  # an intake
        if scenario.startswith("old_"):
            products = sorted(rng.sample(products, rng.randint(1, len(products))))
        approved = scenario in APPROVED_SCENARIOS
        first = scenario not in self.planned
        self.planned.add(scenario)
        starts = self.day(-rng.randint(30, 900))
        ends: datetime.date | None = starts + datetime.timedelta(days=3 * 365)
        if ends <= self.day(90) or rng.random() < 0.2:
            ends = None
        if scenario == "expiring":
            ends = self.day(rng.randint(1, 89))
        elif scenario in ("ended", "old_ended", "old_terminated"):
            starts = self.day(-rng.randint(1200, 1800))
            ends = self.day(-rng.randint(1, 400))
        elif scenario == "future":
            starts, ends = self.day(rng.randint(10, 60)), None
        elif scenario == "draft" and rng.random() < 0.5:
            starts, ends = None, None
        signed = approved and scenario != "current_unsigned"
        if scenario in ("submitted", "changes_requested", "rejected", "terminated"):
            signed = rng.random() < 0.5
        kinds = []
        has_dpa = rng.random() < {"draft": 0.3, "terminated": 0.5}.get(
            scenario, 0.92 if approved else 0.8
        )
        if has_dpa:
            kinds.append(DocumentKind.AGREEMENT)
        notices = scenario != "draft" and rng.random() < 0.45
        if notices and rng.random() < 0.7:
            kinds.append(DocumentKind.PRIVACY_NOTICE)
        if rng.random() < 0.3:
            kinds.append(DocumentKind.SECURITY_ANNEX)
        kinds += [kind for kind, chance in EXTRA_DOCUMENT_KINDS if self.extra.random() < chance]
        outside = rng.random() < 0.05
        if outside and self.extra.random() < 0.5:
            kinds.append(DocumentKind.TIA)
        decisions = {
            "changes_requested": [Decision.CHANGES_REQUESTED],
            "rejected": [Decision.REJECTED],
            # The first submission is never reviewed yet, so that even a small register
            # holds an agreement awaiting its first review (level criterion 2).
            "submitted": [Decision.CHANGES_REQUESTED] if rng.random() < 0.3 and not first else [],
            "draft": [Decision.CHANGES_REQUESTED] if rng.random() < 0.2 else [],
            "terminated": [Decision.APPROVED] if rng.random() < 0.5 else [],
            "old_terminated": [Decision.APPROVED] if rng.random() < 0.7 else [],
        }.get(scenario)
        if decisions is None:  # approved scenarios, some after a first round of changes
            decisions = [Decision.CHANGES_REQUESTED] if rng.random() < 0.15 else []
            decisions.append(Decision.APPROVED)
        return Plan(
            supplier_index=supplier_index,
            scenario=scenario,
            product_indexes=products,
            signed=signed,
            starts_on=starts,
            ends_on=ends,
            drop_attribute=rng.random() < 0.12,
            notices=notices,
            document_kinds=kinds,
            dpa_versions=2 if has_dpa and rng.random() < 0.05 else 1,
            outside_eea=outside,
            safeguard=rng.choice(SAFEGUARDS) if outside and rng.random() < 0.5 else "",
            decisions=decisions,
        )

    def agreements(self) -> None:
        rng = self.rng
        plans = self.plan_agreements()
        models_ = [m.value for m in AgreementModel]
        objs = []
        for number, plan in enumerate(plans, start=1):
            year = (plan.starts_on or self.today).year
            reviewed = bool(plan.decisions)
            signed_on = None
            if plan.signed:
                signed_on = min((plan.starts_on or self.today), self.today)
                signed_on -= datetime.timedelta(days=14)
            objs.append(
                Agreement(
                    reference=f"GEN-{year}-{number:05d}",
                    dvo_reference=f"DVO-{year}-{number:06d}" if self.extra.random() < 0.3 else "",
                    supplier_id=self.supplier_rows[plan.supplier_index].pk,
                    model=rng.choice(models_),
                    signed_on=signed_on,
                    signed_by="R. de Boer, bestuurder" if plan.signed else "",
                    starts_on=plan.starts_on,
                    ends_on=plan.ends_on,
                    purposes=rng.choice(PURPOSES),
                    data_subjects=rng.choice(SUBJECTS),
                    retention=rng.choice(RETENTIONS),
                    processing_locations="Nederland"
                    if not plan.outside_eea
                    else "Nederland en Verenigde Staten",
                    transfer_outside_eea=plan.outside_eea,
                    transfer_safeguard=plan.safeguard,
                    status=SCENARIO_STATUS[plan.scenario],
                    status_reason="Vervangen door een nieuwe overeenkomst."
                    if SCENARIO_STATUS[plan.scenario] == AgreementStatus.TERMINATED
                    else "",
                    submitted_at=self.moment(self.day(-rng.randint(20, 60)))
                    if plan.scenario != "draft" or reviewed
                    else None,
                )
            )
        rows = self.write.create(Agreement, objs)
        self.say(f"{len(rows)} agreements")

        product_pairs, attribute_pairs = [], []
        notice_plans = []  # (agreement index, product index, attributes)
        for index, (plan, agreement) in enumerate(zip(plans, rows, strict=True)):
            agreed: dict[int, Attribute] = {}
            for product_index in plan.product_indexes:
                product_pairs.append((agreement.pk, self.product_rows[product_index].pk))
                for attribute in self.flow_attributes.get(product_index, []):
                    agreed[attribute.pk] = attribute
            codes = sorted(agreed.values(), key=lambda a: a.code)
            if plan.drop_attribute and len(codes) > 1:
                codes.pop(rng.randrange(len(codes)))  # flows beyond the agreement
            attribute_pairs += [(agreement.pk, a.pk) for a in codes]
            if plan.notices:
                for product_index in plan.product_indexes:
                    own = list(self.flow_attributes.get(product_index, codes))
                    if plan.drop_attribute and len(own) > 1:
                        own.pop(rng.randrange(len(own)))
                    notice_plans.append((index, product_index, own))
        self.write.link(Agreement, "products", sorted(product_pairs))
        self.write.link(Agreement, "attributes", sorted(attribute_pairs))

        documents = self.documents(plans, rows)
        notice_document = {
            d.agreement_id: d.pk for d in documents if d.kind == DocumentKind.PRIVACY_NOTICE
        }
        notices = self.write.create(
            PrivacyNotice,
            [
                PrivacyNotice(
                    agreement_id=rows[index].pk,
                    product_id=self.product_rows[product_index].pk,
                    document_id=notice_document.get(rows[index].pk),
                    **self.notice_content(),
                )
                for index, product_index, _own in notice_plans
            ],
        )
        self.write.link(
            PrivacyNotice,
            "attributes",
            sorted(
                (notice.pk, attribute.pk)
                for notice, (_i, _p, own) in zip(notices, notice_plans, strict=True)
                for attribute in own
            ),
        )
        self.say(f"{len(notices)} privacy notices, {len(documents)} documents")

        subprocessors = []
        for plan, agreement in zip(plans, rows, strict=True):
            for number in range(plan.subprocessors):
                outside = rng.random() < 0.2
                country = rng.choice(NON_EEA_LOCATIONS if outside else EEA_LOCATIONS)
                draw = self.extra.random()
                if draw < 0.15:
                    country = self.extra.choice(MULTI_LOCATIONS)
                elif draw < 0.17:
                    country = ""  # not given: subprocessor_location_unknown
                subprocessors.append(
                    Subprocessor(
                        agreement_id=agreement.pk,
                        name=f"{rng.choice(SUBPROCESSOR_NAMES)} {agreement.pk}-{number + 1}",
                        service=rng.choice(SUBPROCESSOR_SERVICES),
                        countries=country,
                        safeguard=rng.choice(SAFEGUARDS) if outside and rng.random() < 0.6 else "",
                        headquarters=self.extra.choice(HEADQUARTERS)
                        if self.extra.random() < 0.3
                        else "",
                        safeguard_kind=self.extra.choice(SAFEGUARD_KINDS)
                        if outside and self.extra.random() < 0.5
                        else "",
                    )
                )
        subprocessors = self.write.create(Subprocessor, subprocessors)
        self.say(f"{len(subprocessors)} subprocessors")
        # Which of its agreement's subprocessors serve each product (half of the notices).
        by_agreement: dict[int, list[int]] = {}
        for sub in subprocessors:
            by_agreement.setdefault(sub.agreement_id, []).append(sub.pk)
        self.write.link(
            PrivacyNotice,
            "subprocessors",
            sorted(
                (notice.pk, sub_pk)
                for notice in notices
                if self.extra.random() < 0.5
                for sub_pk in by_agreement.get(notice.agreement_id, [])[:2]
            ),
        )
        self.reviews(plans, rows)

    def notice_content(self) -> dict[str, str]:
        """What a real notice says per product, for six notices in ten."""
        if self.extra.random() >= 0.6:
            return {}
        return {
            "purposes": self.extra.choice(PURPOSES),
            "data_subjects": self.extra.choice(NOTICE_SUBJECTS),
            "retention": self.extra.choice(RETENTIONS),
            "processing_locations": self.extra.choice(["Nederland", "Nederland en België", "EER"]),
        }

    def documents(self, plans: list[Plan], rows: list[Agreement]) -> list[Document]:
        folder = settings.MEDIA_ROOT / GENERATED_DIR
        folder.mkdir(parents=True, exist_ok=True)
        labels = dict(DocumentKind.choices)
        objs = []
        for plan, agreement in zip(plans, rows, strict=True):
            for kind in plan.document_kinds:
                versions = plan.dpa_versions if kind == DocumentKind.AGREEMENT else 1
                for version in range(1, versions + 1):
                    name = f"{agreement.reference}-{kind}-v{version}.pdf"
                    content = tiny_pdf(f"{labels[kind]} {agreement.reference} versie {version}")
                    (folder / name).write_bytes(content)
                    objs.append(
                        Document(
                            agreement_id=agreement.pk,
                            kind=kind,
                            version=version,
                            file=f"{GENERATED_DIR}/{name}",
                            original_name=name,
                            sha256=hashlib.sha256(content).hexdigest(),
                            size=len(content),
                            uploaded_at=self.moment(
                                (plan.starts_on or self.today) - datetime.timedelta(days=20)
                            ),
                        )
                    )
        return self.write.create(Document, objs)

    def reviews(self, plans: list[Plan], rows: list[Agreement]) -> None:
        """FG decisions; an approval carries the fingerprint of the content as it is now,
        except for the scenario `outdated`, approved before a later change."""
        rng = self.rng
        reviewed = {row.pk for row, plan in zip(rows, plans, strict=True) if plan.decisions}
        fingerprints = {}
        ids = sorted(reviewed)
        for start in range(0, len(ids), 2000):  # bounded IN lists; 7 queries per chunk
            chunk = Agreement.objects.filter(pk__in=ids[start : start + 2000])
            for agreement in chunk.with_fingerprint_content():
                content = agreement.fingerprint_content()
                stale = {**content, "retention": content["retention"] + " (vorige versie)"}
                fingerprints[agreement.pk] = (fingerprint(content), fingerprint(stale))
        comments = {
            Decision.APPROVED: "Akkoord: de overeenkomst en bijlagen zijn volledig.",
            Decision.CHANGES_REQUESTED: "Graag de bijsluiter aanvullen met alle attributen.",
            Decision.REJECTED: "Doorgifte zonder waarborg; eigen model wijkt af van het convenant.",
        }
        objs = []
        for plan, agreement in zip(plans, rows, strict=True):
            if not plan.decisions:
                continue
            current, stale = fingerprints[agreement.pk]
            decided = self.day(-rng.randint(5, 15))
            if plan.starts_on and plan.starts_on < self.today:
                decided = min(decided, plan.starts_on - datetime.timedelta(days=3))
            count = len(plan.decisions)
            for position, decision in enumerate(plan.decisions):
                last = position == count - 1
                matches = last and plan.scenario != "outdated"
                fg = FG_NAMES[rng.randrange(len(FG_NAMES))]
                objs.append(
                    Review(
                        agreement_id=agreement.pk,
                        decision=decision,
                        comment=comments[decision],
                        reviewer_name=fg,
                        decided_at=self.moment(
                            decided - datetime.timedelta(days=30 * (count - 1 - position))
                        ),
                        fingerprint=current if matches else stale,
                    )
                )
        self.write.create(Review, objs)
        self.say(f"{len(objs)} reviews")

    # --- the processing register ------------------------------------------------------------

    def activities(self) -> None:
        rng = self.rng
        n_activities = self.counts["activities"]
        incomplete = set(rng.sample(range(n_activities), n_activities // 20))
        objs = []
        for index in range(n_activities):
            topic = ACTIVITY_TOPICS[index % len(ACTIVITY_TOPICS)]
            activity = ProcessingActivity(
                name=f"{topic} {index + 1:04d}",
                purposes=f"{topic}: {rng.choice(PURPOSES)}",
                legal_bases=[rng.choice(LEGAL_BASES)],
                data_subjects=rng.choice(SUBJECTS),
                personal_data="Naam, groep/klas, ECK iD, resultaten",
                recipients="Leveranciers van digitale leermiddelen (verwerkers)",
                third_country_transfers="Geen, behalve waar de overeenkomst een waarborg noemt",
                retention=rng.choice(RETENTIONS),
                security_measures="Rolgebaseerde toegang, MFA, versleutelde opslag",
            )
            if index in incomplete:
                name = rng.choice(ProcessingActivity.REQUIRED_FIELDS)
                setattr(activity, name, [] if name in ProcessingActivity.LIST_FIELDS else "")
            objs.append(activity)
        rows = self.write.create(ProcessingActivity, objs)
        # Most products in scope belong to an activity; the rest raise `register_incomplete`.
        in_scope = [p for p in self.product_rows if p.is_in_scope]
        pairs = set()
        for product in in_scope:
            if rng.random() < 0.96:
                for _ in range(1 if rng.random() < 0.8 else 2):
                    pairs.add((rows[rng.randrange(n_activities)].pk, product.pk))
        self.write.link(ProcessingActivity, "products", sorted(pairs))
        self.say(f"{len(rows)} processing activities, {len(pairs)} product links")

    def snapshots(self) -> None:
        """A year of monthly level measurements, for the level-over-time chart."""
        rng = self.rng
        objs = []
        for month in range(12, 0, -1):
            objs.append(
                LevelSnapshot(
                    day=self.day(-30 * month),
                    level=1 + (12 - month) // 4,
                    high=rng.randint(200, 400),
                    medium=rng.randint(100, 200),
                    low=rng.randint(50, 150),
                )
            )
        LevelSnapshot.objects.bulk_create(objs)
