from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from suppliers.kept import kept_parts
from suppliers.models import Product, Supplier

from . import services
from .checklist import completeness, contradictions, flows_against_agreement
from .forms import (
    AgreementFilterForm,
    AgreementForm,
    DecisionForm,
    DocumentUploadForm,
    FindingForm,
    FindingSettleForm,
    PrivacyNoticeForm,
    SubprocessorFormSet,
    SupplierChoiceForm,
    TerminateForm,
)
from .history import agreement_timeline, approval_baseline, changes_since
from .models import (
    APPROVED_NOTICE_FIELDS,
    Agreement,
    AgreementStatus,
    Decision,
    Document,
    Finding,
    FindingStatus,
    PrivacyNotice,
    Review,
    attach_product_names,
    attach_subprocessors,
    load_content_values,
)
from .panels import agreement_panels, review_panels

PAGE_SIZE = 50
T = TypeVar("T")
CONFLICT_MESSAGE = gettext_lazy(
    "Niet opgeslagen: iemand anders heeft deze overeenkomst gewijzigd nadat u haar opende. "
    "Hieronder ziet u wat er veranderd is; uw invoer staat nog in het formulier. Open de "
    "overeenkomst opnieuw en voer uw wijzigingen daarin door."
)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@dataclass
class _Outcome(Generic[T]):
    """What a service did for the user: its result, or nothing when it refused."""

    result: T | None = None
    conflict: list | None = None  # a stale edit: what the other editor changed meanwhile

    @property
    def done(self) -> bool:
        return self.result is not None


def _carry_out(request: HttpRequest, service: Callable[..., T], **kwargs) -> _Outcome[T]:
    """`service(user=request.user, **kwargs)`, with a refusal told to the user as an error
    message (the service wrote nothing): the ValidationError's own text, or for a stale edit
    the conflict message, keeping the other editor's changes for the page to show."""
    try:
        return _Outcome(result=service(user=request.user, **kwargs))
    except services.ConcurrentEditError as error:
        messages.error(request, CONFLICT_MESSAGE)
        return _Outcome(conflict=error.changes)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return _Outcome()


def _get_agreement(pk: int) -> Agreement:
    return get_object_or_404(Agreement.objects.select_related("supplier", "submitted_by"), pk=pk)


@permission_required("agreements.view_agreement", raise_exception=True)
def agreement_list(request: HttpRequest) -> HttpResponse:
    form = AgreementFilterForm(request.GET or None)
    agreements = Agreement.objects.select_related("supplier")
    sort = "reference"
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            query = data["q"].strip()
            matching = Agreement.objects.filter(
                Q(reference__icontains=query)
                | Q(supplier__name__icontains=query)
                | Q(products__name__icontains=query)
            ).values("pk")
            agreements = agreements.filter(pk__in=matching)
        if data["status"]:
            agreements = agreements.filter(status=data["status"])
        supplier_name = data["supplier_name"].strip()
        if supplier_name:
            agreements = agreements.filter(supplier__name__icontains=supplier_name)
        if data["supplier"]:
            agreements = agreements.filter(supplier=data["supplier"])
        if data["model"]:
            agreements = agreements.filter(model=data["model"])
        if data["expiring"]:
            agreements = agreements.not_terminated().ending_in_expiry_window()
        sort = data["sort"] or "reference"
    agreements = agreements.order_by(AgreementFilterForm.SORTS[sort], "reference")

    def render_rows() -> dict[str, str]:
        page = Paginator(agreements, PAGE_SIZE).get_page(request.GET.get("page"))
        # "Gewijzigd na akkoord" compares an approved agreement's content with its approval:
        # read as plain values for the approved ones on this page (a handful of queries),
        # rather than as objects of every related table for all of them.
        load_content_values(
            (agreement for agreement in page.object_list if agreement.is_approved),
            approvals=True,
        )
        attach_product_names(page.object_list)
        context = {
            "request": request,
            "page": page,
            "sort": sort,
            "sort_links": _sort_links(request, sort),
        }
        return {"rows": render_to_string("agreements/_agreement_rows.html", context)}

    ctx = {
        # The rows show register data only, the same for everyone: kept until it changes.
        "rows": kept_parts("agreement-list", request, render_rows)["rows"],
        "form": form,
        "sort": sort,
        "query": request.GET.get("q", ""),
        "chosen_supplier": form.cleaned_data["supplier"] if form.is_valid() else None,
        "without_supplier": _without(request, "supplier", "page"),
    }
    return render(request, "agreements/agreement_list.html", ctx)


