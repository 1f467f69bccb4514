"""Supplier and product pages, and the data-flow checklist of a product."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from .concurrency import save_or_refuse
from .forms import (
    AttributeForm,
    DataFlowGridForm,
    ProductFilterForm,
    ProductForm,
    SupplierFilterForm,
    SupplierForm,
    flow_key,
)
from .history import history_entries
from .kept import kept_parts
from .models import Attribute, Channel, DataFlow, DataSubject, Product, Supplier
from .panels import product_form_panels, product_panels, supplier_form_panels, supplier_panels
from .services import set_data_flows
from .templatetags.page_messages import section_tag

PAGE_SIZE = 50
# The latest changes a supplier or product page shows.
HISTORY_SIZE = 10


def _query_string(request: HttpRequest, drop: tuple[str, ...] = ()) -> str:
    params = request.GET.copy()
    for name in ("page", *drop):
        params.pop(name, None)
    return params.urlencode()


@permission_required("suppliers.view_supplier", raise_exception=True)
def supplier_list(request: HttpRequest) -> HttpResponse:
    filters = SupplierFilterForm(request.GET or None)
    suppliers = filters.filter(Supplier.objects.annotate(product_count=Count("products")))
    page = Paginator(suppliers, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"page": page, "filters": filters, "query": request.GET.get("q", "").strip()}
    return render(request, "suppliers/supplier_list.html", ctx)


@permission_required("suppliers.view_supplier", raise_exception=True)
def supplier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = get_object_or_404(Supplier, pk=pk)
    ctx = {
        "supplier": supplier,
        "products": supplier.products.order_by("name"),
        "agreements": supplier.agreements.order_by("-created_at"),
        "history": history_entries(supplier, HISTORY_SIZE),
        # What higher apps add (the agreements app's "Overeenkomst toevoegen").
        "panels": supplier_panels(request, supplier),
    }
    for panel in ctx["panels"]:
        for key, value in panel.context.items():
            ctx.setdefault(key, value)  # the page's own names win
    return render(request, "suppliers/supplier_detail.html", ctx)


# What a supplier's and a product's form page say of a new record ("... is toegevoegd.") and
# of one that someone else saved after the editor loaded it (`stale_edit_message`).
_RECORD_WORDS = {
    Supplier: (
        gettext_lazy("Leverancier %(name)s is toegevoegd."),
        gettext_lazy("deze leverancier"),
    ),
    Product: (gettext_lazy("Product %(name)s is toegevoegd."), gettext_lazy("dit product")),
}


def _record_form(request: HttpRequest, form: SupplierForm | ProductForm) -> HttpResponse:
    """The form of a new or an existing supplier or product, saved when it is posted valid.

    An edit is refused, the input kept in the form, when someone else saved the record after
    the editor loaded it (suppliers/concurrency.py).
    """
    model_name = form._meta.model._meta.model_name  # "supplier" or "product"
    added, stale_record = _RECORD_WORDS[form._meta.model]
    record = form.instance if form.instance.pk is not None else None
    if request.method == "POST" and form.is_valid():
        if record is None:
            record = form.save()
            messages.success(request, added % {"name": record.name})
            return redirect(record)
        if save_or_refuse(form, stale_record) is not None:
            messages.success(request, _("De wijzigingen zijn opgeslagen."))
            return redirect(record)
    ctx = {"form": form}
    if record is not None:
        ctx[model_name] = record
        form_panels = product_form_panels if model_name == "product" else supplier_form_panels
        ctx["panels"] = form_panels(request, record)
        for panel in ctx["panels"]:
            for key, value in panel.context.items():
                ctx.setdefault(key, value)
    return render(request, f"suppliers/{model_name}_form.html", ctx)


@permission_required("suppliers.add_supplier", raise_exception=True)
def supplier_create(request: HttpRequest) -> HttpResponse:
    return _record_form(request, SupplierForm(request.POST or None))


@permission_required("suppliers.change_supplier", raise_exception=True)
def supplier_edit(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = get_object_or_404(Supplier, pk=pk)
    return _record_form(request, SupplierForm(request.POST or None, instance=supplier))


@permission_required("suppliers.view_product", raise_exception=True)
def product_list(request: HttpRequest) -> HttpResponse:
    filters = ProductFilterForm(request.GET or None)
    products = filters.filter(Product.objects.select_related("supplier"))

    def render_rows() -> dict[str, str]:
        page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
        context = {"request": request, "page": page}
        return {"rows": render_to_string("suppliers/_product_rows.html", context)}

    ctx = {
        # The rows show register data only, the same for everyone: kept until it changes.
        "rows": kept_parts("product-list", request, render_rows)["rows"],
        "filters": filters,
        "query": request.GET.get("q", "").strip(),
        "query_string": _query_string(request),
        "without_supplier": _query_string(request, drop=("supplier",)),
    }
    return render(request, "suppliers/product_list.html", ctx)


def _flow_grid(attributes: list[Attribute], checked: set[str], subject: str) -> list[dict]:
    """Rows of one subject's checklist: one per attribute, one cell per channel."""
    channels = Channel.choices  # a new list on every access
    return [
        {
            "attribute": attribute,
            "cells": [
                {
                    "value": flow_key(attribute.pk, channel, subject),
                    "label": label,
                    "checked": flow_key(attribute.pk, channel, subject) in checked,
                }
                for channel, label in channels
            ],
        }
        for attribute in attributes
    ]


