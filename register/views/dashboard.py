from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..models import Organisation


def dashboard(request: HttpRequest) -> HttpResponse:
    ctx = {"organisation": Organisation.load()}
    return render(request, "register/dashboard.html", ctx)