def _without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def _sort_links(request: HttpRequest, current: str) -> dict[str, str]:
    """For each sortable column, the query string that sorts by it (toggling direction)."""
    links = {}
    for column in ("reference", "supplier", "status", "ends_on"):
        params = request.GET.copy()
        params.pop("page", None)
        params["sort"] = f"-{column}" if current == column else column
        links[column] = params.urlencode()
    return links


def _detail_context(request: HttpRequest, agreement: Agreement | int, **extra) -> dict:
    """The agreement page's context; `agreement` may be its pk (404 when there is none)."""
    pk = agreement if isinstance(agreement, int) else agreement.pk
    # The prefetches of with_fingerprint_content(), with the names the page shows.
    agreement = get_object_or_404(
        Agreement.objects.select_related("supplier", "submitted_by").prefetch_related(
            Prefetch("reviews", queryset=Review.objects.select_related("reviewer")),
            Prefetch(
                "products", queryset=Product.objects.select_related("supplier").order_by("name")
            ),
            "attributes",
            Prefetch(
                "documents",
                queryset=Document.objects.select_related("uploaded_by").order_by(
                    "kind", "-version"
                ),
            ),
            Prefetch(
                "privacy_notices",
                queryset=PrivacyNotice.objects.select_related(
                    "product", "document"
                ).prefetch_related("attributes"),
            ),
            Prefetch(
                "findings",
                queryset=Finding.objects.select_related("created_by", "accepted_in").order_by(
                    "created_at", "pk"
                ),
            ),
        ),
        pk=pk,
    )
    attach_subprocessors(agreement)
    # The risks each approval accepted, from the findings already read (no query per review).
    for review in agreement.reviews.all():
        review.accepted_risks = [
            f for f in agreement.findings.all() if f.accepted_in_id == review.pk
        ]
    user = request.user
    notices = {n.product_id: n for n in agreement.privacy_notices.all()}
    products = [(p, notices.get(p.pk)) for p in agreement.products.all()]
    changed = agreement.changed_since_approval()
    review = agreement.approving_review()
    fingerprint = agreement.content_fingerprint()
    approval_matches = agreement.approval_matches_content()
    # Also for a re-submitted agreement: the FG sees what changed since their last approval.
    resubmitted = (
        agreement.awaits_review and review is not None and review.fingerprint != fingerprint
    )
    show_diff = changed or resubmitted
    # An FG with a second role who wrote the content waiting for their decision.
    awaits_this_fg = services.is_fg(user) and agreement.awaits_review_by(user)
    wrote_content = awaits_this_fg and services.wrote_content(user, agreement)
    ctx = {
        "resubmitted": resubmitted,
        "agreement": agreement,
        "products": products,
        "orphan_notices": [
            n for n in notices.values() if n.product not in agreement.products.all()
        ],
        "changed_since_approval": changed,
        "approval_matches": approval_matches,
        "approving_review": review,
        "changes": changes_since(agreement, approval_baseline(review)) if show_diff else [],
        "fingerprint": fingerprint,
        "own_submission": agreement.submitted_by_id == user.pk,
        "can_edit": user.has_perm("agreements.change_agreement") and agreement.is_editable,
        "can_submit": user.has_perm("agreements.submit_agreement")
        and agreement.may_be_submitted(approval_matches),
        "can_decide": awaits_this_fg and not wrote_content,
        "wrote_content": wrote_content,
        "wrote_content_message": services.wrote_content_message(),
        "can_terminate": user.has_perm("agreements.terminate_agreement")
        and agreement.can_move_to(AgreementStatus.TERMINATED),
        "can_upload": user.has_perm("agreements.add_document") and agreement.is_editable,
    }
    ctx.update(_review_context(agreement, user))
    ctx["agreement_panels"] = agreement_panels(request, agreement)
    for panel in ctx["agreement_panels"]:
        for key, value in panel.context.items():
            ctx.setdefault(key, value)
    if ctx["pending_approval"]:
        # What higher apps add (the register: the flags an approval would leave open).
        ctx["review_panels"] = review_panels(request, agreement)
        for panel in ctx["review_panels"]:
            for key, value in panel.context.items():
                ctx.setdefault(key, value)  # the page's own names win
    ctx.setdefault("decision_form", DecisionForm(initial={"fingerprint": ctx["fingerprint"]}))
    ctx.setdefault("finding_form", FindingForm())
    ctx.setdefault("terminate_form", TerminateForm())
    ctx.setdefault("upload_form", DocumentUploadForm())
    ctx.update(extra)
    return ctx


