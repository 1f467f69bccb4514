"""Forms of the processing register, the organisation and the workbook upload."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suppliers.concurrency import VersionedFormMixin
from suppliers.forms import cleaned_number, number_field
from suppliers.models import Product
from suppliers.panels import ProductFormExtension
from suppliers.widgets import ManyCheckboxes

from .models import (
    LegalBasis,
    Organisation,
    ProcessingActivity,
    School,
    board_number_validator,
    kvk_number_validator,
)

ZIP_MAGIC = b"PK\x03\x04"
# A workbook with its PDFs in a zip may be larger than a single document.
WORKBOOK_MAX_BYTES = 100 * 1024 * 1024


class ProductChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        return f"{obj.supplier.name} / {obj.name}"


class ProcessingActivityForm(VersionedFormMixin, forms.ModelForm):
    """The Art. 30(1) fields and the linked products, with the version the page loaded.

    The products are never offered all at once (a register may hold thousands): the page
    shows the linked ones plus the matches of a product search (`find_products`). The field
    still validates every submitted id against all products, in one query.
    """

    legal_bases = forms.TypedMultipleChoiceField(
        label=_("Grondslag"),
        choices=LegalBasis.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Art. 6 AVG. Kies elke grondslag waarop de verwerking rust."),
    )
    products = ProductChoiceField(
        label=_("Producten"),
        queryset=Product.objects.all(),
        widget=forms.CheckboxSelectMultiple,  # rendered by the picker; never iterate its choices
        required=False,
        help_text=_("De producten waarmee deze verwerking plaatsvindt."),
        error_messages={
            "invalid_choice": _(
                "Een gekozen product staat niet (meer) in het register. Zoek het product "
                "opnieuw op en vink het aan."
            ),
            "invalid_pk_value": _(
                "Een gekozen product staat niet (meer) in het register. Zoek het product "
                "opnieuw op en vink het aan."
            ),
        },
    )

    class Meta:
        model = ProcessingActivity
        fields = [
            "name",
            "purposes",
            "legal_bases",
            "data_subjects",
            "personal_data",
            "recipients",
            "third_country_transfers",
            "retention",
            "security_measures",
            "special_category_exception",
            "dpia",
            "last_reviewed_on",
            "products",
        ]
        widgets = {
            "purposes": forms.Textarea(attrs={"rows": 3}),
            "data_subjects": forms.Textarea(attrs={"rows": 2}),
            "personal_data": forms.Textarea(attrs={"rows": 3}),
            "recipients": forms.Textarea(attrs={"rows": 2}),
            "third_country_transfers": forms.Textarea(attrs={"rows": 2}),
            "retention": forms.Textarea(attrs={"rows": 2}),
            "security_measures": forms.Textarea(attrs={"rows": 3}),
            "special_category_exception": forms.Textarea(attrs={"rows": 2}),
            "last_reviewed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    @classmethod
    def initial_from(cls, data) -> dict:
        """The submitted values as `initial`: the form shown again, unvalidated, as entered."""
        initial = {name: data.get(name, "") for name in cls._meta.fields}
        initial["products"] = data.getlist("products")
        initial["legal_bases"] = data.getlist("legal_bases")
        initial["version"] = data.get("version", "")
        return initial

    def chosen_products(self) -> list[Product]:
        """The products linked in the form as it stands (submitted, else saved), by supplier."""
        values = [str(value) for value in self["products"].value() or ()]
        pks = {int(value) for value in values if value.isdigit() and len(value) < 19}
        if not pks:
            return []
        products = Product.objects.filter(pk__in=pks).select_related("supplier")
        return list(products.order_by("supplier__name", "name"))

    def clean_legal_bases(self) -> list[str]:
        # In the order of the choices, whatever the order of the boxes ticked.
        chosen = set(self.cleaned_data["legal_bases"])
        return [code for code in LegalBasis.values if code in chosen]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = ProcessingActivity.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(
                _("Er bestaat al een verwerking met deze naam. Kies een andere naam."),
                code="duplicate_name",
            )
        return name

    def clean_last_reviewed_on(self):
        day = self.cleaned_data.get("last_reviewed_on")
        if day and day > timezone.localdate():
            raise ValidationError(
                _(
                    "De datum van de laatste beoordeling (%(day)s) ligt in de toekomst. Vul de "
                    "datum in waarop de verwerking is beoordeeld."
                ),
                code="reviewed_in_future",
                params={"day": day.strftime("%d-%m-%Y")},
            )
        return day


class OrganisationForm(VersionedFormMixin, forms.ModelForm):
    """The controller and its FG (Art. 30(1)(a) AVG)."""

    board_number = number_field(
        _("Bestuursnummer (DUO)"), _("Het bestuursnummer van DUO: 5 cijfers.")
    )
    kvk_number = number_field(
        _("KvK-nummer"), _("Het nummer in het Handelsregister van de KvK: 8 cijfers.")
    )

    class Meta:
        model = Organisation
        fields = ["name", "board_number", "kvk_number", "contact", "fg_name", "fg_contact"]
        widgets = {
            "contact": forms.Textarea(attrs={"rows": 3}),
            "fg_contact": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_board_number(self) -> str:
        return cleaned_number(self.cleaned_data["board_number"], board_number_validator)

    def clean_kvk_number(self) -> str:
        return cleaned_number(self.cleaned_data["kvk_number"], kvk_number_validator)


class WorkbookUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Werkmap"),
        help_text=_(
            "Een Excel-werkmap (.xlsx), of een zip-bestand met de werkmap en de PDF's die op het "
            "tabblad Documenten staan."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > WORKBOOK_MAX_BYTES:
            raise ValidationError(
                _("Het bestand is groter dan %(limit)s MB. Splits de import op.")
                % {"limit": WORKBOOK_MAX_BYTES // (1024 * 1024)},
                code="too_large",
            )
        upload.seek(0)
        head = upload.read(4)
        upload.seek(0)
        # .xlsx and .zip are both zip archives: check the content, not the name.
        if head != ZIP_MAGIC:
            raise ValidationError(
                _(
                    "Dit bestand is geen Excel-werkmap (.xlsx) en geen zip-bestand. Sla de "
                    "werkmap in Excel of LibreOffice op als 'Excel-werkmap (.xlsx)'."
                ),
                code="not_xlsx",
            )
        return upload


class SchoolsOfProduct(ProductFormExtension):
    """The product form's "Scholen" field (issue 17): the board's schools that use the product.

    The link is School.products (this app's model), so the suppliers app's form gets the field
    through its extension hook (suppliers/panels.py) rather than importing upward."""

    field_name = "schools"

    def contribute(self, form: forms.ModelForm) -> None:
        form.fields[self.field_name] = forms.ModelMultipleChoiceField(
            queryset=School.objects.order_by("name"),
            required=False,
            widget=ManyCheckboxes,  # every school of the board (250 at scale 1)
            label=_("Scholen"),
            help_text=_(
                "De scholen van het bestuur die dit product gebruiken. Scholen komen in het "
                "register via het tabblad Scholen van een Excel-werkmap (Importeren)."
            ),
        )
        if form.instance.pk and not form.is_bound:
            form.initial[self.field_name] = list(form.instance.schools.all())

    def save(self, form: forms.ModelForm, product: Product) -> None:
        chosen = set(form.cleaned_data.get(self.field_name) or ())
        current = set(product.schools.all())
        # Through each school, one at a time, so that its history records the change (the
        # school's history tracks its products).
        for school in sorted(chosen - current, key=lambda s: s.pk):
            school.products.add(product)
        for school in sorted(current - chosen, key=lambda s: s.pk):
            school.products.remove(product)


schools_of_product = SchoolsOfProduct()
