"""Readable history of an agreement: the timeline, and what changed since a moment.

Everything here reads django-simple-history records; nothing writes. Values are turned
into the text a privacy officer or FG reads (labels, codes, names, Dutch dates).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Value
from django.utils import formats
from django.utils.translation import gettext as _

from suppliers.history import record_author
from suppliers.models import Attribute, Product, Supplier

from .models import (
    ADDED_APPROVED_FIELDS,
    APPROVED_FIELDS,
    APPROVED_NOTICE_FIELDS,
    APPROVED_SUBPROCESSOR_FIELDS,
    Agreement,
    ContentValues,
    Document,
    DocumentKind,
    NoticeValues,
    PrivacyNotice,
    Review,
    Subprocessor,
    fingerprint_content_from,
    notice_content,
    subprocessor_label,
)

# Bookkeeping fields: never shown as a change.
NOISE_FIELDS = {"id", "created_at", "updated_at", "version"}
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
        # Filled by the timeline from the subprocessors' own history (no extra query).
        self.subprocessors: dict[int, str] = {}

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
        table = {"attributes": self.attributes, "subprocessors": self.subprocessors}.get(
            m2m_name, self.products
        )
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
    label = str(model._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]  # not capitalize(): "EER" stays "EER"


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
    loaded = getattr(record, "m2m_ids", None)
    if loaded is not None:  # read in bulk (_notice_records)
        return loaded[name]
    # Rows of the historical through table, e.g. {agreement_id, attribute_id}; reads the
    # prefetched rows (prefetch `_m2m_accessor(...)`).
    target = {"attributes": "attribute_id", "subprocessors": "subprocessor_id"}.get(
        name, "product_id"
    )
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


def _notice_records(agreement: Agreement) -> list:
    """The notices' historical records, each with the ids of its attributes and subprocessors
    (`_m2m_ids`), both read in one query (a union of the two history tables)."""
    records = list(
        PrivacyNotice.history.filter(agreement_id=agreement.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    links: dict[int, dict[str, set[int]]] = {
        r.history_id: {"attributes": set(), "subprocessors": set()} for r in records
    }
    if records:
        parts = []
        for name, target in (("attributes", "attribute_id"), ("subprocessors", "subprocessor_id")):
            through = apps.get_model("agreements", f"HistoricalPrivacyNotice_{name}")
            parts.append(
                through.objects.filter(history_id__in=list(links)).values_list(
                    "history_id", target, Value(name, output_field=models.CharField())
                )
            )
        for history_id, pk, name in parts[0].union(parts[1], all=True):
            links[history_id][name].add(pk)
    for record in records:
        record.m2m_ids = links[record.history_id]
    return records


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
    subprocessor_records = list(_subprocessor_records(agreement))
    lookups.subprocessors = {r.id: r.name for r in subprocessor_records}

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
                m2m=("attributes", "subprocessors"),
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

    for records_of_one in _by_object(subprocessor_records).values():
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


def _latest_as_of(records, moment: datetime.datetime) -> dict[int, object]:
    """Per object id, its last historical record at `moment` (None when deleted by then)."""
    latest: dict[int, object] = {}
    for record in records:
        if record.history_date <= moment:
            latest[record.id] = None if record.history_type == "-" else record
    return latest


def _names_as_of(model: type[models.Model], ids: set[int], moment: datetime.datetime) -> dict:
    """Each row's last historical record at `moment`; the row itself when its history does
    not reach back that far."""
    found: dict[int, object] = {row.pk: row for row in model.objects.filter(pk__in=ids)}
    records = model.history.filter(id__in=ids, history_date__lte=moment).order_by(
        "history_date", "history_id"
    )
    for record in records:
        if record.history_type != "-":
            found[record.id] = record
    return found


def content_as_of(agreement: Agreement, moment: datetime.datetime) -> dict | None:
    """The agreement's approved content (`fingerprint_content()`) as it was at `moment`,
    rebuilt from simple-history; None when its history does not reach back that far."""
    record = (
        agreement.history.filter(history_date__lte=moment)
        .prefetch_related(
            _m2m_accessor(Agreement, "products"), _m2m_accessor(Agreement, "attributes")
        )
        .order_by("-history_date", "-history_id")
        .first()
    )
    if record is None or record.history_type == "-":
        return None
    codes = dict(Attribute.objects.values_list("pk", "code"))
    notices = [
        n for n in _latest_as_of(_notice_records(agreement), moment).values() if n is not None
    ]
    subprocessors = [
        s for s in _latest_as_of(_subprocessor_records(agreement), moment).values() if s is not None
    ]
    subprocessor_names = {s.id: subprocessor_label(s.name, s.service) for s in subprocessors}
    # A document is never changed once uploaded: its sha256 now is its sha256 then.
    notice_documents = dict(
        Document.objects.filter(
            pk__in=[n.document_id for n in notices if n.document_id]
        ).values_list("pk", "sha256")
    )
    product_ids = _m2m_ids(record, "products")
    products = _names_as_of(Product, product_ids, moment)
    supplier_ids = {record.supplier_id} | {p.supplier_id for p in products.values()}
    suppliers = {pk: s.name for pk, s in _names_as_of(Supplier, supplier_ids, moment).items()}

    def product(pk: int) -> tuple[int, str, str]:
        # A row gone without a trace of history still counts, by its id.
        found = products.get(pk)
        if found is None:
            return (pk, "", f"#{pk}")
        return (pk, suppliers.get(found.supplier_id, f"#{found.supplier_id}"), found.name)

    values = ContentValues(
        supplier_name=suppliers.get(record.supplier_id, f"#{record.supplier_id}"),
        products=[product(pk) for pk in product_ids],
        attribute_codes=[codes.get(pk, f"#{pk}") for pk in _m2m_ids(record, "attributes")],
        notices=[
            NoticeValues(
                n.product_id,
                [codes.get(pk, f"#{pk}") for pk in _m2m_ids(n, "attributes")],
                notice_content(
                    n,
                    [subprocessor_names.get(pk, f"#{pk}") for pk in _m2m_ids(n, "subprocessors")],
                ),
                notice_documents.get(n.document_id, ""),
            )
            for n in notices
        ],
        subprocessors=[
            tuple(getattr(s, name) for name in APPROVED_SUBPROCESSOR_FIELDS) for s in subprocessors
        ],
        documents=list(
            agreement.documents.filter(uploaded_at__lte=moment).values_list(
                "kind", "version", "sha256"
            )
        ),
    )
    return fingerprint_content_from(record, values)


def _field_display(name: str, value) -> str:
    if name == "supplier":
        return value[1]
    if name in ("signed_on", "starts_on", "ends_on") and value:
        value = datetime.date.fromisoformat(value)
    return _display(Agreement, name, value, None)


def _list_change(label: str, before: set[str], after: set[str]) -> FieldChange:
    def names(items: set[str]) -> str:
        return ", ".join(sorted(items)) if items else "—"

    return FieldChange(
        label,
        names(before),
        names(after),
        added=names(after - before) if after - before else "",
        removed=names(before - after) if before - after else "",
    )


def _notice_parts(notice: list | None) -> tuple[list[str], dict]:
    """(attribute codes, own content) of a notice in the content; its own content is there
    only when filled (models._notice_fingerprint)."""
    if not notice:
        return [], {}
    return notice[0], (notice[1] if len(notice) > 1 else {})


def _padded(subprocessor: tuple) -> tuple:
    # The fields added later are in the content only when filled.
    missing = len(APPROVED_SUBPROCESSOR_FIELDS) - len(subprocessor)
    return tuple(subprocessor) + ("",) * missing


def _subprocessor_changes(old: list, new: list) -> list[FieldChange]:
    """Subprocessors that came, went or changed; paired by name where that is unambiguous."""
    labels = [_label(Subprocessor, name) for name in APPROVED_SUBPROCESSOR_FIELDS]
    old, new = [_padded(s) for s in old], [_padded(s) for s in new]
    gone = [s for s in old if s not in new]
    came = [s for s in new if s not in old]
    changes = []
    for before in list(gone):
        same_name = [s for s in came if s[0] == before[0]]
        if len(same_name) != 1 or [s[0] for s in gone].count(before[0]) != 1:
            continue
        after = same_name[0]
        gone.remove(before)
        came.remove(after)
        for label, old_value, new_value in zip(labels[1:], before[1:], after[1:], strict=True):
            if old_value != new_value:
                changes.append(
                    FieldChange(
                        _("Subverwerker %(name)s: %(field)s") % {"name": after[0], "field": label},
                        old_value or "—",
                        new_value or "—",
                    )
                )
    for before in gone:
        changes.append(
            FieldChange(
                _("Subverwerker %(name)s") % {"name": before[0]}, before[0], _("verwijderd")
            )
        )
    for after in came:
        changes.append(
            FieldChange(_("Subverwerker %(name)s") % {"name": after[0]}, "—", _("toegevoegd"))
        )
        for label, value in zip(labels[1:], after[1:], strict=True):
            if value:
                changes.append(
                    FieldChange(
                        _("Subverwerker %(name)s: %(field)s") % {"name": after[0], "field": label},
                        "—",
                        value,
                    )
                )
    return changes


def content_changes(agreement: Agreement, old: dict, new: dict) -> list[FieldChange]:
    """What differs between two versions of the approved content (`fingerprint_content()`),
    as the reader sees it. Every key of the content is compared, so whenever the
    fingerprints differ there is at least one change to show."""
    changes = []
    for name in APPROVED_FIELDS:
        if old[name] != new[name]:
            changes.append(
                FieldChange(
                    _label(Agreement, name),
                    _field_display(name, old[name]),
                    _field_display(name, new[name]),
                )
            )
    # Added fields are in the content only when filled (models.ADDED_APPROVED_FIELDS).
    for name in ADDED_APPROVED_FIELDS:
        if old.get(name, "") != new.get(name, ""):
            changes.append(
                FieldChange(_label(Agreement, name), old.get(name) or "—", new.get(name) or "—")
            )

    # Products as the FG saw them: a renamed or moved product is one that went and came.
    def product_names(content: dict) -> set[str]:
        own = content["supplier"][1]
        return {
            name if supplier == own else f"{supplier} / {name}"
            for _pk, supplier, name in content["products"]
        }

    if old["products"] != new["products"]:
        before, after = product_names(old), product_names(new)
        # A renamed supplier renames its products too: its own row says so.
        if before != after or old["supplier"] == new["supplier"]:
            changes.append(_list_change(_label(Agreement, "products"), before, after))
    if old["attributes"] != new["attributes"]:
        changes.append(
            _list_change(
                _label(Agreement, "attributes"), set(old["attributes"]), set(new["attributes"])
            )
        )

    product_names_by_id = {pk: name for pk, _s, name in old["products"] + new["products"]}
    old_notices = {notice[0]: notice[1:] for notice in old["privacy_notices"]}
    new_notices = {notice[0]: notice[1:] for notice in new["privacy_notices"]}
    for pk in sorted(set(old_notices) | set(new_notices)):
        if old_notices.get(pk) == new_notices.get(pk):
            continue
        product = (
            product_names_by_id.get(pk)
            or Product.objects.filter(pk=pk).values_list("name", flat=True).first()
            or f"#{pk}"
        )
        if pk not in new_notices:
            changes.append(
                FieldChange(
                    _("Bijsluiter %(product)s") % {"product": product}, "—", _("verwijderd")
                )
            )
            continue
        before_codes, before_own = _notice_parts(old_notices.get(pk))
        after_codes, after_own = _notice_parts(new_notices[pk])
        prefix = _("Bijsluiter %(product)s: ") % {"product": product}
        if before_codes != after_codes or pk not in old_notices:
            changes.append(
                _list_change(
                    prefix + _label(PrivacyNotice, "attributes"),
                    set(before_codes),
                    set(after_codes),
                )
            )
        for name in (*APPROVED_NOTICE_FIELDS, "subprocessors"):
            before, after = before_own.get(name) or "", after_own.get(name) or ""
            if before == after:
                continue
            if name == "subprocessors":
                changes.append(
                    _list_change(
                        prefix + _label(PrivacyNotice, name), set(before or []), set(after or [])
                    )
                )
            else:
                changes.append(
                    FieldChange(prefix + _label(PrivacyNotice, name), before or "—", after or "—")
                )
        # In the content only when the latest document of its kind does not cover it.
        before, after = before_own.get("document"), after_own.get("document")
        if before != after:
            changes.append(
                FieldChange(
                    prefix + _label(PrivacyNotice, "document"),
                    _document_label(agreement, before),
                    _document_label(agreement, after),
                )
            )

    changes += _subprocessor_changes(
        [tuple(s) for s in old["subprocessors"]], [tuple(s) for s in new["subprocessors"]]
    )

    old_documents = dict(old["documents"])
    new_documents = dict(new["documents"])
    stored = {(d.kind, d.sha256): d for d in agreement.documents.all()}
    for kind in sorted(set(old_documents) | set(new_documents)):
        if old_documents.get(kind) == new_documents.get(kind):
            continue
        kind_label = dict(DocumentKind.choices).get(kind, kind)
        before = stored.get((kind, old_documents.get(kind)))
        after = stored.get((kind, new_documents.get(kind)))
        changes.append(
            FieldChange(
                _("Document %(kind)s") % {"kind": kind_label},
                _("versie %(version)s") % {"version": before.version} if before else "—",
                _("nieuwe versie %(version)s: %(name)s")
                % {"version": after.version, "name": after.display_name}
                if after
                else "—",
            )
        )
    return changes


def _document_label(agreement: Agreement, sha256: str | None) -> str:
    if not sha256:
        return "—"
    document = next((d for d in agreement.documents.all() if d.sha256 == sha256), None)
    if document is None:
        return _("een document van een andere overeenkomst")
    return _("versie %(version)s: %(name)s") % {
        "version": document.version,
        "name": document.display_name,
    }


def changes_since(agreement: Agreement, since: datetime.datetime) -> list[FieldChange]:
    """What changed in the agreement's approved content after `since`, field by field.

    The content then is rebuilt from history and compared with the content now, both read
    through `fingerprint_content_from()`: the diff covers exactly what the fingerprint
    covers. Empty when the history does not reach back to `since` (an imported decision).
    """
    old = content_as_of(agreement, since)
    if old is None:
        return []
    return content_changes(agreement, old, agreement.fingerprint_content())


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


# What a decision changes on the agreement's row: not content the FG could have written.
_WORKFLOW_FIELDS = NOISE_FIELDS | {"status", "status_reason", "submitted_by", "submitted_at"}


def content_written_by(agreement: Agreement, user) -> bool:
    """Whether `user` changed the agreement's content (its fields, products and attributes,
    documents, privacy notices or subprocessors) since the FG's latest decision on it, or
    ever when there is none. An FG with a second role that may edit (a small board's FG who
    is also privacy officer, a superuser in the fg group) must not decide on content they
    wrote (AVG art. 38). A few queries; asked only of such users."""
    latest = agreement.reviews.order_by("-decided_at", "-pk").first()
    since = {"history_date__gt": approval_baseline(latest)} if latest else {}
    for model in (Document, PrivacyNotice, Subprocessor):
        related = model.history.filter(agreement_id=agreement.pk, history_user=user, **since)
        if related.exists():
            return True
    for record in agreement.history.filter(history_user=user, **since).order_by("history_date"):
        previous = record.prev_record
        if previous is None:
            return True  # they made it
        if record.diff_against(previous, excluded_fields=_WORKFLOW_FIELDS).changes:
            return True
    return False