def _flow_grids(attributes: list[Attribute], checked: set[str]) -> list[dict]:
    """One checklist per data subject; the pupils' one and any with a ticked box are open."""
    grids = []
    for subject, label in DataSubject.choices:
        rows = _flow_grid(attributes, checked, subject)
        ticked = sum(cell["checked"] for row in rows for cell in row["cells"])
        grids.append(
            {
                "subject": subject,
                "label": label,
                "rows": rows,
                "ticked": ticked,
                "open": ticked > 0 or subject == DataSubject.PUPIL,
            }
        )
    return grids


def _product_page(request: HttpRequest, product: Product, form: DataFlowGridForm | None = None):
    attributes = list(Attribute.objects.order_by("sort_order", "code"))
    attribute_codes = {a.pk: a for a in attributes}
    flows = list(product.data_flows.select_related("attribute"))
    if form is not None and form.is_bound:
        checked = set(form.data.getlist("flows"))
        shown = form.data.get("shown", "")
    else:
        checked = {flow_key(f.attribute_id, f.channel, f.subject) for f in flows}
        shown = " ".join(sorted(checked))
    flow_history = [
        (record, attribute_codes.get(record.attribute_id))
        for record in DataFlow.history.filter(product_id=product.pk)
        .select_related("history_user")
        .order_by("-history_date")[:20]
    ]
    # The checklist is a form for those who may record flows; others see the flows only.
    can_record_flows = request.user.has_perms(
        ["suppliers.add_dataflow", "suppliers.change_dataflow"]
    )
    ctx = {
        "product": product,
        "agreements": product.agreements.select_related("supplier").order_by("-created_at"),
        "flows": flows,
        "form": form,
        "can_record_flows": can_record_flows,
        "grids": _flow_grids(attributes, checked) if can_record_flows else [],
        "shown_flows": shown,
        "channels": Channel.choices,
        "flow_history": flow_history,
        "history": history_entries(product, HISTORY_SIZE),
        "schools": product.schools.all(),
        "activities": product.processing_activities.all(),
        # The parts higher apps add (the register's flags and procurement check).
        "panels": product_panels(request, product),
    }
    for panel in ctx["panels"]:
        for key, value in panel.context.items():
            ctx.setdefault(key, value)  # the page's own names win
    return render(request, "suppliers/product_detail.html", ctx)


@permission_required("suppliers.view_product", raise_exception=True)
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product.objects.select_related("supplier"), pk=pk)
    return _product_page(request, product)


