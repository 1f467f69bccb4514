"""Suppliers (verwerkers), their products, the attribute vocabulary and the data flows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .links import detail_url


class ConvenantStatus(models.TextChoices):
    PARTICIPANT = "deelnemer", _("Deelnemer")
    SUPPORTER = "medestander", _("Medestander")
    NONE = "geen", _("Geen")
    # Not known yet (the default): "geen" is an answer someone gave, this is none given.
    UNKNOWN = "onbekend", _("Onbekend")


class ProductKind(models.TextChoices):
    LEARNING_MATERIAL = "leermiddel", _("Leermiddel")
    TEST = "toets", _("Toets")
    LAS = "las", _("Leerlingadministratie (LAS)")
    ELO = "elo", _("Elektronische leeromgeving (ELO)")
    PORTAL = "portaal", _("Portaal")
    IDM = "idm", _("Identiteitsbeheer (IDM)")
    OFFICE = "kantoor", _("Kantoorsoftware")
    OTHER = "overig", _("Overig")


class Channel(models.TextChoices):
    """How personal data reaches a supplier."""

    ENTREE = "entree", _("Entree Federatie")
    BASISPOORT = "basispoort", _("Basispoort")
    EDUV = "eduv", _("Edu-V / UWLR")
    DIRECT = "direct", _("Directe koppeling")
    MANUAL = "handmatig", _("Handmatig")


class AccessChannel(models.TextChoices):
    """How users reach a product; 'geen' when no login federation is involved."""

    ENTREE = "entree", _("Entree Federatie")
    BASISPOORT = "basispoort", _("Basispoort")
    EDUV = "eduv", _("Edu-V / UWLR")
    DIRECT = "direct", _("Directe koppeling")
    MANUAL = "handmatig", _("Handmatig")
    NONE = "geen", _("Geen")


class LifecycleStatus(models.TextChoices):
    IN_USE = "in_gebruik", _("In gebruik")
    PROPOSED = "voorgesteld", _("Voorgesteld")
    RETIRED = "uitgefaseerd", _("Uitgefaseerd")


class DataSubject(models.TextChoices):
    """Whose personal data a flow carries (DESIGN.md 11.2): one channel may carry the same
    attribute of pupils and of their parents, and those are two flows."""

    PUPIL = "leerling", _("Leerling")
    PARENT = "ouder", _("Ouder")
    STAFF = "medewerker", _("Medewerker")


class AttributeCategory(models.TextChoices):
    IDENTITY = "identificatie", _("Identificatie")
    NAME = "naam", _("Naam")
    ORGANISATION = "organisatie", _("Organisatie en rol")
    CONTACT = "contact", _("Contactgegevens")
    EDUCATION = "onderwijs", _("Onderwijsgegevens")
    USAGE = "gebruik", _("Gebruiks- en technische gegevens")
    SPECIAL = "bijzonder", _("Bijzondere of gevoelige gegevens")


class AttributeStandard(models.TextChoices):
    ENTREE = "entree", _("Entree Federatie")
    GENERIC = "generiek", _("Overig")
    # An attribute a board adds itself (DESIGN.md 11.4, sheet Attributen).
    OWN = "eigen", _("Eigen (bestuur)")


kvk_validator = RegexValidator(
    r"^\d{8}$", _("Een KvK-nummer bestaat uit precies 8 cijfers."), code="invalid_kvk"
)


def without_spaces(value: str) -> str:
    """A number typed or pasted with spaces ("1234 5678"): the digits are what count. Forms
    and workbook cells clean a number with this before its validators judge it."""
    return "".join(value.split())


attribute_code_validator = RegexValidator(
    r"^[A-Za-z][A-Za-z0-9_.-]*$",
    _(
        "Een code begint met een letter en bevat alleen letters, cijfers, _ . of -, zonder "
        "spaties (zoals eckId of ouder_contact)."
    ),
    code="invalid_code",
)


def choice_label(choices: type[models.Choices], value):
    """What `get_FOO_display()` shows for `value`, read from the enumeration. Django's own
    rebuilds the field's choices on every call, translating each label (some 30 µs); a list
    page of 50 rows asks it three times a row, so the models of the lists override it."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def new_attribute_code_problem(code: str, existing: Iterable[str]) -> str | None:
    """Why `code` cannot be a new attribute's code (None when it can): codes are matched
    ignoring case in the workbook, and "geen" there means a notice without attributes."""
    if code.lower() == "geen":
        return _("“%(code)s” betekent in de werkmap ‘geen attributen’; kies een andere code.") % {
            "code": code
        }
    same = next((other for other in existing if other.lower() == code.lower()), None)
    if same is not None:
        return _("Er is al een attribuut met de code “%(code)s”.") % {"code": same}
    return None


