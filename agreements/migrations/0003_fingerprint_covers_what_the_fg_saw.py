"""The fingerprint now covers what the FG saw: reference, supplier, model, signatory and the
covered products by supplier and name (agreements.models.APPROVED_FIELDS).

Without this migration every approval in a live register would read as "changed since
approval" after the upgrade, although nothing changed. So each review whose stored
fingerprint equals the OLD definition's fingerprint of the agreement's content as it is now
(the approval held before the upgrade) gets the NEW definition's fingerprint of that same
content, with a history record saying why. Reviews that no longer matched keep their
fingerprint: they stay outdated. Both definitions are frozen here, as they were at this
migration; it runs before reviews become append-only (0004).
"""

import hashlib
import json

from django.db import migrations
from django.utils import timezone

CHUNK = 500
REASON = "Vingerafdruk omgerekend: dekt nu ook kenmerk, leverancier, model, ondertekenaar en productnamen"

# agreements.models.APPROVED_FIELDS at this migration.
APPROVED_FIELDS = (
    "reference",
    "supplier",
    "model",
    "signed_on",
    "signed_by",
    "starts_on",
    "ends_on",
    "purposes",
    "data_subjects",
    "retention",
    "processing_locations",
    "transfer_outside_eea",
    "transfer_safeguard",
)
OLD_FIELDS = (
    "purposes",
    "data_subjects",
    "retention",
    "processing_locations",
    "transfer_outside_eea",
    "transfer_safeguard",
    "signed_on",
    "starts_on",
    "ends_on",
)


def _fingerprint(content: dict) -> str:
    payload = json.dumps(content, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _related(apps, ids: list[int]) -> dict[int, dict]:
    """The related content of these agreements as plain values, in six queries."""
    Agreement = apps.get_model("agreements", "Agreement")
    PrivacyNotice = apps.get_model("agreements", "PrivacyNotice")
    Subprocessor = apps.get_model("agreements", "Subprocessor")
    Document = apps.get_model("agreements", "Document")
    related = {
        pk: {"products": [], "attributes": [], "notices": {}, "subprocessors": [], "documents": {}}
        for pk in ids
    }
    products = Agreement._meta.get_field("products").remote_field.through
    for agreement_id, *product in products.objects.filter(agreement_id__in=ids).values_list(
        "agreement_id", "product_id", "product__supplier__name", "product__name"
    ):
        related[agreement_id]["products"].append(product)
    attributes = Agreement._meta.get_field("attributes").remote_field.through
    for agreement_id, code in attributes.objects.filter(agreement_id__in=ids).values_list(
        "agreement_id", "attribute__code"
    ):
        related[agreement_id]["attributes"].append(code)
    for notice_id, agreement_id, product_id, code in PrivacyNotice.objects.filter(
        agreement_id__in=ids
    ).values_list("pk", "agreement_id", "product_id", "attributes__code"):
        notice = related[agreement_id]["notices"].setdefault(notice_id, [product_id, []])
        if code is not None:
            notice[1].append(code)
    # A JSON restore (register/backup.py) runs this on today's models, where `country` became
    # `countries` (0006; a single country reads the same, "NL").
    names = {f.name for f in Subprocessor._meta.get_fields()}
    location = "country" if "country" in names else "countries"
    for agreement_id, *subprocessor in Subprocessor.objects.filter(
        agreement_id__in=ids
    ).values_list("agreement_id", "name", "service", location, "safeguard"):
        related[agreement_id]["subprocessors"].append(subprocessor)
    for agreement_id, kind, version, sha256 in Document.objects.filter(
        agreement_id__in=ids
    ).values_list("agreement_id", "kind", "version", "sha256"):
        latest = related[agreement_id]["documents"]
        if kind not in latest or version > latest[kind][0]:
            latest[kind] = (version, sha256)
    return related


def _both_fingerprints(row: dict, related: dict) -> tuple[str, str]:
    """(old definition, new definition) of one agreement's fingerprint."""
    shared = {
        "attributes": sorted(related["attributes"]),
        "privacy_notices": sorted(
            [product_id, sorted(codes)] for product_id, codes in related["notices"].values()
        ),
        "subprocessors": sorted(list(s) for s in related["subprocessors"]),
        "documents": sorted([kind, sha256] for kind, (_v, sha256) in related["documents"].items()),
    }
    old = {
        **shared,
        "products": sorted(product_id for product_id, _s, _n in related["products"]),
        **{name: _plain(row[name]) for name in OLD_FIELDS},
    }
    new = {
        **shared,
        "products": sorted(list(product) for product in related["products"]),
        **{name: _plain(row[name]) for name in APPROVED_FIELDS if name != "supplier"},
        "supplier": [row["supplier_id"], row["supplier__name"]],
    }
    return _fingerprint(old), _fingerprint(new)


def upgrade_fingerprints(apps, schema_editor=None) -> int:
    """Give every review that still matched its agreement the new definition's fingerprint.
    Returns the number of reviews upgraded."""
    Agreement = apps.get_model("agreements", "Agreement")
    Review = apps.get_model("agreements", "Review")
    HistoricalReview = apps.get_model("agreements", "HistoricalReview")
    ids = sorted(set(Review.objects.values_list("agreement_id", flat=True)))
    now = timezone.now()
    upgraded = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        related = _related(apps, chunk)
        rows = Agreement.objects.filter(pk__in=chunk).values(
            "pk", "supplier_id", "supplier__name", *(f for f in APPROVED_FIELDS if f != "supplier")
        )
        prints = {row["pk"]: _both_fingerprints(row, related[row["pk"]]) for row in rows}
        changed = []
        for review in Review.objects.filter(agreement_id__in=chunk).order_by("pk"):
            old, new = prints[review.agreement_id]
            if review.fingerprint == old:
                review.fingerprint = new
                changed.append(review)
        Review.objects.bulk_update(changed, ["fingerprint"])
        # What simple-history would have written for a save, with the reason.
        HistoricalReview.objects.bulk_create(
            HistoricalReview(
                id=review.pk,
                agreement_id=review.agreement_id,
                decision=review.decision,
                comment=review.comment,
                reviewer_id=review.reviewer_id,
                reviewer_name=review.reviewer_name,
                decided_at=review.decided_at,
                fingerprint=review.fingerprint,
                imported=review.imported,
                history_date=now,
                history_type="~",
                history_change_reason=REASON,
            )
            for review in changed
        )
        upgraded += len(changed)
    return upgraded


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0002_remindersent"),
        ("suppliers", "0003_names_without_list_separator"),
    ]

    operations = [
        # Not reversible in meaning (the old definition covered less), but harmless to step
        # back over: an older version then reads these approvals as outdated.
        migrations.RunPython(upgrade_fingerprints, migrations.RunPython.noop),
    ]
