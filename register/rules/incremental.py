"""The rules' results for the whole register, kept per subject so that a write recomputes
only what it touched.

`full_state()` reads the whole register (rules/flags.py `load_register()`) and keeps the
flags per product, agreement and processing activity, the links between them, and the
level's per-criterion evidence. `updated_state()` takes a kept state and the notes of the
writes since (rules/notes.py) and recomputes only the subjects they touched, with the same
per-subject functions (`flags_of_product`, `agreement_flags`, `activity_flags`), and the
level from the kept evidence. When the notes do not chain the kept position to the current
one, or a write touched "anything", it returns None and the caller computes everything
afresh: the full computation is the reference (tests/rules/test_incremental.py compares
both after every kind of write).

What a touched subject drags along, because the rules read it:
- a supplier: its products and agreements (names in messages and fingerprints);
- a product: the agreements covering it (its name is in their fingerprint);
- an agreement: the products it covers, before and after the write (coverage, approval);
- an activity: the products it links, before and after (`register_incomplete`);
- a product, and so an agreement or supplier through its products: the activities linking
  it, before and after (`transfer_not_in_register` and `special_category_unjustified` read
  the linked products' flows and their agreements' subprocessors, documents and status).
An activity is recomputed from the same data the full computation gives `activity_flags`:
its linked products with their flows and covering agreements (`load_register()`).
A write to an attribute (`special`, `needs_arp`) is noted as touching anything (notes.py):
a full computation. A new rule that reads beyond its subject must add its dependency in
`_expand()`.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from agreements.models import Agreement, load_content_values
from suppliers.models import Product

from ..models import ProcessingActivity, RegisterWrite, RulesNote
from ..revision import WRITES
from . import notes
from .flags import (
    FLAG_PRODUCT_FIELDS,
    Flag,
    RegisterData,
    activity_flags,
    agreement_flags,
    agreements_queryset,
    collector_paused,
    flags_of_product,
    load_register,
    translated_once,
)

Links = dict[int, set[int]]


def _rank(flag: Flag) -> tuple:
    """The order of the flags: `Flag.sort_key`, then the subject's kind and key, so that
    equal keys (two products of the same name and supplier) keep one order however the
    list was made."""
    if flag.product is not None:
        return (*flag.sort_key(), 0, flag.product.id)
    if flag.agreement is not None:
        return (*flag.sort_key(), 1, flag.agreement.id)
    return (*flag.sort_key(), 2, flag.activity.id if flag.activity else 0)


@dataclass
class RulesState:
    """The flags (and the level, made on demand) of the register at one position."""

    today: datetime.date
    # SQLite: the mark; PostgreSQL: {mark: latest write} of the visible transactions.
    position: Any
    latest_note: int  # SQLite: the newest note when the state was read
    by_product: dict[int, list[Flag]] = field(default_factory=dict)
    by_agreement: dict[int, list[Flag]] = field(default_factory=dict)
    by_activity: dict[int, list[Flag]] = field(default_factory=dict)
    agreement_products: Links = field(default_factory=dict)  # not terminated agreements
    activity_products: Links = field(default_factory=dict)
    product_supplier: dict[int, int] = field(default_factory=dict)
    agreement_supplier: dict[int, int] = field(default_factory=dict)
    # The level's own check: agreements no FG ever reviewed, by agreement.
    # None until the level is first asked for (the flags alone do not need it).
    unreviewed: dict[int, Any] | None = None
    ranked: list[tuple[tuple, Flag]] = field(default_factory=list)
    # Evidence per flag, by identity (id -> (flag, evidence)): a flag's evidence is made once.
    evidence: dict[int, tuple[Flag, Any]] = field(default_factory=dict)
    _level: Any = None

    @property
    def flags(self) -> list[Flag]:
        return [flag for _key, flag in self.ranked]

    def level(self):
        if self._level is None:
            from .level import level_from_state

            self._level = level_from_state(self)
        return self._level


def read_position(using: str = DEFAULT_DB_ALIAS) -> tuple[str | None, Any, int]:
    """(revision, position, newest note) of the register as this connection sees it, in one
    query: the revision keys the kept state, the position and note chain it to the next.
    The revision is None when it cannot be known (then nothing may be kept)."""
    connection = connections[using]
    marks = RegisterWrite._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT mark, last_write, coalesce(current_setting('{WRITES}', true), '') "
                f'FROM "{marks}"'
            )
            rows = cursor.fetchall()
            if not rows:
                return None, {}, 0
            digest = hashlib.md5(",".join(sorted(r[0] for r in rows)).encode()).hexdigest()
            return f"{len(rows)}:{digest}:{rows[0][2]}", {r[0]: r[1] for r in rows}, 0
        notes_table = RulesNote._meta.db_table
        cursor.execute(f'SELECT mark, (SELECT max(id) FROM "{notes_table}") FROM "{marks}"')
        rows = cursor.fetchall()
    if len(rows) != 1:
        return None, None, 0
    return str(rows[0][0]), str(rows[0][0]), rows[0][1] or 0


def full_state(
    today: datetime.date, position: Any, latest: int, using: str = DEFAULT_DB_ALIAS
) -> RulesState:
    """Everything computed afresh; `position` and `latest` as read (before reading) by
    `read_position()`."""
    with collector_paused(), translated_once():
        data = load_register()
        state = RulesState(today=today, position=position, latest_note=latest)
        flags: list[Flag] = []
        for product in data.products:
            state.product_supplier[product.id] = product.supplier_id
            found = flags_of_product(product, data, today)
            if found:
                state.by_product[product.id] = found
                flags.extend(found)
        for agreement in data.agreements:
            state.agreement_supplier[agreement.id] = agreement.supplier_id
            state.agreement_products[agreement.id] = set(agreement.content_values().product_ids)
            found = agreement_flags(agreement)
            if found:
                state.by_agreement[agreement.id] = found
                flags.extend(found)
        for activity in data.activities:
            found = activity_flags(activity, data, today)
            if found:
                state.by_activity[activity.id] = found
                flags.extend(found)
        state.activity_products = {k: set(v) for k, v in data.products_by_activity.items()}
        state.ranked = sorted(((_rank(flag), flag) for flag in flags), key=lambda pair: pair[0])
    return state


def _activity_links(activity_ids: Iterable[int] | None) -> Links:
    links = ProcessingActivity.products.through.objects.values_list(
        "processingactivity_id", "product_id"
    )
    if activity_ids is not None:
        links = links.filter(processingactivity_id__in=list(activity_ids))
    result: Links = defaultdict(set)
    for activity_id, product_id in links:
        result[activity_id].add(product_id)
    return dict(result)


# --- the notes since a kept state ------------------------------------------------------------


def touched_since(
    state: RulesState, position: Any, latest: int, using: str = DEFAULT_DB_ALIAS
) -> Any:
    """The subjects touched since `state` up to `position`, or None when the notes do not
    account for every write (a full computation is due)."""
    if state.position is None or position is None:
        return None
    if connections[using].vendor == "postgresql":
        if not set(state.position) <= set(position):
            return None  # marks were pruned: nothing to chain from
        changed = {m: w for m, w in position.items() if state.position.get(m, "new") != w}
        if not changed:
            return {}
        rows = RulesNote.objects.using(using).filter(mark__in=list(changed))
        edges = list(rows.values_list("before", "after", "subjects"))
        payloads = []
        for mark, last_write in changed.items():
            if last_write is None:
                return None
            start = state.position.get(mark)
            start_node = f"{mark}:{'' if start is None else start}"
            path = _path(edges, start_node, f"{mark}:{last_write}")
            if path is None:
                return None
            payloads += path
        return notes.merged(payloads)
    if state.position == position:
        return {}
    rows = RulesNote.objects.using(using).filter(pk__gt=state.latest_note, pk__lte=latest)
    edges = list(rows.values_list("before", "after", "subjects"))
    path = _path(edges, state.position, position)
    return None if path is None else notes.merged(path)


def _path(edges: list[tuple[str, str, str]], start: str, end: str) -> list[str] | None:
    """The subjects of every note reachable from `start`, if `end` is among them; else None.
    Every reachable note counts (not only one path): a save nested in another's is noted
    apart, and its subjects count too."""
    if start == end:
        return []
    outgoing: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for before, after, subjects in edges:
        outgoing[before].append((after, subjects))
    seen, todo, payloads = {start}, [start], []
    while todo:
        node = todo.pop()
        for after, subjects in outgoing.get(node, []):
            payloads.append(subjects)
            if after not in seen:
                seen.add(after)
                todo.append(after)
    return payloads if end in seen else None


# --- recomputing what a write touched -------------------------------------------------------


# Past this many touched products and agreements, or this share of the register's, a full
# computation costs about as much (and is the reference).
INCREMENTAL_AT_MOST = 300
INCREMENTAL_SHARE = 0.25


def updated_state(
    state: RulesState,
    today: datetime.date,
    position: Any,
    latest: int,
    using: str = DEFAULT_DB_ALIAS,
) -> RulesState | None:
    """`state` brought up to `position` (read by `read_position()`), or None when only a full
    computation can do that (a write no note describes, or one that touched anything)."""
    if state.today != today:
        return None
    total = len(state.product_supplier) + len(state.agreement_supplier)
    limit = min(INCREMENTAL_AT_MOST, INCREMENTAL_SHARE * total)
    if _writes_since(state, position, latest) > limit or _certain_gap(state, position, latest):
        return None  # decided before any query: as many queries as a full computation
    subjects = touched_since(state, position, latest, using)
    if subjects is None:
        return None
    new = RulesState(
        today=today,
        position=position,
        latest_note=latest,
        by_product=dict(state.by_product),
        by_agreement=dict(state.by_agreement),
        by_activity=dict(state.by_activity),
        agreement_products=dict(state.agreement_products),
        activity_products=dict(state.activity_products),
        product_supplier=dict(state.product_supplier),
        agreement_supplier=dict(state.agreement_supplier),
        unreviewed=None if state.unreviewed is None else dict(state.unreviewed),
        ranked=state.ranked,
        evidence=state.evidence,
    )
    if not subjects:
        # Writes that touch no flag (a level text, a school) keep the flags; the level is
        # made again from them, as it reads its texts (cheap: no register read).
        return new
    products, agreements, activities = _expand(state, subjects)
    if len(products) + len(agreements) > limit:
        return None
    dropped = _recompute(new, today, products, agreements, activities)
    new.ranked = _reranked(state.ranked, dropped, new, products, agreements, activities)
    gone = {id(flag) for flag in dropped}
    new.evidence = {key: value for key, value in state.evidence.items() if key not in gone}
    if new.unreviewed is None:
        return new
    from .level import unreviewed_agreements

    # The agreements whose unreviewed-evidence can change (it names their products in
    # scope): those touched and, through `_expand()`, those covering a touched product.
    for agreement_id in agreements:
        new.unreviewed.pop(agreement_id, None)
    for item in unreviewed_agreements(agreement_ids=agreements):
        new.unreviewed[item.subject.pk] = item
    return new


def _writes_since(state: RulesState, position: Any, latest: int) -> int:
    """How many writes at most happened since `state`, from the positions alone: on SQLite
    the notes since (one per noted write), on PostgreSQL the numbers the write sequence drew
    since (every write of every transaction draws one)."""
    if isinstance(position, dict):
        now = max((w for w in position.values() if w is not None), default=0)
        then = max((w for w in (state.position or {}).values() if w is not None), default=0)
        return max(0, now - then)
    return max(0, latest - state.latest_note)


def _certain_gap(state: RulesState, position: Any, latest: int) -> bool:
    """SQLite: the register moved but no note was written since (only unnoted writes, bulk
    inserts or raw SQL, moved it), or the notes were emptied since (a flush that restarts
    their numbering: `generate_register --flush`), so none can chain from `state`."""
    return (
        not isinstance(position, dict)
        and position != state.position
        and latest <= state.latest_note
    )


def _expand(state: RulesState, subjects: notes.Subjects) -> tuple[set[int], set[int], set[int]]:
    products = set(subjects.get("p", []))
    agreements = set(subjects.get("a", []))
    activities = set(subjects.get("v", []))
    suppliers = set(subjects.get("s", []))
    if suppliers:
        products |= {p for p, s in state.product_supplier.items() if s in suppliers}
        products |= set(
            Product.objects.filter(supplier_id__in=suppliers).values_list("pk", flat=True)
        )
        agreements |= {a for a, s in state.agreement_supplier.items() if s in suppliers}
        agreements |= set(
            Agreement.objects.filter(supplier_id__in=suppliers).values_list("pk", flat=True)
        )
    links = Agreement.products.through.objects
    if products:
        # A product's name is in the fingerprint of every agreement covering it.
        agreements |= {a for a, covered in state.agreement_products.items() if covered & products}
        agreements |= set(
            links.filter(product_id__in=list(products)).values_list("agreement_id", flat=True)
        )
    if agreements:
        for agreement_id in agreements:
            products |= state.agreement_products.get(agreement_id, set())
        products |= set(
            links.filter(agreement_id__in=list(agreements)).values_list("product_id", flat=True)
        )
    if activities:
        for activity_id in activities:
            products |= state.activity_products.get(activity_id, set())
        now = _activity_links(activities)
        for linked in now.values():
            products |= linked
    if products:
        # The activities' consistency flags read their linked products' flows and the
        # covering agreements' content: every activity linking a touched product, before
        # (kept links) and after the write. Their other products need no recompute: an
        # activity's flags are its own.
        activities |= {v for v, linked in state.activity_products.items() if linked & products}
        activities |= set(
            ProcessingActivity.products.through.objects.filter(
                product_id__in=list(products)
            ).values_list("processingactivity_id", flat=True)
        )
    return products, agreements, activities


def _recompute(
    new: RulesState,
    today: datetime.date,
    products: set[int],
    agreements: set[int],
    activities: set[int],
) -> list[Flag]:
    """Recompute the touched subjects in `new`; return the flags they had before."""
    dropped: list[Flag] = []
    for store, keys in (
        (new.by_product, products),
        (new.by_agreement, agreements),
        (new.by_activity, activities),
    ):
        for key in keys:
            dropped.extend(store.pop(key, []))
    # One read for the touched products and, for the touched activities' evidence, all
    # their linked products (not only the touched ones) with their flows and covering
    # agreements, as the full computation reads them; with every link of each, so that an
    # activity's products are complete.
    links = _activity_links(activities) if activities else {}
    read = products | {pk for pks in links.values() for pk in pks}
    loaded: dict[int, Agreement] = {}
    data = None
    if read:
        rows = (
            Product.objects.filter(pk__in=list(read))
            .select_related("supplier")
            .only(*FLAG_PRODUCT_FIELDS)
            .order_by("name", "supplier__name")
        )
        data = load_register(rows)
        # The agreements covering these products, read with all their content: the touched
        # ones among them need not be read again.
        loaded = {agreement.pk: agreement for agreement in data.agreements}
    if products:
        for product_id in products:
            new.product_supplier.pop(product_id, None)
        for product in data.products:
            if product.pk not in products:
                continue
            new.product_supplier[product.pk] = product.supplier_id
            found = flags_of_product(product, data, today)
            if found:
                new.by_product[product.pk] = found
    if agreements:
        rows = [loaded[pk] for pk in agreements if pk in loaded]
        missing = [pk for pk in agreements if pk not in loaded]
        if missing:  # terminated, or covering no product
            rows += load_content_values(
                agreements_queryset().filter(pk__in=missing), approvals=True
            )
        for agreement_id in agreements:
            new.agreement_products.pop(agreement_id, None)
            new.agreement_supplier.pop(agreement_id, None)
        for agreement in rows:
            new.agreement_supplier[agreement.pk] = agreement.supplier_id
            new.agreement_products[agreement.pk] = set(agreement.content_values().product_ids)
            found = agreement_flags(agreement)
            if found:
                new.by_agreement[agreement.pk] = found
    if activities:
        for activity_id in activities:
            new.activity_products.pop(activity_id, None)
        new.activity_products.update(links)
        if data is None:  # activities linking no product
            data = RegisterData(products=[], agreements=[])
        data.products_by_activity = {v: sorted(pks) for v, pks in links.items()}
        for activity in ProcessingActivity.objects.filter(pk__in=list(activities)):
            found = activity_flags(activity, data, today)
            if found:
                new.by_activity[activity.pk] = found
    return dropped


def _reranked(
    ranked: list[tuple[tuple, Flag]],
    dropped: list[Flag],
    new: RulesState,
    products: set[int],
    agreements: set[int],
    activities: set[int],
) -> list[tuple[tuple, Flag]]:
    gone = {id(flag) for flag in dropped}
    kept = [pair for pair in ranked if id(pair[1]) not in gone]
    added = [
        flag
        for store, keys in (
            (new.by_product, products),
            (new.by_agreement, agreements),
            (new.by_activity, activities),
        )
        for key in keys
        for flag in store.get(key, [])
    ]
    if not added:
        return kept
    # Python's sort merges the two sorted runs in linear time.
    return sorted(kept + [(_rank(flag), flag) for flag in added], key=lambda pair: pair[0])
