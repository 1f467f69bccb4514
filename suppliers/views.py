from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Product, Supplier

PAGE_SIZE = 50


def supplier_list(request: HttpRequest) -> HttpResponse:
    suppliers = Supplier.objects.annotate(product_count=Count("products"))
    query = request.GET.get("q", "").strip()
    if query:
        suppliers = suppliers.filter(Q(name__icontains=query) | Q(kvk_number__icontains=query))
    page = Paginator(suppliers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "suppliers/supplier_list.html", {"page": page, "query": query})


def supplier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = get_object_or_404(Supplier, pk=pk)
    ctx = {"supplier": supplier, "products": supplier.products.all()}
    return render(request, "suppliers/supplier_detail.html", ctx)


def product_list(request: HttpRequest) -> HttpResponse:
    products = Product.objects.select_related("supplier")
    query = request.GET.get("q", "").strip()
    if query:
        products = products.filter(Q(name__icontains=query) | Q(supplier__name__icontains=query))
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "suppliers/product_list.html", {"page": page, "query": query})


def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product.objects.select_related("supplier"), pk=pk)
    flows = product.data_flows.select_related("attribute")
    return render(request, "suppliers/product_detail.html", {"product": product, "flows": flows})
