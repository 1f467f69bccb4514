"""Forms of the agreement pages; validation messages say how to fix the problem."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suppliers.models import Attribute, Product, Supplier

from .models import (
    ISO_COUNTRIES,
    Agreement,
    AgreementStatus,
    Decision,
    DocumentKind,
    Finding,
    FindingRisk,
    FindingStatus,
    InvalidLocation,
    Subprocessor,
    join_locations,
    locations_as_stored,
    parse_locations,
    subprocessor_label,
)
from .services import validate_pdf


def clean_pdf_upload(upload):
    """PDF by content (magic bytes), at most DOCUMENT_MAX_BYTES; the name is never trusted."""
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        # Refuse by size before reading a huge file into memory.
        raise ValidationError(
            _("Het bestand is groter dan %(limit)s MB. Verklein de PDF of splits hem op."),
            code="too_large",
            params={"limit": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)},
        )
    upload.seek(0)
    validate_pdf(upload.read())
    upload.seek(0)
    return upload


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class AttributeChoiceField(forms.ModelMultipleChoiceField):
    """The attribute vocabulary as checkboxes; the template marks the sensitive ones."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("queryset", Attribute.objects.order_by("sort_order", "code"))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Attribute) -> str:
        return f"{obj.code} ({obj.label})"


class SupplierChoiceForm(forms.Form):
    """Step one of a new agreement: find the supplier by name (its products follow from
    that). A register holds thousands of suppliers, so the page shows a bounded number of
    matches instead of a list of all of them."""

    SHOWN = 25

    zoek = forms.CharField(
        label=_("Leverancier zoeken"),
        required=False,
        max_length=100,
        help_text=_("Typ een deel van de naam van de leverancier."),
    )

    def matches(self) -> tuple[list[Supplier], bool]:
        """Up to SHOWN suppliers whose name contains the search text (all when empty),
        alphabetically, and whether there are more."""
        suppliers = Supplier.objects.order_by("name")
        if self.is_valid() and self.cleaned_data["zoek"].strip():
            suppliers = suppliers.filter(name__icontains=self.cleaned_data["zoek"].strip())
        found = list(suppliers.only("pk", "name")[: self.SHOWN + 1])
        return found[: self.SHOWN], len(found) > self.SHOWN


class AgreementForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    attributes = AttributeChoiceField(
        label=_("Overeengekomen attributen"),
        help_text=_(
            "Gelden voor elk product zonder eigen privacybijsluiter. "
            "Per product kunt u op de overeenkomst een bijsluiter met eigen attributen vastleggen."
        ),
    )

    class Meta:
        model = Agreement
        fields = [
            "reference",
            "supplier",
            "products",
            "model",
            "dvo_reference",
            "signed_on",
            "signed_by",
            "starts_on",
            "ends_on",
            "purposes",
            "data_subjects",
            "retention",
            "processing_locations",
            "transfer_outside_eea",
            "transfer_safeguard",
            "attributes",
        ]
        widgets = {
            "products": forms.CheckboxSelectMultiple,
            "signed_on": DateInput(),
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "purposes": forms.Textarea(attrs={"rows": 3}),
            "data_subjects": forms.Textarea(attrs={"rows": 2}),
            "retention": forms.Textarea(attrs={"rows": 2}),
            "processing_locations": forms.Textarea(attrs={"rows": 2}),
            "transfer_safeguard": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, supplier: Supplier | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            supplier = self.instance.supplier
            # An agreement belongs to one supplier; another supplier means another agreement.
            self.fields["supplier"].disabled = True
            self.fields["version"].initial = self.instance.version
        if supplier is not None:
            self.fields["supplier"].initial = supplier
            self.fields["products"].queryset = Product.objects.filter(supplier=supplier).order_by(
                "name"
            )
        else:
            self.fields["products"].queryset = Product.objects.select_related("supplier").order_by(
                "supplier__name", "name"
            )
        self.fields["products"].label_from_instance = lambda p: p.name
        self.fields["products"].error_messages["required"] = _(
            "Kies minstens één product waarvoor de overeenkomst geldt."
        )

    def clean_reference(self) -> str:
        reference = self.cleaned_data["reference"].strip()
        # As the workbook reads a Kenmerk: case does not make another agreement.
        same = Agreement.objects.filter(reference__iexact=reference).exclude(pk=self.instance.pk)
        existing = same.values_list("reference", flat=True).first()
        if existing is not None:
            raise ValidationError(
                _(
                    "Er is al een overeenkomst met kenmerk %(existing)s; een kenmerk dat alleen "
                    "in hoofdletters verschilt, is hetzelfde. Kies een ander kenmerk."
                ),
                code="duplicate_reference",
                params={"existing": existing},
            )
        return reference

    def clean(self) -> dict:
        cleaned = super().clean()
        supplier = cleaned.get("supplier")
        products = cleaned.get("products")
        if supplier and products:
            foreign = [p.name for p in products if p.supplier_id != supplier.pk]
            if foreign:
                self.add_error(
                    "products",
                    ValidationError(
                        _(
                            "%(products)s hoort niet bij %(supplier)s. Kies alleen producten "
                            "van deze leverancier; maak voor een andere leverancier een eigen "
                            "overeenkomst."
                        ),
                        code="foreign_product",
                        params={"products": ", ".join(foreign), "supplier": supplier.name},
                    ),
                )
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error(
                "ends_on",
                ValidationError(
                    _(
                        "De einddatum (%(ends)s) ligt vóór de ingangsdatum (%(starts)s). "
                        "Kies een einddatum op of na de ingangsdatum."
                    ),
                    code="ends_before_start",
                    params={
                        "ends": ends_on.strftime("%d-%m-%Y"),
                        "starts": starts_on.strftime("%d-%m-%Y"),
                    },
                ),
            )
        signed_on = cleaned.get("signed_on")
        if signed_on and signed_on > timezone.localdate():
            self.add_error(
                "signed_on",
                ValidationError(
                    _(
                        "De datum van ondertekening (%(signed)s) ligt in de toekomst. Vul de "
                        "datum in waarop de overeenkomst is getekend, of laat het veld leeg tot "
                        "ze getekend is."
                    ),
                    code="signed_in_future",
                    params={"signed": signed_on.strftime("%d-%m-%Y")},
                ),
            )
        return cleaned

    def validate_constraints(self, exclude=None) -> None:
        # The end-after-start constraint is checked in clean() with a clearer message.
        pass


def invalid_location_message(value: str) -> str:
    """The Dutch error for a location that is no ISO code or region (form and workbook)."""
    return _(
        "\u201c%(value)s\u201d is geen landcode of regio. Gebruik tweeletterige ISO "
        "3166-codes, gescheiden door komma's (bijvoorbeeld NL, BE of US), of de regio "
        "EER of wereldwijd."
    ) % {"value": value}


def invalid_country_message(value: str) -> str:
    return _(
        "\u201c%(value)s\u201d is geen landcode. Gebruik de tweeletterige "
        "ISO 3166-code, bijvoorbeeld NL, IE, DE of US."
    ) % {"value": value}


class SubprocessorForm(forms.ModelForm):
    class Meta:
        model = Subprocessor
        fields = ["name", "service", "countries", "headquarters", "safeguard_kind", "safeguard"]
        widgets = {
            "safeguard": forms.TextInput,
            "countries": forms.TextInput(attrs={"size": 12, "placeholder": "NL, BE"}),
            "headquarters": forms.TextInput(attrs={"size": 3, "placeholder": "US"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["headquarters"].error_messages["max_length"] = _(
            "Gebruik de tweeletterige ISO 3166-code van het land, bijvoorbeeld NL, IE, DE of US."
        )
        # The empty choice says what it means, not "---------".
        kinds = self.fields["safeguard_kind"]
        kinds.choices = [("", _("niet opgegeven")), *[c for c in kinds.choices if c[0]]]

    def clean_countries(self) -> str:
        try:
            typed = join_locations(parse_locations(self.cleaned_data.get("countries", "")))
            return locations_as_stored(typed, self.instance.countries if self.instance.pk else "")
        except InvalidLocation as error:
            raise ValidationError(
                invalid_location_message(error.value), code="invalid_country"
            ) from None

    def clean_headquarters(self) -> str:
        country = self.cleaned_data.get("headquarters", "").strip().upper()
        if country and country not in ISO_COUNTRIES:
            raise ValidationError(invalid_country_message(country), code="invalid_country")
        return country


class BaseSubprocessorFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        """One subprocessor per name and service, whatever their case (as the workbook
        reads them: two would not import back)."""
        super().clean()
        seen: dict[tuple[str, str], str] = {}
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            name = (form.cleaned_data.get("name") or "").strip()
            if not name:
                continue
            service = (form.cleaned_data.get("service") or "").strip()
            key = (name.lower(), service.lower())
            if key in seen:
                form.add_error(
                    "name",
                    ValidationError(
                        _(
                            "%(label)s staat al in de lijst (als %(first)s); een subverwerker "
                            "komt één keer voor per naam en dienst, hoofdletters tellen niet mee."
                        ),
                        code="duplicate_subprocessor",
                        params={"label": subprocessor_label(name, service), "first": seen[key]},
                    ),
                )
            else:
                seen[key] = subprocessor_label(name, service)


SubprocessorFormSet = inlineformset_factory(
    Agreement,
    Subprocessor,
    form=SubprocessorForm,
    formset=BaseSubprocessorFormSet,
    # Several empty rows, so that a supplier's list goes in with one save (issue 17); the
    # page's script adds more. Empty rows are skipped.
    extra=3,
    can_delete=True,
)


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Soort document"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("PDF-bestand"),
        help_text=_("Alleen PDF, hoogstens 25 MB. Een eerdere versie blijft altijd bewaard."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_file(self):
        return clean_pdf_upload(self.cleaned_data["file"])


class PrivacyNoticeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    attributes = AttributeChoiceField(
        label=_("Overeengekomen attributen voor dit product"),
        help_text=_(
            "Vervangen voor dit product de attributen van de overeenkomst. "
            "Bijzondere of gevoelige gegevens zijn gemarkeerd."
        ),
    )
    purposes = forms.CharField(
        label=_("Doeleinden"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    data_subjects = forms.CharField(
        label=_("Betrokkenen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Van wie dit product gegevens verwerkt, zoals leerlingen, ouders, docenten."),
    )
    retention = forms.CharField(
        label=_("Bewaartermijn"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    processing_locations = forms.CharField(
        label=_("Verwerkingslocatie"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    subprocessors = forms.ModelMultipleChoiceField(
        label=_("Subverwerkers voor dit product"),
        queryset=Subprocessor.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Alleen de subverwerkers van deze overeenkomst; leg ze eerst daar vast."),
        error_messages={
            "invalid_choice": _(
                "Deze subverwerker hoort niet bij de overeenkomst; kies uit de lijst."
            )
        },
    )
    note = forms.CharField(
        label=_("Toelichting"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    file = forms.FileField(
        label=_("Eigen bijsluiter (PDF, optioneel)"),
        required=False,
        help_text=_("Alleen PDF, hoogstens 25 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args, agreement: Agreement, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only the agreement's own subprocessors can be chosen (models.clean_subprocessors).
        self.fields["subprocessors"].queryset = agreement.subprocessors.order_by("name", "pk")

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        return clean_pdf_upload(upload) if upload else upload


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Besluit"), choices=Decision.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Toelichting"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Verplicht: waarom dit besluit, en wat moet er eventueel anders."),
        error_messages={"required": _("Licht uw besluit toe; een toelichting is verplicht.")},
    )
    fingerprint = forms.CharField(widget=forms.HiddenInput)
    incomplete_reason = forms.CharField(
        label=_("Reden om goed te keuren terwijl de controlelijst onvolledig is"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Alleen nodig als u goedkeurt terwijl de controlelijst nog onderdelen mist; "
            "de reden wordt bij uw besluit vastgelegd."
        ),
    )
    confirm = forms.BooleanField(
        label=_(
            "Ik heb de documenten en de inhoud gelezen; dit besluit wordt blijvend in het "
            "dossier vastgelegd."
        ),
        error_messages={"required": _("Bevestig dat u dit besluit blijvend wilt vastleggen.")},
    )

    # What the FG typed, kept when the content changed under them (not the confirmation: that
    # is given again after reading the new content).
    KEPT = ("decision", "comment", "incomplete_reason")


class FindingForm(forms.ModelForm):
    """A new finding of the FG: what differs from Model 4.0 or the AVG, and its risk."""

    class Meta:
        model = Finding
        fields = ["topic", "difference", "risk", "status"]
        widgets = {
            "difference": forms.Textarea(attrs={"rows": 3}),
            "risk": forms.RadioSelect,
            "status": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["risk"].choices = FindingRisk.choices  # a risk is chosen: no blank option
        self.fields["status"].choices = [
            (FindingStatus.TO_RESOLVE.value, FindingStatus.TO_RESOLVE.label),
            (FindingStatus.ACCEPTED.value, FindingStatus.ACCEPTED.label),
        ]
        self.fields["topic"].error_messages["required"] = _(
            "Noem het artikel of onderwerp waar de bevinding over gaat."
        )
        self.fields["difference"].error_messages["required"] = _(
            "Beschrijf wat er in de overeenkomst afwijkt."
        )
        self.fields["risk"].error_messages["required"] = _("Kies het risico: laag, middel of hoog.")


class FindingSettleForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Afhandeling"),
        choices=FindingStatus.choices,
        error_messages={"required": _("Kies hoe de bevinding is afgehandeld.")},
    )


class TerminateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden van beëindiging"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Geef een reden op waarom de overeenkomst wordt beëindigd.")},
    )
    confirm = forms.BooleanField(
        label=_("Ik begrijp dat beëindigen definitief is."),
        error_messages={"required": _("Bevestig dat u de overeenkomst definitief beëindigt.")},
    )


class AgreementFilterForm(forms.Form):
    SORTS = {
        "reference": "reference",
        "-reference": "-reference",
        "supplier": "supplier__name",
        "-supplier": "-supplier__name",
        "status": "status",
        "-status": "-status",
        "ends_on": "ends_on",
        "-ends_on": "-ends_on",
    }

    q = forms.CharField(label=_("Zoeken"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Alle statussen")), *AgreementStatus.choices],
    )
    supplier_name = forms.CharField(label=_("Leverancier"), required=False)
    # A link from elsewhere may still name one supplier by id (?supplier=<id>).
    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.all(), required=False, widget=forms.HiddenInput
    )
    model = forms.ChoiceField(
        label=_("Model"),
        required=False,
        choices=[("", _("Alle modellen")), *Agreement._meta.get_field("model").choices],
    )
    expiring = forms.BooleanField(required=False)
    sort = forms.ChoiceField(
        required=False, choices=[(key, key) for key in SORTS], widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The window of flag `expiring` (settings.EXPIRING_WITHIN_DAYS), named in the label.
        self.fields["expiring"].label = _("Verloopt binnen %(days)s dagen") % {
            "days": settings.EXPIRING_WITHIN_DAYS
        }