def _flows_section(product: Product) -> str:
    return f"{product.get_absolute_url()}#gegevensstromen"


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("suppliers.view_product", raise_exception=True)
def product_flows(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the whole data-flow checklist of a product in one POST; a GET (a bookmark, a
    reload after an error) goes to the checklist on the product page."""
    # Permission before the lookup, so a refused user cannot probe which ids exist.
    if request.method == "POST" and not request.user.has_perms(
        ["suppliers.add_dataflow", "suppliers.change_dataflow"]
    ):
        raise PermissionDenied
    product = get_object_or_404(Product.objects.select_related("supplier"), pk=pk)
    if request.method != "POST":
        return redirect(_flows_section(product))
    attributes = list(Attribute.objects.order_by("sort_order", "code"))
    form = DataFlowGridForm(request.POST, attributes=attributes)
    if not form.is_valid():
        return _product_page(request, product, form)
    added, removed = set_data_flows(
        product=product, selected=form.selected(), shown=form.shown_flows()
    )
    # Shown in the section the page opens at, not at the top of a long page out of sight.
    here = section_tag("gegevensstromen")
    if added or removed:
        messages.success(
            request,
            _(
                "Gegevensstromen opgeslagen: %(added)s toegevoegd, %(removed)s verwijderd. De "
                "signaleringen bovenaan de pagina zijn bijgewerkt."
            )
            % {"added": added, "removed": removed},
            extra_tags=here,
        )
    else:
        messages.info(request, _("Er is niets veranderd aan de gegevensstromen."), extra_tags=here)
    return redirect(_flows_section(product))


@permission_required("suppliers.add_product", raise_exception=True)
def product_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    supplier_id = request.GET.get("supplier", "")
    if supplier_id.isdigit():
        initial["supplier"] = supplier_id
    return _record_form(request, ProductForm(request.POST or None, initial=initial))


@permission_required("suppliers.change_product", raise_exception=True)
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product.objects.select_related("supplier"), pk=pk)
    return _record_form(request, ProductForm(request.POST or None, instance=product))


@permission_required("suppliers.view_attribute", raise_exception=True)
def attribute_list(request: HttpRequest) -> HttpResponse:
    per_subject = {
        f"{subject}_flows": Count("data_flows", filter=Q(data_flows__subject=subject))
        for subject in DataSubject.values
    }
    attributes = Attribute.objects.annotate(flow_count=Count("data_flows"), **per_subject)
    ctx = {"attributes": attributes, "subjects": DataSubject.choices}
    return render(request, "suppliers/attribute_list.html", ctx)


@permission_required("suppliers.add_attribute", raise_exception=True)
def attribute_create(request: HttpRequest) -> HttpResponse:
    form = AttributeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        attribute = form.save(commit=False)
        # A new attribute goes to the end of the list, after the vocabulary's own.
        last = Attribute.objects.order_by("-sort_order").values_list("sort_order", flat=True)
        attribute.sort_order = (last.first() or 0) + 10
        attribute.save()
        messages.success(request, _("Attribuut %(code)s is toegevoegd.") % {"code": attribute.code})
        return redirect("suppliers:attribute_list")
    return render(request, "suppliers/attribute_form.html", {"form": form})


@permission_required("suppliers.change_attribute", raise_exception=True)
def attribute_edit(request: HttpRequest, pk: int) -> HttpResponse:
    # Showing the form takes no row lock; a save over someone else's is refused.
    attribute = get_object_or_404(Attribute, pk=pk)
    form = AttributeForm(request.POST or None, instance=attribute)
    if request.method == "POST" and form.is_valid() and save_or_refuse(form, _("dit attribuut")):
        messages.success(request, _("De wijzigingen zijn opgeslagen."))
        return redirect("suppliers:attribute_list")
    ctx = {"form": form, "attribute": attribute}
    return render(request, "suppliers/attribute_form.html", ctx)
