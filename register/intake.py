"""The intake of a tool that is not in the register yet (the procurement check, DESIGN.md 6).

Procurement files it; the privacy officer picks it up as a draft agreement of a proposed
product (AVG art. 28: no personal data to the supplier before an agreement is in place).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.models import Agreement, AgreementStatus
from suppliers.models import LifecycleStatus, Product, Supplier

from .models import School

INTAKE_PREFIX = "INTAKE"


def intake_agreements():
    """Draft agreements of proposed products: the intakes waiting for the privacy officer."""
    return (
        Agreement.objects.filter(
            status=AgreementStatus.DRAFT, products__status=LifecycleStatus.PROPOSED
        )
        .distinct()
        .select_related("supplier")
        .prefetch_related("products")
        .order_by("-created_at")
    )


def _intake_reference(product: Product) -> str:
    base = f"{INTAKE_PREFIX}-{timezone.localdate():%Y}-{product.pk:04d}"
    reference, n = base, 1
    while Agreement.objects.filter(reference=reference).exists():
        n += 1
        reference = f"{base}-{n}"
    return reference


def _by(user, instance) -> None:
    # Outside a request (a command, a test) name the acting user on the history row.
    if user is not None:
        instance._history_user = user


@transaction.atomic
def file_intake(
    *,
    name: str,
    supplier_name: str,
    intended_use: str,
    schools: list[School],
    user=None,
) -> Agreement:
    """Create a proposed product (and its supplier when unknown) and a draft agreement.

    Raises ValidationError when the supplier already has a product of that name.
    """
    name, supplier_name = name.strip(), supplier_name.strip()
    supplier = Supplier.objects.by_name(supplier_name).first()
    if supplier is None:
        supplier = Supplier(name=supplier_name, notes="Aangemaakt via een intakeverzoek.")
        _by(user, supplier)
        supplier.full_clean()
        supplier.save()
    if Product.objects.filter(supplier=supplier).by_name(name).exists():
        raise ValidationError(
            {
                "name": _("%(supplier)s heeft al een product “%(name)s” in het register.")
                % {"supplier": supplier.name, "name": name}
            },
            code="duplicate",
        )
    product = Product(
        supplier=supplier,
        name=name,
        status=LifecycleStatus.PROPOSED,
        processes_personal_data=True,
        description=intended_use.strip(),
    )
    _by(user, product)
    product.full_clean()
    product.save()
    for school in schools:
        school.products.add(product)
    agreement = Agreement(
        reference=_intake_reference(product),
        supplier=supplier,
        status=AgreementStatus.DRAFT,
        purposes=intended_use.strip(),
    )
    _by(user, agreement)
    agreement.full_clean()
    agreement.save()
    agreement.products.add(product)
    return agreement


class IntakeForm(forms.Form):
    """What procurement knows about a tool that is not in the register yet."""

    name = forms.CharField(label=gettext_lazy("Naam van het product"), max_length=200)
    supplier_name = forms.CharField(
        label=gettext_lazy("Leverancier"),
        max_length=200,
        help_text=gettext_lazy(
            "Bestaat de leverancier nog niet in het register, dan wordt ze aangemaakt."
        ),
    )
    intended_use = forms.CharField(
        label=gettext_lazy("Beoogd gebruik"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Waarvoor, door wie (groepen, vakken) en vanaf wanneer."),
    )
    schools = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Scholen"),
        queryset=School.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("De scholen die het product willen gebruiken."),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        name, supplier_name = (
            cleaned.get("name", "").strip(),
            cleaned.get("supplier_name", "").strip(),
        )
        if not name:
            self.add_error("name", _("Vul de naam van het product in."))
        if not supplier_name:
            self.add_error("supplier_name", _("Vul de naam van de leverancier in."))
        if name and supplier_name:
            exists = Product.objects.by_name(name).filter(supplier__name__iexact=supplier_name)
            if exists.exists():
                self.add_error(
                    "name",
                    _(
                        "Dit product staat al in het register bij deze leverancier. Zoek het op "
                        "in de Inkoopcheck om het oordeel te zien."
                    ),
                )
        return cleaned

    def file(self, *, user=None) -> Agreement:
        """File the intake this valid form describes (`file_intake`, which may still raise a
        ValidationError: the supplier already has a product of that name)."""
        return file_intake(
            name=self.cleaned_data["name"],
            supplier_name=self.cleaned_data["supplier_name"],
            intended_use=self.cleaned_data["intended_use"],
            schools=list(self.cleaned_data["schools"]),
            user=user,
        )
