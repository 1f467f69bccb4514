"""Notes of what each write through the application touched, so that the rules can update
their kept results incrementally (rules/incremental.py) instead of reading the whole register.

The register's revision (register/revision.py) changes with every write, whoever makes it;
a note says, for one save, delete or many-to-many change made through Django's models, that
the register moved from one *position* to the next and which subjects (products, agreements,
processing activities, suppliers) that write touched. Positions:

- SQLite: the single mark, which the triggers replace on every written row;
- PostgreSQL: `<mark>:<latest write>` of the writing transaction (transaction-local settings
  kept by the triggers); `<mark>:` is the start of the transaction.

The rules update a kept result incrementally only when the notes chain its position to the
current one without a gap. A write that no note describes (`QuerySet.update()`,
`bulk_create()`, raw SQL, an import, `generate_register`) leaves a gap, and the rules compute
everything afresh. A note is written in the writing transaction, so a rollback takes it away
with the write. Notes are not register tables: writing one does not move the revision.

A write that could touch anything (an attribute, the organisation, a model this module does
not know) is noted as touching everything, which also means a full computation.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from ..revision import MARK, REGISTER_APPS, WRITES, marks_table, register_tables

EVERYTHING = "*"
KEEP_NOTES = 5000  # SQLite: notes kept (older ones pruned now and then by a writer)
_BEFORE = "_rules_note_before"


def position(using: str = DEFAULT_DB_ALIAS) -> tuple[str, str] | None:
    """(mark, position) of the register as this connection sees it, or None."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT coalesce(current_setting('{MARK}', true), ''), "
                f"coalesce(current_setting('{WRITES}', true), '')"
            )
            mark, last_write = cursor.fetchone()
            return mark, f"{mark}:{last_write}"
        cursor.execute(f'SELECT mark FROM "{marks_table()}"')
        rows = cursor.fetchall()
    return (str(rows[0][0]), str(rows[0][0])) if len(rows) == 1 else None


# --- what a write touches --------------------------------------------------------------------

Subjects = dict[str, list[int]]  # "p" products, "a" agreements, "v" activities, "s" suppliers


def _subjects_of_row(model: type[Model], row: Model) -> Subjects | None:
    """The subjects a written row touches; None for "anything"."""
    label = model._meta.label
    if label == "suppliers.Supplier":
        return {"s": [row.pk]}
    if label == "suppliers.Product":
        return {"p": [row.pk]}
    if label == "suppliers.DataFlow":
        return {"p": [row.product_id]}
    if label == "agreements.Agreement":
        return {"a": [row.pk]}
    if label == "agreements.PrivacyNotice":
        return {"a": [row.agreement_id], "p": [row.product_id]}
    if label in (
        "agreements.Document",
        "agreements.Subprocessor",
        "agreements.Review",
        "agreements.Finding",
        "agreements.ReminderSent",
    ):
        return {"a": [row.agreement_id]}
    if label == "register.ProcessingActivity":
        return {"v": [row.pk]}
    if label in ("register.School", "register.LevelText"):
        return {}  # no flag reads them; the level reads its texts on every update
    if model._meta.auto_created:  # a many-to-many table, written through its owner
        return _subjects_of_link(model, _link_ids(model, row))
    return None


def _link_ids(through: type[Model], row: Model) -> dict[str, int]:
    return {
        field.related_model._meta.label: getattr(row, field.attname)
        for field in through._meta.fields
        if field.is_relation
    }


def _subjects_of_link(through: type[Model], ids: dict[str, int | None]) -> Subjects | None:
    """A link of a many-to-many table; a missing id (None) stands for "any"."""
    labels = set(ids)
    if labels == {"agreements.Agreement", "suppliers.Product"}:
        agreement = ids["agreements.Agreement"]
        return None if agreement is None else {"a": [agreement]}
    if labels == {"agreements.Agreement", "suppliers.Attribute"}:
        agreement = ids["agreements.Agreement"]
        return None if agreement is None else {"a": [agreement]}
    if labels == {"agreements.PrivacyNotice", "suppliers.Attribute"}:
        notice = ids["agreements.PrivacyNotice"]
        if notice is None:
            return None
        PrivacyNotice = apps.get_model("agreements", "PrivacyNotice")
        agreement = PrivacyNotice.objects.filter(pk=notice).values_list("agreement_id", flat=True)
        return {"a": list(agreement)} if agreement else None
    if labels == {"register.ProcessingActivity", "suppliers.Product"}:
        activity, product = ids["register.ProcessingActivity"], ids["suppliers.Product"]
        if activity is None:
            return None
        return {"v": [activity], "p": [product]} if product is not None else {"v": [activity]}
    if labels == {"register.School", "suppliers.Product"}:
        return {}
    return None


def _subjects_of_change(
    through: type[Model], instance: Model, reverse: bool, model: type[Model], pk_set
) -> Subjects | None:
    """A many-to-many change (`add`, `remove`, `clear`) through its owner or the other side."""
    owner_label = instance._meta.label
    other_label = model._meta.label
    labels = [f.related_model._meta.label for f in through._meta.fields if f.is_relation]
    if owner_label not in labels or other_label not in labels:
        return None
    merged: Subjects = {}
    for other in pk_set if pk_set else [None]:
        subjects = _subjects_of_link(through, {owner_label: instance.pk, other_label: other})
        if subjects is None:
            return None
        for kind, ids in subjects.items():
            merged.setdefault(kind, []).extend(ids)
    return merged


# --- the signal receivers --------------------------------------------------------------------

_tables: set[str] | None = None


def _noted(model: type[Model]) -> bool:
    global _tables
    if _tables is None:
        _tables = set(register_tables())
    return model._meta.db_table in _tables


