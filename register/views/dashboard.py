from collections import Counter

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from agreements.models import Agreement, AgreementStatus
from suppliers.kept import kept_parts
from suppliers.models import Product

from ..intake import intake_agreements
from ..models import Organisation
from ..rules.flags import (
    AGREEMENT_MISSING_CODES,
    FLAG_CODES,
    SEVERITY_LABELS,
    SEVERITY_ORDER,
    compute_flags,
    matching_flags,
)

FLAGS_PER_PAGE = 50
# The first block and the intake list show this many rows, with a link to the rest.
MISSING_SHOWN = 50
INTAKES_SHOWN = 20
AWAITING_SHOWN = 10


def _flag_filter(request: HttpRequest) -> dict[str, str]:
    """The valid filters of the flag list in the query string (unknown values are ignored)."""
    chosen = {}
    if request.GET.get("severity") in SEVERITY_ORDER:
        chosen["severity"] = request.GET["severity"]
    if request.GET.get("code") in FLAG_CODES:
        chosen["code"] = request.GET["code"]
    if request.GET.get("missing") == "1":
        chosen["missing"] = "1"
    return chosen


def _filter_link(**params) -> str:
    return f"?{urlencode(params)}#flags"


def dashboard(request: HttpRequest) -> HttpResponse:
    """The open flags of the register (DESIGN.md section 5), the missing agreements first;
    counts by severity and code link to a paginated, filtered list of the flags."""
    if not request.user.has_perm("suppliers.view_product"):
        # An account in no role group (e.g. just made in the admin) sees nothing of the register.
        return render(request, "register/dashboard_no_role.html")
    # One more than shown tells whether there are more, without counting them all.
    intakes = list(intake_agreements()[: INTAKES_SHOWN + 1])
    # A register without products has no flags, which must not read as "op orde".
    empty = not Product.objects.exists()
    ctx = {
        **_awaiting_decision(request),
        "organisation": Organisation.load(),
        "register_empty": empty,
        "flag_sections": {} if empty else _flag_sections(request),
        "intakes": intakes[:INTAKES_SHOWN],
        "more_intakes": len(intakes) > INTAKES_SHOWN,
        "intake_list_link": "?" + urlencode({"status": AgreementStatus.DRAFT}),
    }
    return render(request, "register/dashboard.html", ctx)


def _flag_sections(request: HttpRequest) -> dict[str, str]:
    """The two sections that show the flags (the missing agreements; the counts and the
    flag list), as HTML. They show nothing but the flags, the same for every role, and
    rendering some hundred flags took most of the page's time: they are kept until the
    register changes (suppliers/kept.py)."""

    def render_sections() -> dict[str, str]:
        context = {"request": request, **_flag_context(request)}
        return {
            "missing": render_to_string("register/_dashboard_missing.html", context),
            "flags": render_to_string("register/_dashboard_flags.html", context),
        }

    # The settings the rules read change the flags too.
    vary = (settings.EXPIRING_WITHIN_DAYS, settings.ADVISED_CONDITION_LEVEL)
    return kept_parts("dashboard-flags", request, render_sections, vary)


def _flag_context(request: HttpRequest) -> dict:
    flags = compute_flags()
    missing = [f for f in flags if f.code in AGREEMENT_MISSING_CODES]
    by_code = Counter(f.code for f in flags)
    by_severity = Counter(f.severity for f in flags)
    code_counts = sorted(
        (
            {
                "code": code,
                "label": FLAG_CODES[code][1],
                "severity": FLAG_CODES[code][0],
                "severity_label": SEVERITY_LABELS[FLAG_CODES[code][0]],
                "count": n,
                "link": _filter_link(code=code),
            }
            for code, n in by_code.items()
        ),
        key=lambda row: (SEVERITY_ORDER[row["severity"]], row["code"]),
    )
    chosen = _flag_filter(request)
    shown = matching_flags(
        flags,
        severity=chosen.get("severity"),
        code=chosen.get("code"),
        missing="missing" in chosen,
    )
    return {
        "missing_agreement": missing[:MISSING_SHOWN],
        "missing_count": len(missing),
        "missing_link": _filter_link(missing="1"),
        "flag_count": len(flags),
        "severity_counts": [
            {
                "severity": s,
                "label": SEVERITY_LABELS[s],
                "count": by_severity[s],
                "link": _filter_link(severity=s),
            }
            for s in SEVERITY_ORDER
        ],
        "code_counts": code_counts,
        "chosen": chosen,
        "chosen_label": _chosen_label(chosen),
        "shown_count": len(shown),
        "page": Paginator(shown, FLAGS_PER_PAGE).get_page(request.GET.get("page")),
    }


def _chosen_label(chosen: dict[str, str]) -> str:
    """The active filter in words, for the heading of the flag list."""
    parts = []
    if "missing" in chosen:
        parts.append(_("producten zonder goedgekeurde overeenkomst"))
    if "severity" in chosen:
        parts.append(_("ernst %(label)s") % {"label": SEVERITY_LABELS[chosen["severity"]]})
    if "code" in chosen:
        parts.append(str(FLAG_CODES[chosen["code"]][1]))
    return ", ".join(parts)


def _awaiting_decision(request: HttpRequest) -> dict:
    """For an FG, the agreements waiting for their decision, oldest first (never their own
    submissions, AVG art. 38); the dashboard starts with them."""
    if not request.user.has_perm("agreements.review_agreement"):
        return {"is_reviewer": False}
    waiting = list(
        Agreement.objects.awaiting_review_by(request.user)
        .select_related("supplier", "submitted_by")
        .order_by("submitted_at", "pk")[: AWAITING_SHOWN + 1]
    )
    return {
        "is_reviewer": True,
        "awaiting": waiting[:AWAITING_SHOWN],
        "more_awaiting": len(waiting) > AWAITING_SHOWN,
    }
