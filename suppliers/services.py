"""Writes over several supplier rows (STYLE.md: services)."""

from __future__ import annotations

from django.db import transaction

from .models import DataFlow, Product


@transaction.atomic
def set_data_flows(*, product: Product, selected: set[tuple[int, str, str]]) -> tuple[int, int]:
    """Make the product's data flows exactly `selected` (attribute id, channel, subject).

    Plain saves and deletes, one row at a time, so that django-simple-history records who
    added or removed each flow. Returns (added, removed).
    """
    # Lock the product so two people saving the checklist at once cannot both add a flow.
    Product.objects.select_for_update().filter(pk=product.pk).first()
    existing = {
        (f.attribute_id, f.channel, f.subject): f for f in DataFlow.objects.filter(product=product)
    }
    removed = 0
    for key, flow in existing.items():
        if key not in selected:
            flow.delete()
            removed += 1
    added = 0
    for attribute_id, channel, subject in sorted(selected - set(existing)):
        flow = DataFlow(
            product=product, attribute_id=attribute_id, channel=channel, subject=subject
        )
        flow.full_clean()
        flow.save()
        added += 1
    return added, removed
