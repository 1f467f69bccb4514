"""Shared by our `clean_old_history` and `clean_duplicate_history`: simple-history's pruning
commands, except for the history of the record of what the FG approved."""

from __future__ import annotations

from django.core.management.base import CommandError

# The approved content and the decisions, and the products and suppliers as the FG saw
# them: "changed since approval" rebuilds the approved content from this history, and an
# auditor reads it (AVG art. 5(2)). It is never pruned.
KEPT_HISTORY = frozenset(
    {
        "agreements.agreement",
        "agreements.document",
        "agreements.review",
        "agreements.privacynotice",
        "agreements.subprocessor",
        "suppliers.supplier",
        "suppliers.product",
    }
)


class KeepRecordHistoryMixin:
    def handle(self, *args, **options):
        named = [name.lower() for name in (options.get("models") or args)]
        refused = sorted(name for name in named if name in KEPT_HISTORY)
        if refused:
            raise CommandError(
                "De geschiedenis van "
                + ", ".join(refused)
                + " wordt nooit opgeschoond: het is het bewijs van wat de FG goedkeurde. "
                "Er is niets verwijderd."
            )
        return super().handle(*args, **options)

    def _process(self, to_process, *args, **kwargs):
        kept = {pair for pair in to_process if pair[0]._meta.label_lower in KEPT_HISTORY}
        for label in sorted(model._meta.label for model, _history in kept):
            self.stdout.write(f"{label}: geschiedenis blijft bewaard (niet opgeschoond)")
        return super()._process(set(to_process) - kept, *args, **kwargs)
