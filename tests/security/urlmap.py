"""The URLconf as data for the security tests: every named URL, and the objects its
arguments point at, so that a new URL is covered (or fails loudly) without editing a list."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from agreements.models import AgreementStatus, DocumentKind, Finding, PrivacyNotice
from agreements.services import add_document
from api.services import create_token
from register.models import ProcessingActivity, School
from suppliers.models import DataFlow

from ..conftest import attrs, make_agreement, make_product, make_supplier

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def iter_patterns(resolver=None, prefix: str = ""):
    """(name, pattern) of every named URL, namespaced like `agreements:agreement_detail`."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            yield from iter_patterns(entry, f"{prefix}{ns}:" if ns else prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", entry


def app_patterns():
    return [(name, p) for name, p in iter_patterns() if not name.startswith("admin:")]


@dataclass
class World:
    """One of everything a URL can point at."""

    supplier: object
    product: object
    agreement: object
    document: object
    activity: object
    other_agreement: object
    other_document: object
    flow: object = None
    token: object = None
    attribute: object = None
    extra: dict = field(default_factory=dict)


def build_world(*, marked: bool = False, submitted_by=None) -> World:
    """Objects for every URL argument; `marked` puts markup in every name a page may show."""
    tag = f" {SCRIPT}" if marked else ""
    img = f" {IMG}" if marked else ""
    supplier = make_supplier(f"Uitgeverij{tag}", convenant="geen")
    product = make_product(
        f"Rekenen{img}", supplier, status="in_gebruik", processes_personal_data=True
    )
    flow = DataFlow.objects.create(product=product, attribute=attrs("eckId")[0], channel="entree")
    DataFlow.objects.create(product=product, attribute=attrs("mail")[0], channel="direct")
    agreement = make_agreement(
        [product],
        reference=f"VO-1{tag}",
        attributes=("eckId",),
        purposes=f"Oefenen{img}",
        subprocessors=((f"Hosting{tag}", "US", ""),),
        ends_on=None,
    )
    agreement.status = AgreementStatus.SUBMITTED
    agreement.submitted_by = submitted_by
    agreement.save()
    document = add_document(
        agreement=agreement,
        kind=DocumentKind.AGREEMENT,
        content=PDF,
        original_name=f"vo{img}.pdf",
    )
    PrivacyNotice.objects.create(agreement=agreement, product=product, note=f"Bijsluiter{tag}")
    finding = Finding.objects.create(
        agreement=agreement,
        topic=f"Model 4.0 art. 7{tag}",
        difference=f"Subverwerker in de VS{img}",
        risk="midden",
        status="geaccepteerd",
    )
    activity = ProcessingActivity.objects.create(
        name=f"Leerlingvolgsysteem{tag}", purposes=f"Volgen{img}"
    )
    activity.products.add(product)
    School.objects.create(brin="12AB", name=f"OBS De Regenboog{tag}").products.add(product)
    other_product = make_product(f"Taal{tag}", supplier)
    other_agreement = make_agreement([other_product], reference=f"VO-2{tag}")
    other_document = add_document(
        agreement=other_agreement, kind=DocumentKind.AGREEMENT, content=PDF, original_name="b.pdf"
    )
    return World(
        supplier=supplier,
        product=product,
        agreement=agreement,
        document=document,
        activity=activity,
        other_agreement=other_agreement,
        other_document=other_document,
        flow=flow,
        token=create_token(
            user=User.objects.create_user(f"token-owner{tag}"), name=f"Koppeling{tag}"
        )[0],
        extra={"finding": finding},
        attribute=attrs("eckId")[0],
    )


# Which object each URL argument names, by URL name prefix; a URL that fits none fails.
PK_OWNERS = [
    ("suppliers:supplier_", "supplier"),
    ("suppliers:product_", "product"),
    ("suppliers:attribute_", "attribute"),
    ("agreements:", "agreement"),
    ("register:activity_", "activity"),
    ("api:supplier_", "supplier"),
    ("api:product_", "product"),
    ("api:agreement_", "agreement"),
    ("api:dataflow_", "flow"),
    ("api:activity_", "activity"),
    ("tokens:", "token"),
]


class UnknownArgument(LookupError):
    pass


def kwargs_for(name: str, pattern: URLPattern, world: World, token: str = "") -> dict:
    kwargs = {}
    for argument in pattern.pattern.converters:
        if argument == "pk":
            owner = next((o for prefix, o in PK_OWNERS if name.startswith(prefix)), None)
            if owner is None:
                raise UnknownArgument(f"{name}: which object does <pk> name?")
            kwargs["pk"] = getattr(world, owner).pk
        elif argument == "document_pk":
            kwargs["document_pk"] = world.document.pk
        elif argument == "finding_pk":
            kwargs["finding_pk"] = world.extra["finding"].pk
        elif argument == "product_pk":
            kwargs["product_pk"] = world.product.pk
        elif argument == "token":
            kwargs["token"] = token or "0" * 32
        else:
            raise UnknownArgument(f"{name}: unknown URL argument <{argument}>")
    return kwargs


def url_for(name: str, pattern: URLPattern, world: World, token: str = "") -> str:
    return reverse(name, kwargs=kwargs_for(name, pattern, world, token))
