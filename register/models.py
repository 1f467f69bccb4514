"""The controller, its schools and the Art. 30(1) processing register."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from suppliers.links import detail_url
from suppliers.models import Product

board_number_validator = RegexValidator(
    r"^[0-9]{5}$",
    _("Een bestuursnummer (DUO) bestaat uit precies 5 cijfers, bijv. 41234."),
    code="invalid_board_number",
)
kvk_number_validator = RegexValidator(
    r"^[0-9]{8}$",
    _("Een KvK-nummer bestaat uit precies 8 cijfers, bijv. 41234567."),
    code="invalid_kvk_number",
)


class Organisation(models.Model):
    """The school board: the controller of Art. 30(1)(a) AVG. There is exactly one row."""

    name = models.CharField(_("naam"), max_length=200)
    contact = models.TextField(
        _("contactgegevens"),
        blank=True,
        help_text=_("Adres, telefoon en e-mail van het schoolbestuur."),
    )
    fg_name = models.CharField(
        _("FG"),
        max_length=200,
        blank=True,
        help_text=_("Naam van de functionaris gegevensbescherming."),
    )
    fg_contact = models.TextField(_("FG-contact"), blank=True)
    board_number = models.CharField(
        _("bestuursnummer"),
        max_length=5,
        blank=True,
        validators=[board_number_validator],
        help_text=_("Het bestuursnummer van DUO: 5 cijfers."),
    )
    kvk_number = models.CharField(
        _("KvK-nummer"),
        max_length=8,
        blank=True,
        validators=[kvk_number_validator],
        help_text=_("Het nummer in het Handelsregister van de KvK: 8 cijfers."),
    )
    version = models.PositiveIntegerField(
        _("versie"),
        default=1,
        editable=False,
        help_text=_("Voor het weigeren van gelijktijdige wijzigingen."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisatie")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="organisation_singleton"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> Organisation:
        """The organisation; before anyone filled it in, an unsaved one with a placeholder
        name (reading never writes; saving it creates the row)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1, name="Schoolbestuur")


class Sector(models.TextChoices):
    PO = "po", _("Primair onderwijs")
    VO = "vo", _("Voortgezet onderwijs")
    MBO = "mbo", _("Middelbaar beroepsonderwijs")
    SO = "so", _("(Voortgezet) speciaal onderwijs")


brin_validator = RegexValidator(
    r"^[0-9]{2}[A-Z]{2}([0-9]{2})?$",
    _(
        "Een BRIN bestaat uit 2 cijfers en 2 hoofdletters (bijv. 12AB), eventueel met een vestigingsnummer van 2 cijfers (12AB00)."
    ),
    code="invalid_brin",
)


class School(models.Model):
    brin = models.CharField(_("BRIN"), max_length=6, unique=True, validators=[brin_validator])
    name = models.CharField(_("naam"), max_length=200)
    sector = models.CharField(_("sector"), max_length=3, choices=Sector.choices, blank=True)
    products = models.ManyToManyField(
        Product, related_name="schools", blank=True, verbose_name=_("producten")
    )

    history = HistoricalRecords(m2m_fields=[products])

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("scholen")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.brin})"


# The characters that leave a text field empty when it holds nothing else: what gets typed or
# pasted in practice (spaces, tabs, line breaks, the no-break space of word processors).
# Python (`is_blank`) and SQL (`StripBlank`) strip exactly these, so they always agree.
BLANK_CHARACTERS = " \t\n\r\x0b\x0c\xa0"


def is_blank(value: object) -> bool:
    return not str(value).strip(BLANK_CHARACTERS)


class StripBlank(models.Func):
    """SQL: the text without leading and trailing BLANK_CHARACTERS (`is_blank` in SQL)."""

    function = "TRIM"  # SQLite: trim(X, Y) strips the characters of Y
    output_field = models.TextField()

    def __init__(self, expression, **extra) -> None:
        super().__init__(expression, models.Value(BLANK_CHARACTERS), **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="BTRIM", **extra_context)


class ProcessingActivityQuerySet(models.QuerySet):
    def incomplete(self) -> ProcessingActivityQuerySet:
        """Lacking a required Art. 30(1) field: an empty list of legal bases, or text that is
        empty or only whitespace. The same rule as `ProcessingActivity.missing_fields()`,
        which raises `register_incomplete`."""
        condition = Q()
        for name in ProcessingActivity.REQUIRED_FIELDS:
            if name in ProcessingActivity.LIST_FIELDS:
                condition |= Q(**{name: []}) | Q(**{f"{name}__isnull": True})
            else:
                condition |= Q(Exact(StripBlank(name), ""))
        return self.filter(condition)