# Statuses in which an approval is still to come: the page shows what it would leave open.
PENDING_STATUSES = frozenset(
    {
        AgreementStatus.DRAFT,
        AgreementStatus.SUBMITTED,
        AgreementStatus.CHANGES_REQUESTED,
        AgreementStatus.REJECTED,
    }
)


def _review_context(agreement: Agreement, user) -> dict:
    """The checklist, the flows against the agreed attributes, contradictions and findings
    (issue 17: the FG reviews with everything in view)."""
    findings = list(agreement.findings.all())
    latest = next(iter(agreement.reviews.all()), None)  # reviews are newest first
    checklist = completeness(agreement)
    return {
        "checklist": checklist,
        "checklist_complete": all(item.done for item in checklist),
        "contradictions": contradictions(agreement),
        "product_flows": flows_against_agreement(agreement),
        "pending_approval": agreement.status in PENDING_STATUSES,
        "findings": [f for f in findings if f.status != FindingStatus.WITHDRAWN],
        "withdrawn_findings": [f for f in findings if f.status == FindingStatus.WITHDRAWN],
        "open_findings": [f for f in findings if f.status == FindingStatus.TO_RESOLVE],
        "accepted_risks": [f for f in findings if f.status == FindingStatus.ACCEPTED],
        "change_request": latest
        if agreement.status == AgreementStatus.CHANGES_REQUESTED
        and latest is not None
        and latest.decision == Decision.CHANGES_REQUESTED
        else None,
        "can_record_findings": user.has_perm("agreements.add_finding") and agreement.is_editable,
        "can_settle_findings": user.has_perm("agreements.change_finding") and agreement.is_editable,
        "finding_statuses": FindingStatus.choices,
    }


@permission_required("agreements.view_agreement", raise_exception=True)
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "agreements/agreement_detail.html", _detail_context(request, pk))


@permission_required("agreements.add_agreement", raise_exception=True)
def agreement_create(request: HttpRequest) -> HttpResponse:
    supplier = None
    supplier_id = (
        request.POST.get("supplier")
        or request.GET.get("leverancier")
        or request.GET.get("supplier")
    )
    if supplier_id:
        supplier = (
            Supplier.objects.filter(pk=supplier_id).first() if supplier_id.isdigit() else None
        )
    if supplier is None and request.method != "POST":
        choose = SupplierChoiceForm(request.GET)
        suppliers, more = choose.matches()
        ctx = {
            "form": choose,
            "suppliers": suppliers,
            "more": more,
            "any_supplier": bool(suppliers) or Supplier.objects.exists(),
        }
        return render(request, "agreements/agreement_choose_supplier.html", ctx)
    # From a product's page: the agreement starts out covering that product.
    product_id = request.GET.get("product", "")
    initial = {}
    if supplier is not None and product_id.isdigit():
        product = supplier.products.filter(pk=product_id).first()
        if product is not None:
            initial["products"] = [product]
    form = AgreementForm(request.POST or None, supplier=supplier, initial=initial)
    formset = SubprocessorFormSet(request.POST or None, prefix="sub")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        agreement = services.save_agreement(
            form=form, subprocessor_formset=formset, user=request.user, expected_version=None
        )
        messages.success(request, _("Overeenkomst %(ref)s is aangemaakt.") % {"ref": agreement})
        return redirect(agreement)
    ctx = {"form": form, "formset": formset, "supplier": supplier}
    return render(request, "agreements/agreement_form.html", ctx)


