from collections import Counter

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..intake import intake_agreements
from ..models import Organisation
from ..rules.flags import (
    AGREEMENT_MISSING_CODES,
    FLAG_CODES,
    SEVERITY_LABELS,
    SEVERITY_ORDER,
    compute_flags,
    group_by_severity,
)


def dashboard(request: HttpRequest) -> HttpResponse:
    """The open flags of the register (DESIGN.md section 5), the missing agreements first."""
    flags = compute_flags()
    by_code = Counter(f.code for f in flags)
    code_counts = sorted(
        (
            {
                "code": code,
                "label": FLAG_CODES[code][1],
                "severity": FLAG_CODES[code][0],
                "count": n,
            }
            for code, n in by_code.items()
        ),
        key=lambda row: (SEVERITY_ORDER[row["severity"]], row["code"]),
    )
    grouped = group_by_severity(flags)
    ctx = {
        "organisation": Organisation.load(),
        "missing_agreement": [f for f in flags if f.code in AGREEMENT_MISSING_CODES],
        "flag_count": len(flags),
        "severity_counts": [
            {"severity": s, "label": SEVERITY_LABELS[s], "count": len(items)}
            for s, items in grouped.items()
        ],
        "code_counts": code_counts,
        "grouped_flags": [(s, SEVERITY_LABELS[s], items) for s, items in grouped.items() if items],
        "intakes": intake_agreements(),
    }
    return render(request, "register/dashboard.html", ctx)
