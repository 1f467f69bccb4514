"""Readable history of an agreement: the timeline, and what changed since a moment.

Everything here reads django-simple-history records; nothing writes. Values are turned
into the text a privacy officer or FG reads (labels, codes, names, Dutch dates).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _

from suppliers.history import record_author
from suppliers.models import Attribute, Product, Supplier

from .models import Agreement, Document, PrivacyNotice, Review, Subprocessor

# Bookkeeping fields: never shown as a change.
NOISE_FIELDS = {"id", "created_at", "updated_at", "version"}
# Not content: what the FG approved does not change when these do.
WORKFLOW_FIELDS = {"status", "status_reason", "submitted_by", "submitted_at"}
# Records of one save (row, then each m2m set) by the same user are shown as one entry.
MERGE_WITHIN = datetime.timedelta(seconds=2)


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    added: str = ""  # for lists (products, attributes): what came in
    removed: str = ""  # and what went out


@dataclass
class TimelineEntry:
    when: datetime.datetime
    who: str
    title: str
    changes: list[FieldChange] = field(default_factory=list)
    note: str = ""
    kind: str = "change"


def _user_name(user) -> str:
    if user is None:
        return _("systeem")
    return user.get_full_name() or user.get_username()


class _Lookups:
    """Names for the ids that history rows hold, loaded once per page."""

    def __init__(self) -> None:
        self.attributes = dict(Attribute.objects.values_list("pk", "code"))
        self._products: dict[int, str] | None = None
        self._suppliers: dict[int, str] | None = None
        self._users: dict[int, str] | None = None

    @property
    def products(self) -> dict[int, str]:
        if self._products is None:
            self._products = {p.pk: p.name for p in Product.objects.only("pk", "name")}
        return self._products

    @property
    def suppliers(self) -> dict[int, str]:
        if self._suppliers is None:
            self._suppliers = dict(Supplier.objects.values_list("pk", "name"))
        return self._suppliers

    @property
    def users(self) -> dict[int, str]:
        if self._users is None:
            self._users = {u.pk: _user_name(u) for u in get_user_model().objects.all()}
        return self._users

    def names(self, m2m_name: str, ids) -> str:
        table = self.attributes if m2m_name == "attributes" else self.products
        names = sorted(table.get(i, f"#{i}") for i in ids)
        return ", ".join(names) if names else "—"

    def list_change(self, label: str, m2m_name: str, before: set, after: set) -> FieldChange:
        return FieldChange(
            label,
            self.names(m2m_name, before),
            self.names(m2m_name, after),
            added=self.names(m2m_name, after - before) if after - before else "",
            removed=self.names(m2m_name, before - after) if before - after else "",
        )


def _display(model: type[models.Model], name: str, value, lookups: _Lookups) -> str:
    if value is None or value == "":
        return "—"
    model_field = model._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("ja") if value else _("nee")
    if isinstance(value, datetime.datetime):
        return formats.date_format(value, "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(model_field, models.ForeignKey):
        related = model_field.related_model
        if related is Supplier:
            return lookups.suppliers.get(value, f"#{value}")
        if related is get_user_model():
            return lookups.users.get(value, f"#{value}")
        return f"#{value}"
    return str(value)


def _label(model: type[models.Model], name: str) -> str:
    return str(model._meta.get_field(name).verbose_name).capitalize()


def _tracked_fields(model: type[models.Model], exclude: set[str]) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if f.name not in exclude and f.name not in {"agreement"}
    ]


def _m2m_accessor(model: type[models.Model], name: str) -> str:
    # The reverse accessor from a historical record to its historical m2m rows.
    return f"historical{model._meta.model_name}_{name}_set"


def _m2m_ids(record, name: str) -> set[int]:
    # Rows of the historical through table, e.g. {agreement_id, attribute_id}; reads the
    # prefetched rows (prefetch `_m2m_accessor(...)`).
    target = "attribute_id" if name == "attributes" else "product_id"
    rows = getattr(record, _m2m_accessor(record.instance_type, name)).all()
    return {getattr(row, target) for row in rows}


def _record_changes(
    model: type[models.Model],
    old,
    new,
    lookups: _Lookups,
    *,
    exclude: set[str],
    m2m: tuple[str, ...] = (),
    prefix: str = "",
) -> list[FieldChange]:
    """Field-by-field changes between two historical records (old may be None: created)."""
    changes = []
    for name in _tracked_fields(model, exclude):
        attname = model._meta.get_field(name).attname
        before = getattr(old, attname) if old is not None else None
        after = getattr(new, attname) if new is not None else None
        if before != after and not (old is None and after in (None, "", False)):
            changes.append(
                FieldChange(
                    prefix + _label(model, name),
                    _display(model, name, before, lookups),
                    _display(model, name, after, lookups),
                )
            )
    for name in m2m:
        before = _m2m_ids(old, name) if old is not None else set()
        after = _m2m_ids(new, name) if new is not None else set()
        if before != after:
            changes.append(lookups.list_change(prefix + _label(model, name), name, before, after))
    return changes


def _by_object(records) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for record in records:
        grouped[record.id].append(record)
    return grouped


def _notice_records(agreement: Agreement):
    return (
        PrivacyNotice.history.filter(agreement_id=agreement.pk)
        .select_related("history_user")
        .prefetch_related(_m2m_accessor(PrivacyNotice, "attributes"))
        .order_by("history_date", "history_id")
    )


def _subprocessor_records(agreement: Agreement):
    return (
        Subprocessor.history.filter(agreement_id=agreement.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )


def agreement_timeline(agreement: Agreement) -> list[TimelineEntry]:
    """Every change and decision on an agreement, newest first, field by field."""
    lookups = _Lookups()
    entries: list[TimelineEntry] = []

    previous = None
    records = (
        agreement.history.select_related("history_user")
        .prefetch_related(
            _m2m_accessor(Agreement, "products"), _m2m_accessor(Agreement, "attributes")
        )
        .order_by("history_date", "history_id")
    )
    for record in records:
        changes = _record_changes(
            Agreement,
            previous,
            record,
            lookups,
            exclude=NOISE_FIELDS | {"submitted_at"},
            m2m=("products", "attributes"),
        )
        if previous is None:
            title = _("Overeenkomst aangemaakt")
        elif previous.status != record.status:
            title = _("Status gewijzigd")
        else:
            title = _("Overeenkomst gewijzigd")
        who = record_author(record)
        last = entries[-1] if entries else None
        if (
            last is not None
            and previous is not None
            and previous.status == record.status
            and last.kind == "change"
            and last.who == who
            and record.history_date - last.when <= MERGE_WITHIN
        ):
            # One form save writes the row and then each m2m set: show it as one edit.
            last.changes += changes
        elif changes or previous is None:
            entries.append(TimelineEntry(record.history_date, who, title, changes))
        previous = record

    for review in agreement.reviews.select_related("reviewer"):
        who = review.reviewer_name or _user_name(review.reviewer)
        title = _("Besluit FG: %(decision)s") % {"decision": review.get_decision_display()}
        if review.imported:
            title += " " + _("(geïmporteerd)")
        entries.append(
            TimelineEntry(review.decided_at, who, title, note=review.comment, kind="review")
        )

    documents = (
        Document.history.filter(agreement_id=agreement.pk, history_type="+")
        .select_related("history_user")
        .order_by("history_date")
    )
    for record in documents:
        title = _("Document geüpload: %(kind)s versie %(version)s") % {
            "kind": record.get_kind_display(),
            "version": record.version,
        }
        entries.append(
            TimelineEntry(
                record.history_date,
                record_author(record),
                title,
                note=f"{record.original_name} (sha256 {record.sha256[:12]}…)",
                kind="document",
            )
        )

    for records_of_one in _by_object(_notice_records(agreement)).values():
        previous = None
        for record in records_of_one:
            product = lookups.products.get(record.product_id, "")
            changes = _record_changes(
                PrivacyNotice,
                previous,
                record,
                lookups,
                exclude=NOISE_FIELDS | {"product"},
                m2m=("attributes",),
            )
            if previous is None:
                title = _("Privacybijsluiter toegevoegd: %(product)s") % {"product": product}
            else:
                title = _("Privacybijsluiter gewijzigd: %(product)s") % {"product": product}
            if changes or previous is None:
                entries.append(
                    TimelineEntry(record.history_date, record_author(record), title, changes)
                )
            previous = record

    for records_of_one in _by_object(_subprocessor_records(agreement)).values():
        previous = None
        for record in records_of_one:
            if record.history_type == "-":
                title = _("Subverwerker verwijderd: %(name)s") % {"name": record.name}
                changes = []
            else:
                changes = _record_changes(
                    Subprocessor, previous, record, lookups, exclude=NOISE_FIELDS
                )
                template = (
                    _("Subverwerker toegevoegd: %(name)s")
                    if previous is None
                    else _("Subverwerker gewijzigd: %(name)s")
                )
                title = template % {"name": record.name}
            if changes or previous is None or record.history_type == "-":
                entries.append(
                    TimelineEntry(record.history_date, record_author(record), title, changes)
                )
            previous = record

    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def changes_since(agreement: Agreement, since: datetime.datetime) -> list[FieldChange]:
    """What changed in the agreement's content after `since`, field by field.

    The agreement's own fields and m2m (products, agreed attributes) come from
    simple-history's `diff_against`; privacy notices, subprocessors and documents live in
    their own models' history and are compared record by record.
    """
    lookups = _Lookups()
    changes: list[FieldChange] = []

    history = agreement.history.order_by("-history_date", "-history_id")
    old = history.filter(history_date__lte=since).first()
    new = history.first()
    if old is not None and new is not None and old.pk != new.pk:
        delta = new.diff_against(old, excluded_fields=NOISE_FIELDS | WORKFLOW_FIELDS)
        for change in delta.changes:
            if change.field in ("products", "attributes"):
                target = "attribute" if change.field == "attributes" else "product"
                changes.append(
                    lookups.list_change(
                        _label(Agreement, change.field),
                        change.field,
                        {row[target] for row in change.old},
                        {row[target] for row in change.new},
                    )
                )
                continue
            else:
                before = _display(Agreement, change.field, change.old, lookups)
                after = _display(Agreement, change.field, change.new, lookups)
            changes.append(FieldChange(_label(Agreement, change.field), before, after))

    for records_of_one in _by_object(_notice_records(agreement)).values():
        before = [r for r in records_of_one if r.history_date <= since]
        after = [r for r in records_of_one if r.history_date > since]
        if not after:
            continue
        product = lookups.products.get(after[-1].product_id, "")
        prefix = _("Bijsluiter %(product)s: ") % {"product": product}
        changes += _record_changes(
            PrivacyNotice,
            before[-1] if before else None,
            after[-1],
            lookups,
            exclude=NOISE_FIELDS | {"product", "note"},
            m2m=("attributes",),
            prefix=prefix,
        )

    for records_of_one in _by_object(_subprocessor_records(agreement)).values():
        before = [r for r in records_of_one if r.history_date <= since]
        after = [r for r in records_of_one if r.history_date > since]
        if not after:
            continue
        latest = after[-1]
        old_record = before[-1] if before else None
        if latest.history_type == "-":
            if old_record is not None:
                changes.append(
                    FieldChange(
                        _("Subverwerker %(name)s") % {"name": latest.name},
                        old_record.name,
                        _("verwijderd"),
                    )
                )
            continue
        prefix = _("Subverwerker %(name)s: ") % {"name": latest.name}
        if old_record is None:
            changes.append(
                FieldChange(
                    _("Subverwerker %(name)s") % {"name": latest.name}, "—", _("toegevoegd")
                )
            )
        # For a new subprocessor its name is already in the label.
        exclude = NOISE_FIELDS | ({"name"} if old_record is None else set())
        changes += _record_changes(
            Subprocessor, old_record, latest, lookups, exclude=exclude, prefix=prefix
        )

    for document in agreement.documents.filter(uploaded_at__gt=since).order_by("kind", "version"):
        changes.append(
            FieldChange(
                _("Document %(kind)s") % {"kind": document.get_kind_display()},
                _("versie %(version)s") % {"version": document.version - 1}
                if document.version > 1
                else "—",
                _("nieuwe versie %(version)s: %(name)s")
                % {"version": document.version, "name": document.display_name},
            )
        )
    return changes


def approval_baseline(review: Review) -> datetime.datetime:
    """When the reviewed content was fixed: the moment the review row was written.

    For a decision taken in the app that is its decided_at; an imported decision may carry
    an older decided_at, but was fingerprinted when it was imported.
    """
    first = review.history.order_by("history_date").first()
    if first is None:
        return review.decided_at
    return max(first.history_date, review.decided_at)


def version_baseline(agreement: Agreement, version: int) -> datetime.datetime | None:
    """The last moment the agreement was at `version` (what an editor had loaded)."""
    record = (
        agreement.history.filter(version=version).order_by("-history_date", "-history_id").first()
    )
    return record.history_date if record else None