@permission_required("agreements.change_agreement", raise_exception=True)
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _get_agreement(pk)
    if not agreement.is_editable:
        messages.error(request, _("Een beëindigde overeenkomst kan niet meer worden gewijzigd."))
        return redirect(agreement)
    form = AgreementForm(request.POST or None, instance=agreement)
    formset = SubprocessorFormSet(request.POST or None, instance=agreement, prefix="sub")
    conflict = None
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        outcome = _carry_out(
            request,
            services.save_agreement,
            form=form,
            subprocessor_formset=formset,
            expected_version=form.cleaned_data.get("version"),
        )
        if outcome.done:
            messages.success(request, _("Wijzigingen opgeslagen."))
            return redirect(agreement)
        conflict = outcome.conflict
    ctx = {"form": form, "formset": formset, "agreement": agreement, "conflict": conflict}
    return render(request, "agreements/agreement_form.html", ctx)


@require_POST
@permission_required("agreements.submit_agreement", raise_exception=True)
def agreement_submit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _get_agreement(pk)
    if _carry_out(request, services.submit_agreement, agreement=agreement).done:
        messages.success(request, _("Ingediend ter beoordeling bij de FG."))
    return redirect(agreement)


@require_POST
@permission_required("agreements.review_agreement", raise_exception=True)
def agreement_decide(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _get_agreement(pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide_agreement(
                agreement=agreement,
                user=request.user,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
                seen_fingerprint=form.cleaned_data["fingerprint"],
                incomplete_reason=form.cleaned_data["incomplete_reason"],
            )
        except ValidationError as error:
            if error.code == "stale":
                # The content changed while the FG read it: the page shows the new content,
                # and the FG's words stay in the form, to confirm again after reading.
                messages.error(request, _error_text(error))
                agreement = _get_agreement(pk)
                kept = DecisionForm(
                    initial={
                        **{name: form.cleaned_data[name] for name in DecisionForm.KEPT},
                        "fingerprint": agreement.content_fingerprint(),
                    }
                )
                ctx = _detail_context(request, agreement, decision_form=kept)
                return render(request, "agreements/agreement_detail.html", ctx, status=409)
            if error.code != "incomplete_reason_required":
                messages.error(request, _error_text(error))
                return redirect(agreement)
            # Keep the FG's input: the page asks for the reason beside the checklist.
            form.add_error("incomplete_reason", error)
        else:
            messages.success(
                request,
                _("Uw besluit over %(ref)s is vastgelegd: %(decision)s.")
                % {
                    "ref": agreement.reference,
                    "decision": Decision(form.cleaned_data["decision"]).label,
                },
            )
            return redirect("agreements:review_queue")
    ctx = _detail_context(request, agreement, decision_form=form)
    return render(request, "agreements/agreement_detail.html", ctx, status=400)


@require_POST
@permission_required("agreements.terminate_agreement", raise_exception=True)
def agreement_terminate(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _get_agreement(pk)
    form = TerminateForm(request.POST)
    if form.is_valid():
        terminated = _carry_out(
            request,
            services.terminate_agreement,
            agreement=agreement,
            reason=form.cleaned_data["reason"],
        )
        if terminated.done:
            messages.success(request, _("De overeenkomst is beëindigd."))
        return redirect(agreement)
    ctx = _detail_context(request, agreement, terminate_form=form)
    return render(request, "agreements/agreement_detail.html", ctx, status=400)


@permission_required("agreements.add_document", raise_exception=True)
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _get_agreement(pk)
    form = DocumentUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.upload_document(
                agreement=agreement,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(
                request,
                _("%(kind)s versie %(version)s is opgeslagen.")
                % {"kind": document.get_kind_display(), "version": document.version},
            )
            return redirect(agreement)
    ctx = {"agreement": agreement, "form": form}
    return render(request, "agreements/document_form.html", ctx, status=400 if form.errors else 200)


@permission_required("agreements.view_document", raise_exception=True)
def document_download(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    document = get_object_or_404(Document, pk=document_pk, agreement_id=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("Het bestand is niet gevonden.")) from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.display_name,
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@permission_required("agreements.change_privacynotice", raise_exception=True)
def privacy_notice_edit(request: HttpRequest, pk: int, product_pk: int) -> HttpResponse:
    agreement = _get_agreement(pk)
    product = get_object_or_404(Product, pk=product_pk, agreements=agreement)
    notice = PrivacyNotice.objects.filter(agreement=agreement, product=product).first()
    if notice is not None:
        initial = {
            "attributes": list(notice.attributes.all()),
            "subprocessors": list(notice.subprocessors.all()),
            "note": notice.note,
            **{name: getattr(notice, name) for name in APPROVED_NOTICE_FIELDS},
        }
    else:
        initial = {"attributes": list(agreement.attributes.all())}
    initial["version"] = agreement.version
    form = PrivacyNoticeForm(
        request.POST or None, request.FILES or None, initial=initial, agreement=agreement
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        outcome = _carry_out(
            request,
            services.save_privacy_notice,
            agreement=agreement,
            product=product,
            attributes=form.cleaned_data["attributes"],
            note=form.cleaned_data["note"],
            content={name: form.cleaned_data[name] for name in APPROVED_NOTICE_FIELDS},
            subprocessors=form.cleaned_data["subprocessors"],
            upload=form.cleaned_data.get("file") or None,
            expected_version=form.cleaned_data["version"],
        )
        if outcome.done:
            messages.success(
                request,
                _("Privacybijsluiter voor %(product)s opgeslagen.") % {"product": product.name},
            )
            return redirect(agreement)
        conflict = outcome.conflict
    ctx = {
        "agreement": agreement,
        "product": product,
        "notice": notice,
        "form": form,
        "conflict": conflict,
    }
    return render(request, "agreements/privacy_notice_form.html", ctx)


@permission_required("agreements.view_agreement", raise_exception=True)
def agreement_history(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _get_agreement(pk)
    ctx = {"agreement": agreement, "entries": agreement_timeline(agreement)}
    return render(request, "agreements/agreement_history.html", ctx)


@permission_required("agreements.review_agreement", raise_exception=True)
def review_queue(request: HttpRequest) -> HttpResponse:
    """Agreements waiting for this FG, oldest first; never their own submissions (art. 38)."""
    agreements = (
        Agreement.objects.awaiting_review_by(request.user)
        .select_related("supplier", "submitted_by")
        .annotate(review_count=Count("reviews"))
        .order_by("submitted_at", "pk")
    )
    page = Paginator(agreements, PAGE_SIZE).get_page(request.GET.get("page"))
    attach_product_names(page.object_list)
    ctx = {"page": page, "agreements": page.object_list}
    return render(request, "agreements/review_queue.html", ctx)


@require_POST
@permission_required("agreements.add_finding", raise_exception=True)
def finding_create(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _get_agreement(pk)
    form = FindingForm(request.POST)
    if form.is_valid():
        finding = _carry_out(
            request, services.record_finding, agreement=agreement, **form.cleaned_data
        ).result
        if finding is not None:
            messages.success(
                request,
                _("Bevinding “%(topic)s” vastgelegd (risico %(risk)s).")
                % {"topic": finding.topic, "risk": finding.get_risk_display().lower()},
            )
        return redirect(f"{agreement.get_absolute_url()}#bevindingen")
    ctx = _detail_context(request, agreement, finding_form=form)
    return render(request, "agreements/agreement_detail.html", ctx, status=400)


@require_POST
@permission_required("agreements.change_finding", raise_exception=True)
def finding_settle(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    finding = get_object_or_404(Finding, pk=finding_pk, agreement_id=pk)
    form = FindingSettleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Kies hoe de bevinding is afgehandeld."))
    else:
        settled = _carry_out(
            request, services.settle_finding, finding=finding, status=form.cleaned_data["status"]
        ).result
        if settled is not None:
            messages.success(
                request,
                _("Bevinding “%(topic)s”: %(status)s.")
                % {"topic": settled.topic, "status": settled.get_status_display().lower()},
            )
    return redirect(f"{finding.agreement.get_absolute_url()}#bevindingen")
