from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Agreement, AgreementStatus

PAGE_SIZE = 50


def agreement_list(request: HttpRequest) -> HttpResponse:
    agreements = Agreement.objects.select_related("supplier")
    query = request.GET.get("q", "").strip()
    if query:
        agreements = agreements.filter(
            Q(reference__icontains=query) | Q(supplier__name__icontains=query)
        )
    page = Paginator(agreements, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "agreements/agreement_list.html", {"page": page, "query": query})


def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(Agreement.objects.select_related("supplier"), pk=pk)
    return render(request, "agreements/agreement_detail.html", {"agreement": agreement})


@permission_required("agreements.review_agreement", raise_exception=True)
def review_queue(request: HttpRequest) -> HttpResponse:
    """Agreements waiting for this FG, oldest first; never their own submissions (art. 38)."""
    agreements = (
        Agreement.objects.filter(status=AgreementStatus.SUBMITTED)
        .exclude(submitted_by=request.user)
        .select_related("supplier", "submitted_by")
        .order_by("submitted_at", "pk")
    )
    return render(request, "agreements/review_queue.html", {"agreements": agreements})
