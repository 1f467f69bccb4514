"""The procurement check (Inkoopcheck): the verdict of DESIGN.md section 6, its PDF, and
the intake of a tool that is not in the register yet."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import F, Func, IntegerField, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agreements.models import Agreement
from suppliers.models import Product

from ..intake import IntakeForm
from ..models import Organisation
from ..rules.verdict import Verdict, verdict_and_flags_for, verdict_for

SUGGESTION_LIMIT = 10
NAME_LIMIT = 20  # names offered while typing (static/js/product-suggestions.js)
NAME_MIN_LENGTH = 2


def _check(request: HttpRequest) -> tuple[str, str, Verdict | None]:
    query = request.GET.get("q", "").strip()
    supplier = request.GET.get("supplier", "").strip()
    verdict = verdict_for(query, supplier=supplier or None) if query else None
    return query, supplier, verdict


def _check_url(name: str, supplier: str = "") -> str:
    params = {"q": name, "supplier": supplier} if supplier else {"q": name}
    return f"{reverse('register:procurement_check')}?{urlencode(params)}"


@permission_required("suppliers.view_product", raise_exception=True)
def procurement_check(request: HttpRequest, intake_form: IntakeForm | None = None) -> HttpResponse:
    query, supplier, verdict = _check(request)
    can_file = request.user.has_perm("suppliers.file_intake")
    if intake_form is None and can_file and verdict and verdict.verdict == "unknown":
        if not verdict.ambiguous:
            intake_form = IntakeForm(initial={"name": query, "supplier_name": supplier})
    ctx = {
        "query": query,
        "supplier": supplier,
        "empty_query": "q" in request.GET and not query,  # "Controleren" on an empty field
        "verdict": verdict,
        "suggestions": _suggestions(query, verdict),
        "intake_form": intake_form,
        "can_file_intake": can_file,
        "pdf_url": (
            f"{reverse('register:procurement_pdf')}?{request.GET.urlencode()}" if verdict else ""
        ),
    }
    return render(request, "register/procurement_check.html", ctx)


def _suggestions(query: str, verdict: Verdict | None) -> list[Product]:
    """Products whose name contains the query, when no product has exactly that name."""
    if verdict is None or verdict.verdict != "unknown" or verdict.ambiguous:
        return []
    products = Product.objects.filter(name__icontains=query).select_related("supplier")
    return list(products.order_by("name", "supplier__name")[:SUGGESTION_LIMIT])


@permission_required("suppliers.view_product", raise_exception=True)
def procurement_names(request: HttpRequest) -> JsonResponse:
    """At most NAME_LIMIT product names containing ?q=, for the suggestions while typing."""
    query = request.GET.get("q", "").strip()
    names: list[str] = []
    if len(query) >= NAME_MIN_LENGTH:
        matching = Product.objects.filter(name__icontains=query).order_by("name")
        names = list(matching.values_list("name", flat=True).distinct()[:NAME_LIMIT])
    return JsonResponse({"names": names})


@permission_required("suppliers.view_product", raise_exception=True)
def procurement_pdf(request: HttpRequest) -> HttpResponse:
    """The verdict as a printable A4 PDF, with the date and the register's state."""
    from weasyprint import HTML  # heavy import; only when a PDF is made

    query = request.GET.get("q", "").strip()
    if not query:
        return redirect("register:procurement_check")
    # Only this product's flags (the PDF is about one product), read with its verdict.
    supplier = request.GET.get("supplier", "").strip()
    verdict, own_flags = verdict_and_flags_for(query, supplier=supplier or None)
    ctx = {
        "verdict": verdict,
        "query": query,
        "generated_at": timezone.localtime(),
        "checked_by": request.user,
        "own_flags": own_flags,
    }
    ctx["organisation"], ctx["product_count"], ctx["agreement_count"] = _register_state()
    html = render_to_string("register/procurement_pdf.html", ctx, request=request)
    pdf = HTML(string=html).write_pdf()
    name = slugify(verdict.product.name if verdict.product else query) or "product"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="inkoopcheck-{name}-{timezone.localdate():%Y-%m-%d}.pdf"'
    )
    return response


def _register_state() -> tuple[Organisation, int, int]:
    """The organisation and how many products and agreements the register holds, for the
    PDF's heading and its "stand van het register": one query (the page's budget is 20)."""
    count = Func(F("pk"), function="COUNT", output_field=IntegerField())
    organisation = (
        Organisation.objects.filter(pk=1)  # the one row Organisation.load() reads
        .annotate(
            product_count=Subquery(Product.objects.order_by().values(n=count)),
            agreement_count=Subquery(Agreement.objects.order_by().values(n=count)),
        )
        .first()
    )
    if organisation is None:  # not filled in yet: the placeholder, and the counts on their own
        return Organisation.load(), Product.objects.count(), Agreement.objects.count()
    return organisation, organisation.product_count, organisation.agreement_count


@require_POST
@permission_required("suppliers.file_intake", raise_exception=True)
def procurement_intake(request: HttpRequest) -> HttpResponse:
    """File an intake: a proposed product and a draft agreement for the privacy officer."""
    form = IntakeForm(request.POST)
    if form.is_valid():
        try:
            agreement = form.file(user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            product = agreement.products.get()
            messages.success(
                request,
                _(
                    "Intakeverzoek ingediend: %(product)s staat nu als voorgesteld product in het "
                    "register, met conceptovereenkomst %(ref)s. De privacy officer pakt het op; "
                    "tot de FG de overeenkomst heeft goedgekeurd mag het product geen "
                    "persoonsgegevens ontvangen."
                )
                % {"product": product.name, "ref": agreement.reference},
            )
            return redirect(_check_url(product.name, product.supplier.name))
    request.GET = request.GET.copy()
    request.GET["q"] = form.data.get("name", "")
    return procurement_check(request, intake_form=form)
