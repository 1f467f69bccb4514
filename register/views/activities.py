"""The processing register (Art. 30(1) AVG): activities and the organisation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from suppliers.concurrency import StaleEditError, save_or_refuse, stale_edit_message
from suppliers.history import history_entries
from suppliers.models import Product

from ..forms import OrganisationForm, ProcessingActivityForm
from ..models import Organisation, ProcessingActivity
from ..reports import activity_register_filename, dpia_documents, render_activity_register
from ..rules.flags import Flag, activity_flags, load_activity_register
from ..services import copy_derived_into_activity
from . import pdf_download

PAGE_SIZE = 50
HISTORY_SIZE = 20
# The product picker of the activity form: the search field, its button, matches shown.
PRODUCT_SEARCH_FIELD = "product_zoekterm"
PRODUCT_SEARCH_BUTTON = "zoek_producten"
PRODUCT_SEARCH_LIMIT = 25

# ?sort= value -> ordering; the first is the default.
SORTS = {
    "naam": ("name",),
    "-naam": ("-name",),
    "grondslag": ("legal_bases", "name"),
    "-grondslag": ("-legal_bases", "name"),
    "gewijzigd": ("updated_at", "name"),
    "-gewijzigd": ("-updated_at", "name"),
    "producten": ("product_count", "name"),
    "-producten": ("-product_count", "name"),
}


@permission_required("register.view_processingactivity", raise_exception=True)
def activity_list(request: HttpRequest) -> HttpResponse:
    activities = ProcessingActivity.objects.annotate(product_count=Count("products", distinct=True))
    query = request.GET.get("q", "").strip()
    if query:
        activities = activities.filter(
            Q(name__icontains=query)
            | Q(purposes__icontains=query)
            | Q(data_subjects__icontains=query)
            | Q(personal_data__icontains=query)
            | Q(products__name__icontains=query)
        ).distinct()
    incomplete_only = request.GET.get("onvolledig") == "1"
    if incomplete_only:
        activities = activities.incomplete()
    sort = request.GET.get("sort", "naam")
    if sort not in SORTS:
        sort = "naam"
    activities = activities.order_by(*SORTS[sort])
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {
        "page": page,
        "query": query,
        "sort": sort,
        "incomplete_only": incomplete_only,
        "organisation": Organisation.load(),
        "incomplete_count": ProcessingActivity.objects.incomplete().count(),
        "unlinked_count": Product.objects.in_no_activity().count(),
        "placeholder": _("Zoek op naam, doel, betrokkenen, gegevens of product"),
    }
    return render(request, "register/activity_list.html", ctx)


@permission_required("register.view_processingactivity", raise_exception=True)
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(ProcessingActivity, pk=pk)
    today = timezone.localdate()
    data = load_activity_register(activity)
    evidence = data.evidence(activity, today)
    ctx = {
        "activity": activity,
        "products": evidence.products,
        "evidence": evidence,
        "flags": sorted(activity_flags(activity, data, today), key=Flag.sort_key),
        "dpia_documents": dpia_documents(evidence),
        "missing": activity.missing_fields(),
        "history": _history(activity),
    }
    return render(request, "register/activity_detail.html", ctx)


@permission_required("register.export_register", raise_exception=True)
def activity_register_pdf(request: HttpRequest) -> HttpResponse:
    """The Verwerkingsregister as a PDF, from the rows of the workbook's Verwerkingen sheet."""
    today = timezone.localdate()
    return pdf_download(render_activity_register(today=today), activity_register_filename(today))


