"""Filters of the API lists (query parameters), like the filters of the pages' lists."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, AgreementModel, AgreementStatus
from register.models import ProcessingActivity
from suppliers.models import (
    Channel,
    ConvenantStatus,
    DataFlow,
    DataSubject,
    LifecycleStatus,
    Product,
    ProductKind,
    Supplier,
)

MAX_ID = 2**63 - 1  # the largest primary key any database here stores


class IdFilter(django_filters.Filter):
    """A record's id: a whole number from 1, never a fraction or a number no column holds."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.NullBooleanField):
    """true/false (or 1/0); anything else is an error, not a filter left out in silence."""

    widget = forms.TextInput
    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if str(value).lower() not in self.VALUES:
            raise forms.ValidationError(_("Kies true of false (of 1 of 0)."), code="invalid")
        return self.VALUES[str(value).lower()]


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class SupplierFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Naam bevat")
    convenant = django_filters.ChoiceFilter(choices=ConvenantStatus.choices)

    class Meta:
        model = Supplier
        fields = ["q", "convenant"]


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Naam bevat")
    supplier = IdFilter(field_name="supplier_id", label="Leverancier (id)")
    status = django_filters.ChoiceFilter(choices=LifecycleStatus.choices)
    kind = django_filters.ChoiceFilter(choices=ProductKind.choices)
    processes_personal_data = StrictBooleanFilter(label="Verwerkt persoonsgegevens")

    class Meta:
        model = Product
        fields = ["q", "supplier", "status", "kind", "processes_personal_data"]


class AgreementFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Kenmerk, leverancier of product bevat")
    status = django_filters.ChoiceFilter(choices=AgreementStatus.choices)
    supplier = IdFilter(field_name="supplier_id", label="Leverancier (id)")
    product = IdFilter(field_name="products", label="Product (id)")
    model = django_filters.ChoiceFilter(choices=AgreementModel.choices)

    class Meta:
        model = Agreement
        fields = ["q", "status", "supplier", "product", "model"]

    def search(self, queryset, name: str, value: str):
        # A subquery, so that a match on several products does not repeat the agreement.
        matching = Agreement.objects.filter(
            Q(reference__icontains=value)
            | Q(supplier__name__icontains=value)
            | Q(products__name__icontains=value)
        ).values("pk")
        return queryset.filter(pk__in=matching)


class DataFlowFilter(django_filters.FilterSet):
    product = IdFilter(field_name="product_id", label="Product (id)")
    supplier = IdFilter(field_name="product__supplier_id", label="Leverancier (id)")
    attribute = django_filters.CharFilter(field_name="attribute__code", label="Attribuutcode")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    subject = django_filters.ChoiceFilter(choices=DataSubject.choices, label="Betrokkene")

    class Meta:
        model = DataFlow
        fields = ["product", "supplier", "attribute", "channel", "subject"]


class ProcessingActivityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Naam bevat")
    product = IdFilter(field_name="products", label="Product (id)")

    class Meta:
        model = ProcessingActivity
        fields = ["q", "product"]