class SupplierQuerySet(models.QuerySet):
    def by_name(self, name: str) -> SupplierQuerySet:
        """Case-insensitive, whitespace-trimmed name match (DESIGN.md section 8)."""
        return self.filter(name__iexact=name.strip())


# The register workbook separates the names in a list cell with ";" (DESIGN.md section 9), so
# a name holding one could not be written to the workbook and read back as the same record.
no_list_separator = RegexValidator(
    r"^[^;]*$",
    message=_(
        "Een naam mag geen puntkomma (;) bevatten: in de werkmap (Excel) scheidt die de namen "
        "in een lijst. Gebruik bijvoorbeeld een komma of een streepje."
    ),
    code="list_separator",
)


class Supplier(models.Model):
    name = models.CharField(_("naam"), max_length=200, validators=[no_list_separator])
    kvk_number = models.CharField(
        _("KvK-nummer"), max_length=8, blank=True, validators=[kvk_validator]
    )
    website = models.URLField(_("website"), blank=True)
    privacy_contact = models.CharField(
        _("privacycontact"),
        max_length=200,
        blank=True,
        help_text=_("Naam of e-mailadres van de privacy-contactpersoon bij de leverancier."),
    )
    convenant = models.CharField(
        _("convenant"),
        max_length=20,
        choices=ConvenantStatus.choices,
        default=ConvenantStatus.UNKNOWN,
        help_text=_(
            "Status van de leverancier bij het Convenant Digitale Onderwijsmiddelen en Privacy."
        ),
    )
    notes = models.TextField(_("toelichting"), blank=True)
    version = models.PositiveIntegerField(
        _("versie"),
        default=1,
        editable=False,
        help_text=_("Voor het weigeren van gelijktijdige wijzigingen."),
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    history = HistoricalRecords()
    objects = SupplierQuerySet.as_manager()

    class Meta:
        verbose_name = _("leverancier")
        verbose_name_plural = _("leveranciers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="supplier_name_unique_ci",
                violation_error_message=_("Er bestaat al een leverancier met deze naam."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return detail_url("suppliers:supplier_detail", self.pk)

    def get_convenant_display(self) -> str:
        return choice_label(ConvenantStatus, self.convenant)


class ProductQuerySet(models.QuerySet):
    def in_use(self) -> ProductQuerySet:
        return self.filter(status=LifecycleStatus.IN_USE)

    def processing_personal_data(self) -> ProductQuerySet:
        return self.filter(processes_personal_data=True)

    def in_scope(self) -> ProductQuerySet:
        """In use and processing personal data: the products the flags look at (DESIGN.md
        section 5). The same rule as `Product.is_in_scope`."""
        return self.in_use().processing_personal_data()

    def in_no_activity(self) -> ProductQuerySet:
        """In scope and linked to no processing activity: the products `register_incomplete`
        names (register/rules/flags.py `unlinked_product_flag`)."""
        return self.in_scope().filter(processing_activities__isnull=True)

    def by_name(self, name: str) -> ProductQuerySet:
        """Case-insensitive, whitespace-trimmed name match (DESIGN.md section 8)."""
        return self.filter(name__iexact=name.strip())


class ProductIdentity:
    """What a product says of itself, from its key, name, supplier and scope: shared by the
    model and by `ProductRow`, the product as the rules read it."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"{self.supplier.name} / {self.name}"

    def get_absolute_url(self) -> str:
        return detail_url("suppliers:product_detail", self.pk)

    @property
    def is_in_scope(self) -> bool:
        """In use and processing personal data: the products the flags look at. The same rule
        as `ProductQuerySet.in_scope()`."""
        return self.status == LifecycleStatus.IN_USE and self.processes_personal_data


class Product(ProductIdentity, models.Model):
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="products", verbose_name=_("leverancier")
    )
    name = models.CharField(_("naam"), max_length=200, validators=[no_list_separator])
    kind = models.CharField(
        _("soort"),
        max_length=20,
        choices=ProductKind.choices,
        default=ProductKind.LEARNING_MATERIAL,
    )
    access_channel = models.CharField(
        _("toegang"),
        max_length=20,
        choices=AccessChannel.choices,
        default=AccessChannel.NONE,
        help_text=_("Hoe gebruikers bij het product komen, bijvoorbeeld via Entree Federatie."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=LifecycleStatus.choices, default=LifecycleStatus.IN_USE
    )
    processes_personal_data = models.BooleanField(
        _("verwerkt persoonsgegevens"),
        default=True,
        help_text=_("Uitzetten alleen als het product aantoonbaar geen persoonsgegevens ontvangt."),
    )
    description = models.TextField(
        _("beoogd gebruik"), blank=True, help_text=_("Waarvoor scholen het product gebruiken.")
    )
    version = models.PositiveIntegerField(
        _("versie"),
        default=1,
        editable=False,
        help_text=_("Voor het weigeren van gelijktijdige wijzigingen."),
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    history = HistoricalRecords()
    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("producten")
        ordering = ["name", "supplier__name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "supplier",
                name="product_name_unique_per_supplier_ci",
                violation_error_message=_("Deze leverancier heeft al een product met deze naam."),
            ),
        ]
        permissions = [("file_intake", _("Mag een intake voor een nieuw product indienen"))]

    def get_kind_display(self) -> str:
        return choice_label(ProductKind, self.kind)

    def get_access_channel_display(self) -> str:
        return choice_label(AccessChannel, self.access_channel)

    def get_status_display(self) -> str:
        return choice_label(LifecycleStatus, self.status)


@dataclass(slots=True, eq=False)
class ProductRow(ProductIdentity):
    """A product as the rules read it (register/rules/flags.py): the fields a flag's reader
    may use, as a plain row. The whole register's thousands of products are read as rows,
    not model instances, in a third of the time (docs/performance.md); any other field is an
    AttributeError here, never a query per flag.

    Equal to the model instance of the same product, as two instances of one row are
    (Django compares models by key), so `flag.product == product` holds for either."""

    id: int
    name: str
    status: str
    processes_personal_data: bool
    supplier_id: int
    supplier: Supplier  # read with its name only

    # The columns a row is made from (`.values_list()`), in the order of the fields above;
    # the supplier is then found by its key.
    FIELDS = ("id", "name", "status", "processes_personal_data", "supplier_id")

    @property
    def pk(self) -> int:
        return self.id

    @classmethod
    def of(cls, product: Product) -> ProductRow:
        return cls(
            product.pk,
            product.name,
            product.status,
            product.processes_personal_data,
            product.supplier_id,
            product.supplier,
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ProductRow | Product):
            return self.id == other.pk
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.id)


class Attribute(models.Model):
    """One element of personal data, e.g. `eckId` (DESIGN.md section 4)."""

    code = models.CharField(
        _("code"),
        max_length=64,
        unique=True,
        help_text=_("Stabiele, hoofdlettergevoelige code, zoals Kennisnet die publiceert."),
    )
    label = models.CharField(_("omschrijving"), max_length=200)
    category = models.CharField(_("categorie"), max_length=20, choices=AttributeCategory.choices)
    standard = models.CharField(
        _("standaard"),
        max_length=20,
        choices=AttributeStandard.choices,
        default=AttributeStandard.GENERIC,
    )
    sensitive = models.BooleanField(
        _("bijzonder of gevoelig"),
        default=False,
        help_text=_(
            "Bijzondere persoonsgegevens of gevoelige gegevens zoals gezondheid, BSN of foto."
        ),
    )
    special = models.BooleanField(
        _("bijzonder persoonsgegeven"),
        default=False,
        help_text=_(
            "Een bijzondere categorie van AVG art. 9 (zoals gezondheid of godsdienst) of "
            "strafrechtelijke gegevens (art. 10)."
        ),
    )
    needs_arp = models.BooleanField(
        _("ARP nodig"),
        default=False,
        help_text=_(
            "Entree geeft dit attribuut pas door nadat de school een attribuutvrijgavebeleid "
            "(ARP) heeft ondertekend."
        ),
    )
    sort_order = models.PositiveIntegerField(_("volgorde"), default=0)
    version = models.PositiveIntegerField(
        _("versie"),
        default=1,
        editable=False,
        help_text=_("Voor het weigeren van gelijktijdige wijzigingen."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attribuut")
        verbose_name_plural = _("attributen")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.code


class DataFlow(models.Model):
    """One attribute that actually reaches a product through a channel."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="data_flows", verbose_name=_("product")
    )
    attribute = models.ForeignKey(
        Attribute, on_delete=models.PROTECT, related_name="data_flows", verbose_name=_("attribuut")
    )
    channel = models.CharField(_("kanaal"), max_length=20, choices=Channel.choices)
    subject = models.CharField(
        _("betrokkene"),
        max_length=20,
        choices=DataSubject.choices,
        default=DataSubject.PUPIL,
        help_text=_("Van wie de gegevens zijn: leerling, ouder of medewerker."),
    )
    note = models.CharField(_("toelichting"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("gegevensstroom")
        verbose_name_plural = _("gegevensstromen")
        ordering = ["product", "channel", "attribute__sort_order", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "attribute", "channel", "subject"],
                name="dataflow_unique_product_attribute_channel_subject",
                violation_error_message=_(
                    "Dit attribuut is voor dit product al via dit kanaal en voor deze "
                    "betrokkene vastgelegd."
                ),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.product.name}: {self.attribute.code} ({self.get_channel_display()}, "
            f"{self.get_subject_display()})"
        )

    def get_channel_display(self) -> str:
        return choice_label(Channel, self.channel)

    def get_subject_display(self) -> str:
        return choice_label(DataSubject, self.subject)
