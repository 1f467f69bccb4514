"""Bulk writes with django-simple-history records, for the generator and the importer.

`bulk_create` sends no signals, so simple-history writes nothing by itself: `BulkWriter`
writes the history records the signals would have written, in bulk too. A new row gets one
"+" record (`create`), with the many-to-many links it is created with attached to that
record (`link`), so its history shows it as it was created. A saved row whose links change
gets a "~" record with a snapshot of all its tracked links (`links_changed`), as
simple-history's `m2m_changed` handler records it.

Every record carries the writer's timestamp, user and change reason.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models

BATCH_SIZE = 1000


def chunks(items: Sequence, size: int = BATCH_SIZE) -> Iterable[Sequence]:
    """`items` in slices of at most `size` (bounded IN lists and insert batches)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _history_m2m_model(model: type[models.Model], field_name: str) -> type[models.Model]:
    return apps.get_model(model._meta.app_label, f"Historical{model.__name__}_{field_name}")


def _tracked_m2m_names(model: type[models.Model]) -> list[str]:
    """The many-to-many fields whose links simple-history records for `model`."""
    manager = getattr(model, "history", None)
    if manager is None:
        return []
    return [f.name for f in manager.model._history_m2m_fields]


@dataclass
class BulkWriter:
    """Writes rows, links and their history records in bulk, with one timestamp for all."""

    now: datetime.datetime
    user: models.Model | None = None
    change_reason: str | None = None
    batch_size: int = BATCH_SIZE
    # model -> row pk -> history_id of the "+" record written by `create`.
    history_ids: dict[type, dict[int, int]] = field(default_factory=dict)

    def create(self, model: type[models.Model], objs: list) -> list:
        """Insert `objs` and write their "+" history records; returns the saved rows."""
        created = self.insert(model, objs)
        self.history(model, created)
        return created

    def insert(self, model: type[models.Model], objs: list) -> list:
        return model.objects.bulk_create(objs, batch_size=self.batch_size)

    def history(self, model: type[models.Model], objs: list, *, update: bool = False) -> list:
        """The "+" (or with `update`, "~") history records of saved rows."""
        manager = getattr(model, "history", None)
        if manager is None or not objs:
            return []
        records = manager.bulk_history_create(
            objs,
            batch_size=self.batch_size,
            update=update,
            default_user=self.user,
            default_date=self.now,
            default_change_reason=self.change_reason,
        )
        if not update:
            self.history_ids.setdefault(model, {}).update(
                {record.id: record.history_id for record in records}
            )
        return records

    def link(
        self,
        model: type[models.Model],
        field_name: str,
        pairs: list[tuple[int, int]],
        *,
        history: bool = True,
    ) -> list:
        """Rows of the many-to-many `model.field_name` as (owner pk, target pk) pairs.

        With `history`, their m2m history rows hang on the "+" record of each owner
        (written by `create` before), as the links the owner was created with.
        """
        m2m = model._meta.get_field(field_name)
        through = m2m.remote_field.through
        owner_column = m2m.m2m_column_name()
        target_column = m2m.m2m_reverse_name()
        rows = through.objects.bulk_create(
            [through(**{owner_column: a, target_column: b}) for a, b in pairs],
            batch_size=self.batch_size,
        )
        if history and field_name in _tracked_m2m_names(model):
            history_model = _history_m2m_model(model, field_name)
            owner_history = self.history_ids[model]
            history_model.objects.bulk_create(
                [
                    history_model(
                        id=row.pk,
                        history_id=owner_history[getattr(row, owner_column)],
                        **{
                            owner_column: getattr(row, owner_column),
                            target_column: getattr(row, target_column),
                        },
                    )
                    for row in rows
                ],
                batch_size=self.batch_size,
            )
        return rows

    def links_changed(self, model: type[models.Model], objs: list) -> list:
        """A "~" history record for each saved row of `objs` whose links changed, with a
        snapshot of every tracked many-to-many relation as it is now in the database
        (what simple-history's `m2m_changed` handler writes, in a fixed number of queries)."""
        records = self.history(model, objs, update=True)
        record_of = {record.id: record.history_id for record in records}
        for field_name in _tracked_m2m_names(model):
            m2m = model._meta.get_field(field_name)
            through = m2m.remote_field.through
            owner_column = m2m.m2m_column_name()
            target_column = m2m.m2m_reverse_name()
            history_model = _history_m2m_model(model, field_name)
            snapshot = []
            for part in chunks(sorted(record_of)):
                links = through.objects.filter(**{f"{owner_column}__in": part}).order_by("pk")
                for pk, owner, target in links.values_list("pk", owner_column, target_column):
                    snapshot.append(
                        history_model(
                            id=pk,
                            history_id=record_of[owner],
                            **{owner_column: owner, target_column: target},
                        )
                    )
            history_model.objects.bulk_create(snapshot, batch_size=self.batch_size)
        return records