class LegalBasis(models.TextChoices):
    CONSENT = "toestemming", _("Toestemming")
    CONTRACT = "overeenkomst", _("Uitvoering overeenkomst")
    LEGAL_OBLIGATION = "wettelijke_plicht", _("Wettelijke verplichting")
    VITAL_INTEREST = "vitaal_belang", _("Vitaal belang")
    PUBLIC_TASK = "algemeen_belang", _("Taak van algemeen belang")
    LEGITIMATE_INTEREST = "gerechtvaardigd_belang", _("Gerechtvaardigd belang")


class DpiaStatus(models.TextChoices):
    YES = "ja", _("Ja, uitgevoerd")
    NO = "nee", _("Nee, niet uitgevoerd")
    NOT_NEEDED = "niet_nodig", _("Niet nodig")
    PLANNED = "gepland", _("Gepland")


def validate_legal_bases(value: object) -> None:
    """A list of LegalBasis codes, each once."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("De grondslagen moeten een lijst zijn."), code="invalid_list")
    unknown = [code for code in value if code not in LegalBasis.values]
    if unknown:
        raise ValidationError(
            _("Onbekende grondslag: %(codes)s; kies uit: %(allowed)s.")
            % {"codes": ", ".join(unknown), "allowed": ", ".join(LegalBasis.values)},
            code="invalid_legal_basis",
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Noem elke grondslag één keer."), code="duplicate_legal_basis")


# What "Doorgifte derde landen" holds when the activity says nothing leaves the EEA
# (`transfer_not_in_register`, DESIGN.md 11.3), compared case-insensitively.
NO_TRANSFER_ANSWERS = frozenset({"geen", "nee", "n.v.t.", "nvt", "n.v.t"})


class ProcessingActivity(models.Model):
    """One entry of the processing register of Art. 30(1) AVG."""

    # The Art. 30(1) fields whose absence raises `register_incomplete` (DESIGN.md section 5
    # and 11.2: the recipients of (d) are unconditional; "geen" is an answer).
    REQUIRED_FIELDS = (
        "purposes",
        "legal_bases",
        "data_subjects",
        "personal_data",
        "recipients",
        "retention",
        "security_measures",
    )
    # Required fields holding a list: empty when the list is.
    LIST_FIELDS = frozenset({"legal_bases"})

    name = models.CharField(_("naam"), max_length=200, unique=True)
    purposes = models.TextField(
        _("doeleinden"), blank=True, help_text=_("Art. 30 lid 1 sub b AVG.")
    )
    legal_bases = models.JSONField(
        _("grondslag"),
        default=list,
        blank=True,
        validators=[validate_legal_bases],
        help_text=_(
            "Art. 6 AVG; vaak meer dan één (bijv. toestemming naast een wettelijke plicht)."
        ),
    )
    special_category_exception = models.TextField(
        _("uitzondering art. 9"),
        blank=True,
        help_text=_(
            "De uitzondering van art. 9 lid 2 AVG (of art. 10) waarop de verwerking van "
            "bijzondere persoonsgegevens rust, bijv. 'art. 9 lid 2 sub g, Wet op het primair "
            "onderwijs'."
        ),
    )
    dpia = models.CharField(
        _("DPIA"),
        max_length=12,
        choices=DpiaStatus.choices,
        blank=True,
        help_text=_("Gegevensbeschermingseffectbeoordeling, art. 35 AVG."),
    )
    last_reviewed_on = models.DateField(
        _("laatst beoordeeld"),
        null=True,
        blank=True,
        help_text=_("De datum waarop deze verwerking voor het laatst is nagelopen."),
    )
    data_subjects = models.TextField(
        _("betrokkenen"), blank=True, help_text=_("Categorieën betrokkenen (art. 30 lid 1 sub c).")
    )
    personal_data = models.TextField(
        _("persoonsgegevens"),
        blank=True,
        help_text=_("Categorieën persoonsgegevens (art. 30 lid 1 sub c)."),
    )
    recipients = models.TextField(_("ontvangers"), blank=True, help_text=_("Art. 30 lid 1 sub d."))
    third_country_transfers = models.TextField(
        _("doorgifte derde landen"), blank=True, help_text=_("Art. 30 lid 1 sub e.")
    )
    retention = models.TextField(
        _("bewaartermijn"), blank=True, help_text=_("Art. 30 lid 1 sub f.")
    )
    security_measures = models.TextField(
        _("beveiligingsmaatregelen"), blank=True, help_text=_("Art. 30 lid 1 sub g en art. 32.")
    )
    products = models.ManyToManyField(
        Product, related_name="processing_activities", blank=True, verbose_name=_("producten")
    )
    version = models.PositiveIntegerField(_("versie"), default=1, editable=False)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[products])
    objects = ProcessingActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("verwerking")
        verbose_name_plural = _("verwerkingen")
        ordering = ["name"]
        permissions = [
            ("export_register", _("Mag het register exporteren")),
            ("import_workbook", _("Mag een werkmap importeren")),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return detail_url("register:activity_detail", self.pk)

    def missing_fields(self) -> list[str]:
        """Verbose names of the required Art. 30(1) fields that are empty or only whitespace
        (the rule of `ProcessingActivityQuerySet.incomplete()`)."""
        missing = []
        for name in self.REQUIRED_FIELDS:
            value = getattr(self, name)
            empty = not value if name in self.LIST_FIELDS else is_blank(value)
            if empty:
                missing.append(str(self._meta.get_field(name).verbose_name))
        return missing

    def legal_basis_labels(self) -> list[str]:
        labels = dict(LegalBasis.choices)
        return [str(labels.get(code, code)) for code in self.legal_bases or ()]

    def get_legal_bases_display(self) -> str:
        return ", ".join(self.legal_basis_labels())

    def records_no_transfer(self) -> bool:
        """True when "Doorgifte derde landen" is empty or says there is none."""
        text = self.third_country_transfers.strip(BLANK_CHARACTERS).lower()
        return not text or text in NO_TRANSFER_ANSWERS


class LevelSource(models.TextChoices):
    KENNISNET = "kennisnet", _("Kennisnet, Inzicht in ict-voorwaarden")
    REGISTER = "register", _("Eigen formulering van dit register")


class LevelText(models.Model):
    """The wording of one level of the condition "Verwerking van gegevens" (editable data)."""

    level = models.PositiveSmallIntegerField(_("niveau"), unique=True)
    text = models.TextField(_("tekst"))
    source = models.CharField(_("bron"), max_length=20, choices=LevelSource.choices)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("niveautekst")
        verbose_name_plural = _("niveauteksten")
        ordering = ["level"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="leveltext_level_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level}: {self.text[:60]}"


class LevelSnapshot(models.Model):
    """The level and open flag counts on one day, for the chart over time."""

    day = models.DateField(_("dag"), unique=True)
    level = models.PositiveSmallIntegerField(_("niveau"))
    high = models.PositiveIntegerField(_("hoog"), default=0)
    medium = models.PositiveIntegerField(_("middel"), default=0)
    low = models.PositiveIntegerField(_("laag"), default=0)
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("niveaumeting")
        verbose_name_plural = _("niveaumetingen")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.level}"


class RegisterWrite(models.Model):
    """A mark left by database triggers on every write to a table of the register.

    The set of visible marks changes whenever a write to the register becomes visible, so
    the rules can cache what they compute from the register until it changes (see
    register/revision.py). Written only by the triggers, never by the application.
    """

    mark = models.CharField(max_length=32, primary_key=True)  # 128 random bits in hex
    # PostgreSQL: the number of the writing transaction's latest write (register/revision.py),
    # so that the rules can tell whether every write of it was noted (register/rules/notes.py).
    last_write = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("registerwijziging")
        verbose_name_plural = _("registerwijzigingen")
        default_permissions = ()

    def __str__(self) -> str:
        return self.mark


class RulesNote(models.Model):
    """What one write through the application touched, for the rules' incremental update
    (register/rules/notes.py): the register moved from position `before` to `after`, and
    only the flags of `subjects` can have changed. Written in the writing transaction, so a
    rollback takes it away with the write; not a register table (no write triggers)."""

    mark = models.CharField(max_length=32, db_index=True)  # PostgreSQL: the transaction's mark
    before = models.CharField(max_length=64)
    after = models.CharField(max_length=64)
    subjects = models.TextField()  # JSON: {"p": [...], "a": [...], "v": [...], "s": [...]}

    class Meta:
        verbose_name = _("notitie voor de regels")
        verbose_name_plural = _("notities voor de regels")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.before} -> {self.after}"
