"""Writes over several supplier rows (STYLE.md: services)."""

from __future__ import annotations

from django.db import transaction

from .models import DataFlow, Product


@transaction.atomic
def set_data_flows(
    *,
    product: Product,
    selected: set[tuple[int, str, str]],
    shown: set[tuple[int, str, str]] | None = None,
) -> tuple[int, int]:
    """Make the product's data flows `selected` (attribute id, channel, subject).

    With `shown` (what the checklist showed ticked when the page was opened), only what the
    user changed is applied: the ticked ones that were not shown are added, the shown ones
    left unticked removed. A flow someone else added or removed in the meantime (another tab,
    a colleague) stays as they left it, instead of being undone by a page that never showed
    it. Without `shown`, the flows become exactly `selected`.

    Plain saves and deletes, one row at a time, so that django-simple-history records who
    added or removed each flow. Returns (added, removed).
    """
    # Lock the product so two people saving the checklist at once cannot both add a flow.
    Product.objects.select_for_update().filter(pk=product.pk).first()
    existing = {
        (f.attribute_id, f.channel, f.subject): f for f in DataFlow.objects.filter(product=product)
    }
    if shown is None:
        to_remove, to_add = set(existing) - selected, selected - set(existing)
    else:
        to_remove = (shown - selected) & set(existing)
        to_add = (selected - shown) - set(existing)
    removed = 0
    for key in to_remove:
        existing[key].delete()
        removed += 1
    added = 0
    for attribute_id, channel, subject in sorted(to_add):
        flow = DataFlow(
            product=product, attribute_id=attribute_id, channel=channel, subject=subject
        )
        flow.full_clean()
        flow.save()
        added += 1
    return added, removed