_ready: set[str] = set()  # databases whose notes table exists (not during migrate)


def _ready_on(using: str) -> bool:
    if using not in _ready:
        connection = connections[using]
        table = apps.get_model("register", "RulesNote")._meta.db_table
        if table not in connection.introspection.table_names():
            return False
        _ready.add(using)
    return True


def _before(instance: Model, key: str, using: str) -> None:
    if not _ready_on(using):
        return
    marks = getattr(instance, _BEFORE, None)
    if marks is None:
        marks = {}
        instance.__dict__[_BEFORE] = marks
    marks[key] = position(using)


def _note(instance: Model, key: str, using: str, subjects: Subjects | None) -> None:
    before = getattr(instance, _BEFORE, {}).pop(key, None)
    if before is None:
        return  # not noted (e.g. during migrate): the gap makes the rules compute afresh
    after = position(using)
    if after is None:
        return  # no position to chain from: the gap makes the rules compute afresh
    before_mark, before_position = before
    if not before_mark:  # PostgreSQL: the transaction's first write
        before_position = f"{after[0]}:"
    write(before=before_position, after=after, subjects=subjects, using=using)


def write(*, before: str, after: tuple[str, str], subjects: Subjects | None, using: str) -> None:
    """Record that the register moved from `before` to `after` touching `subjects`."""
    RulesNote = apps.get_model("register", "RulesNote")
    mark, after_position = after
    if before == after_position:
        return  # nothing was written
    payload = EVERYTHING if subjects is None else json.dumps(_compact(subjects))
    note = RulesNote.objects.using(using).create(
        mark=mark, before=before, after=after_position, subjects=payload
    )
    if note.pk % 500 == 0:
        _prune(using, note.pk)


def _compact(subjects: Subjects) -> Subjects:
    return {kind: sorted(set(ids)) for kind, ids in subjects.items() if ids}


def _prune(using: str, latest: int) -> None:
    """Drop the notes no kept result can need: on PostgreSQL those of marks that are gone,
    on SQLite all but the latest KEEP_NOTES."""
    RulesNote = apps.get_model("register", "RulesNote")
    notes = RulesNote.objects.using(using)
    if connections[using].vendor == "postgresql":
        RegisterWrite = apps.get_model("register", "RegisterWrite")
        notes.exclude(mark__in=RegisterWrite.objects.using(using).values("mark")).delete()
    else:
        notes.filter(pk__lte=latest - KEEP_NOTES).delete()


def _using(instance: Model, using: str | None) -> str:
    return using or router.db_for_write(type(instance), instance=instance)


def before_save(sender, instance, raw=False, using=None, **kwargs) -> None:
    if _noted(sender):
        _before(instance, "save", _using(instance, using))


def after_save(sender, instance, raw=False, using=None, **kwargs) -> None:
    if _noted(sender):
        _note(instance, "save", _using(instance, using), _subjects_of_row(sender, instance))


def before_delete(sender, instance, using=None, **kwargs) -> None:
    if _noted(sender):
        _before(instance, "delete", _using(instance, using))


def after_delete(sender, instance, using=None, **kwargs) -> None:
    if _noted(sender):
        _note(instance, "delete", _using(instance, using), _subjects_of_row(sender, instance))


def on_link_change(sender, instance, action, reverse, model, pk_set, using=None, **kwargs):
    if not _noted(sender):
        return
    kind = action.split("_", 1)[1]  # add, remove, clear
    using = _using(instance, using)
    if action.startswith("pre_"):
        _before(instance, f"m2m_{sender._meta.db_table}_{kind}", using)
    else:
        subjects = _subjects_of_change(sender, instance, reverse, model, pk_set)
        _note(instance, f"m2m_{sender._meta.db_table}_{kind}", using, subjects)


def before_claim(sender, instance, **kwargs) -> None:
    """suppliers.concurrency: the version claim (an `update()`) before an edit's save."""
    if _noted(sender):
        _before(instance, "claim", _using(instance, None))


def after_claim(sender, instance, **kwargs) -> None:
    if _noted(sender):
        _note(instance, "claim", _using(instance, None), _subjects_of_row(sender, instance))


def connect() -> None:
    """Connect the receivers to every model whose table is a register table (many-to-many
    tables included). Their receivers also keep Django from deleting their related rows
    without signals (fast deletes), so every deleted row is noted."""
    from suppliers.concurrency import version_claimed, version_claiming

    tables = set(register_tables())
    for label in REGISTER_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.db_table not in tables:
                continue
            uid = f"register.rules.notes.{model._meta.label_lower}"
            pre_save.connect(before_save, sender=model, dispatch_uid=f"{uid}.pre_save")
            post_save.connect(after_save, sender=model, dispatch_uid=f"{uid}.post_save")
            pre_delete.connect(before_delete, sender=model, dispatch_uid=f"{uid}.pre_delete")
            post_delete.connect(after_delete, sender=model, dispatch_uid=f"{uid}.post_delete")
            m2m_changed.connect(on_link_change, sender=model, dispatch_uid=f"{uid}.m2m")
            version_claiming.connect(before_claim, sender=model, dispatch_uid=f"{uid}.claiming")
            version_claimed.connect(after_claim, sender=model, dispatch_uid=f"{uid}.claimed")


def merged(payloads: Iterable[str]) -> Subjects | None:
    """The subjects of many notes together; None when one of them touched anything."""
    result: Subjects = {}
    for payload in payloads:
        if payload == EVERYTHING:
            return None
        for kind, ids in json.loads(payload).items():
            result.setdefault(kind, []).extend(ids)
    return _compact(result)