@permission_required("register.change_processingactivity", raise_exception=True)
def activity_copy_derived(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then copy the derived recipients and transfers into the activity."""
    activity = get_object_or_404(ProcessingActivity, pk=pk)
    error = None
    if request.method == "POST":
        version = request.POST.get("version", "")
        try:
            copy_derived_into_activity(
                activity=activity,
                user=request.user,
                expected_version=int(version) if version.isdigit() else None,
            )
        except StaleEditError:
            error = stale_edit_message(_("deze verwerking"))
            activity.refresh_from_db()
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("Ontvangers en doorgifte van “%(name)s” overgenomen uit het bewijs.")
                % {"name": activity},
            )
            return redirect(activity)
    evidence = load_activity_register(activity).evidence(activity, timezone.localdate())
    ctx = {
        "activity": activity,
        "evidence": evidence,
        "derived_recipients": evidence.derived_recipients_text(),
        "derived_transfers": evidence.derived_transfers_text(),
        "error": error,
    }
    return render(request, "register/activity_copy_derived.html", ctx, status=409 if error else 200)


def _history(activity: ProcessingActivity) -> list[dict]:
    """The latest changes, newest first, each with the fields that changed."""
    return history_entries(activity, HISTORY_SIZE, nobody=_("systeem of import"))


@permission_required("register.add_processingactivity", raise_exception=True)
def activity_create(request: HttpRequest) -> HttpResponse:
    return _activity_form(request, None, _("Verwerking “%(name)s” toegevoegd."))


@permission_required("register.change_processingactivity", raise_exception=True)
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(ProcessingActivity, pk=pk)
    return _activity_form(request, activity, _("Verwerking “%(name)s” opgeslagen."))


def _activity_form(
    request: HttpRequest, activity: ProcessingActivity | None, saved_message: str
) -> HttpResponse:
    """The activity form. Its product search button posts the form to show it again, with
    what was entered and the products found; only the save button saves."""
    searching = request.method == "POST" and PRODUCT_SEARCH_BUTTON in request.POST
    if searching:
        initial = ProcessingActivityForm.initial_from(request.POST)
        form = ProcessingActivityForm(initial=initial, instance=activity)
    else:
        form = ProcessingActivityForm(request.POST or None, instance=activity)
        if request.method == "POST" and form.is_valid():
            saved = save_or_refuse(form, _("deze verwerking"))
            if saved is not None:
                messages.success(request, saved_message % {"name": saved})
                return redirect(saved)
    chosen = form.chosen_products()
    product_query = request.POST.get(PRODUCT_SEARCH_FIELD, "").strip() if searching else ""
    found, more = [], False
    if product_query:
        found = find_products(product_query, exclude=[p.pk for p in chosen])
        more = len(found) > PRODUCT_SEARCH_LIMIT
        found = found[:PRODUCT_SEARCH_LIMIT]
    ctx = {
        "form": form,
        "activity": activity,
        "chosen_products": chosen,
        "searched": searching,
        "product_query": product_query,
        "found_products": found,
        "more_found": more,
        "search_limit": PRODUCT_SEARCH_LIMIT,
    }
    return render(request, "register/activity_form.html", ctx)


def find_products(query: str, *, exclude: list[int]) -> list[Product]:
    """Up to PRODUCT_SEARCH_LIMIT + 1 products whose name or supplier's name contains
    `query` (one more than shown, to tell that there are more)."""
    products = (
        Product.objects.filter(Q(name__icontains=query) | Q(supplier__name__icontains=query))
        .exclude(pk__in=exclude)
        .select_related("supplier")
        .order_by("supplier__name", "name")
    )
    return list(products[: PRODUCT_SEARCH_LIMIT + 1])


@permission_required("register.view_organisation", raise_exception=True)
def organisation_detail(request: HttpRequest) -> HttpResponse:
    return render(request, "register/organisation.html", {"organisation": Organisation.load()})


@permission_required("register.change_organisation", raise_exception=True)
def organisation_edit(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None, instance=Organisation.load())
    stale = _("de gegevens van de organisatie")
    if request.method == "POST" and form.is_valid() and save_or_refuse(form, stale):
        messages.success(request, _("De gegevens van de organisatie zijn opgeslagen."))
        return redirect("register:organisation")
    return render(request, "register/organisation_form.html", {"form": form})
