"""Forms of the supplier and product pages; validation messages say how to fix the problem."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .concurrency import VersionedFormMixin
from .models import (
    AccessChannel,
    Attribute,
    Channel,
    DataSubject,
    LifecycleStatus,
    Product,
    ProductKind,
    Supplier,
    attribute_code_validator,
    kvk_validator,
    new_attribute_code_problem,
    without_spaces,
)
from .panels import product_form_extensions
from .widgets import ManyOptionsSelect


def cleaned_number(value: str, validator) -> str:
    """A number as typed (spaces allowed), checked by the model field's own `validator` only:
    one message that says what the number looks like, not also the field's length limit
    counted after the spaces went."""
    number = without_spaces(value)
    if number:
        validator(number)
    return number


def number_field(label, help_text) -> forms.CharField:
    """A field for such a number: longer than the number itself (it may be typed with
    spaces), with the phone's number keyboard."""
    return forms.CharField(
        label=label,
        max_length=20,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


class SupplierForm(VersionedFormMixin, forms.ModelForm):
    kvk_number = number_field(
        _("KvK-nummer"), _("Het nummer in het Handelsregister van de KvK: 8 cijfers.")
    )

    class Meta:
        model = Supplier
        fields = ["name", "kvk_number", "website", "privacy_contact", "convenant", "notes"]

    def clean_kvk_number(self) -> str:
        return cleaned_number(self.cleaned_data["kvk_number"], kvk_validator)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Supplier.objects.by_name(name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(
                _(
                    "Er bestaat al een leverancier “%(name)s”. Kies een andere naam of open die leverancier."
                ),
                code="duplicate",
                params={"name": name},
            )
        return name


class ProductForm(VersionedFormMixin, forms.ModelForm):
    """The product's own fields, and those higher apps add (the schools using it)."""

    class Meta:
        model = Product
        fields = [
            "supplier",
            "name",
            "kind",
            "access_channel",
            "status",
            "processes_personal_data",
            "description",
        ]
        # Every supplier is an option (1,500 at scale 1): written without a template per option.
        widgets = {"supplier": ManyOptionsSelect}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.extensions = product_form_extensions()
        for extension in self.extensions:
            extension.contribute(self)

    @transaction.atomic
    def save(self, commit: bool = True) -> Product:
        product = super().save(commit=commit)
        if commit:
            for extension in self.extensions:
                extension.save(self, product)
        return product

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean(self) -> dict:
        cleaned = super().clean()
        supplier, name = cleaned.get("supplier"), cleaned.get("name")
        if supplier and name:
            clash = Product.objects.filter(supplier=supplier).by_name(name)
            if clash.exclude(pk=self.instance.pk).exists():
                self.add_error(
                    "name",
                    forms.ValidationError(
                        _("%(supplier)s heeft al een product “%(name)s”. Kies een andere naam."),
                        code="duplicate",
                        params={"supplier": supplier.name, "name": name},
                    ),
                )
        for extension in self.extensions:
            extension.clean(self, cleaned)
        return cleaned


PRODUCT_SORTS = {
    "name": ("name", "supplier__name"),
    "-name": ("-name", "supplier__name"),
    "supplier": ("supplier__name", "name"),
    "-supplier": ("-supplier__name", "name"),
    "status": ("status", "name"),
    "kind": ("kind", "name"),
    "-updated": ("-updated_at", "name"),
}
SUPPLIER_SORTS = {
    "name": ("name",),
    "-name": ("-name",),
    "products": ("product_count", "name"),
    "-products": ("-product_count", "name"),
    "-updated": ("-updated_at", "name"),
}


def _with_any(choices, label):
    return [("", label), *choices]


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Zoeken"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_with_any(LifecycleStatus.choices, _("Alle"))
    )
    kind = forms.ChoiceField(
        label=_("Soort"), required=False, choices=_with_any(ProductKind.choices, _("Alle"))
    )
    channel = forms.ChoiceField(
        label=_("Toegang"), required=False, choices=_with_any(AccessChannel.choices, _("Alle"))
    )
    supplier_name = forms.CharField(
        label=_("Leverancier"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Naam van de leverancier")}),
    )
    # A link from elsewhere may still name one supplier by id (?supplier=<id>).
    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.all(), required=False, widget=forms.HiddenInput
    )
    sort = forms.ChoiceField(
        label=_("Sorteren"),
        required=False,
        choices=[
            ("name", _("Naam (A-Z)")),
            ("-name", _("Naam (Z-A)")),
            ("supplier", _("Leverancier")),
            ("status", _("Status")),
            ("kind", _("Soort")),
            ("-updated", _("Laatst gewijzigd")),
        ],
    )

    @property
    def chosen_supplier(self) -> Supplier | None:
        """The supplier named by id in the address, if any (it is filtered on)."""
        return self.cleaned_data.get("supplier") if self.is_valid() else None

    def filter(self, products):
        """Apply the valid filters to `products` (invalid values are ignored)."""
        data = self.cleaned_data if self.is_valid() else {}
        query = (data.get("q") or "").strip()
        if query:
            products = products.filter(
                Q(name__icontains=query) | Q(supplier__name__icontains=query)
            )
        for field, lookup in [
            ("status", "status"),
            ("kind", "kind"),
            ("channel", "access_channel"),
        ]:
            if data.get(field):
                products = products.filter(**{lookup: data[field]})
        supplier_name = (data.get("supplier_name") or "").strip()
        if supplier_name:
            products = products.filter(supplier__name__icontains=supplier_name)
        if data.get("supplier"):
            products = products.filter(supplier=data["supplier"])
        return products.order_by(*PRODUCT_SORTS.get(data.get("sort") or "name"))


class SupplierFilterForm(forms.Form):
    q = forms.CharField(label=_("Zoeken"), required=False)
    convenant = forms.ChoiceField(
        label=_("Convenant"),
        required=False,
        choices=_with_any(Supplier._meta.get_field("convenant").choices, _("Alle")),
    )
    sort = forms.ChoiceField(
        label=_("Sorteren"),
        required=False,
        choices=[
            ("name", _("Naam (A-Z)")),
            ("-name", _("Naam (Z-A)")),
            ("-products", _("Meeste producten")),
            ("products", _("Minste producten")),
            ("-updated", _("Laatst gewijzigd")),
        ],
    )

    def filter(self, suppliers):
        data = self.cleaned_data if self.is_valid() else {}
        query = (data.get("q") or "").strip()
        if query:
            suppliers = suppliers.filter(Q(name__icontains=query) | Q(kvk_number__icontains=query))
        if data.get("convenant"):
            suppliers = suppliers.filter(convenant=data["convenant"])
        return suppliers.order_by(*SUPPLIER_SORTS.get(data.get("sort") or "name"))


def flow_key(attribute_id: int, channel: str, subject: str = DataSubject.PUPIL) -> str:
    return f"{attribute_id}:{channel}:{subject}"


class DataFlowGridForm(forms.Form):
    """The data flows of one product as a checklist: attribute vocabulary x channels, once per
    data subject (pupils, parents, staff)."""

    flows = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    # The flows ticked when the page was shown (keys separated by spaces): the save applies
    # only what the user changed (services.set_data_flows).
    shown = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, attributes: list[Attribute], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.attributes = attributes
        self.fields["flows"].choices = [
            (flow_key(a.pk, channel, subject), f"{a.code} / {label} / {subject_label}")
            for subject, subject_label in DataSubject.choices
            for a in attributes
            for channel, label in Channel.choices
        ]
        self.fields["flows"].error_messages["invalid_choice"] = _(
            "Een aangevinkt vakje hoort niet bij de lijst van attributen en kanalen. "
            "Laad de pagina opnieuw en probeer het nog eens."
        )

    def selected(self) -> set[tuple[int, str, str]]:
        """The ticked (attribute id, channel, subject) triples."""
        return {_flow_triple(value) for value in self.cleaned_data["flows"]}

    def shown_flows(self) -> set[tuple[int, str, str]] | None:
        """The triples the page showed ticked; None when the post does not say (a client
        that sends the whole list)."""
        if "shown" not in self.data:
            return None
        valid = {value for value, _label in self.fields["flows"].choices}
        return {_flow_triple(v) for v in self.cleaned_data["shown"].split() if v in valid}


def _flow_triple(value: str) -> tuple[int, str, str]:
    attribute_id, channel, subject = value.split(":", 2)
    return (int(attribute_id), channel, subject)


class AttributeForm(VersionedFormMixin, forms.ModelForm):
    """The privacy officer's form for one attribute; the code is fixed once it exists, as
    agreements, notices, flows and exported workbooks name the attribute by it."""

    class Meta:
        model = Attribute
        fields = ["code", "label", "category", "standard", "sensitive", "special", "needs_arp"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].validators.append(attribute_code_validator)
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _(
                "De code ligt vast: overeenkomsten, bijsluiters en werkmappen noemen het "
                "attribuut erbij."
            )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if self.instance.pk:
            return code
        problem = new_attribute_code_problem(code, Attribute.objects.values_list("code", flat=True))
        if problem:
            raise forms.ValidationError(problem)
        return code
