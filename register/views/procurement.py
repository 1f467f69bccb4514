from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from suppliers.models import Product


def procurement_check(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    products = Product.objects.by_name(query).select_related("supplier") if query else []
    return render(
        request, "register/procurement_check.html", {"query": query, "products": products}
    )
