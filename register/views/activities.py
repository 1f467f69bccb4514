from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ..models import Organisation, ProcessingActivity

PAGE_SIZE = 50


def activity_list(request: HttpRequest) -> HttpResponse:
    activities = ProcessingActivity.objects.all()
    query = request.GET.get("q", "").strip()
    if query:
        activities = activities.filter(Q(name__icontains=query) | Q(purposes__icontains=query))
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"page": page, "query": query, "organisation": Organisation.load()}
    return render(request, "register/activity_list.html", ctx)


def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(ProcessingActivity, pk=pk)
    ctx = {"activity": activity, "products": activity.products.select_related("supplier")}
    return render(request, "register/activity_detail.html", ctx)
