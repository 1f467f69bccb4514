"""What the rules computed, kept until the register changes or the day turns.

The flags and the level read the whole register (about 0.8 s at ten times the largest
board); the pages that show them would pay that on every request. Here a result is kept in
the process under the register's revision (register/revision.py: one query, changed by
database triggers on every write), the day, the language and the settings the rules read.
Anything that changes a result changes its key, so a kept result is never stale; when the
revision cannot be known, nothing is kept.

Results are shared between requests: callers must not change them (`compute_flags` hands
out a copy of its list; the flags and the level result themselves are read-only).
"""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import get_language

from ..revision import current_revision

T = TypeVar("T")

KEPT = 8  # results kept per process: a few kinds for today (and a day passed explicitly)

_results: OrderedDict[Key, Any] = OrderedDict()
_lock = threading.Lock()


class Key(NamedTuple):
    kind: str
    today: datetime.date
    revision: str
    database: tuple[str, str]  # alias and name
    language: str | None
    settings: tuple[int, int]  # the settings the rules read


def _key(kind: str, today: datetime.date, revision: str, using: str) -> Key:
    return Key(
        kind,
        today,
        revision,
        (using, str(connections[using].settings_dict["NAME"])),
        get_language(),
        (settings.EXPIRING_WITHIN_DAYS, settings.ADVISED_CONDITION_LEVEL),
    )


def kept(kind: str, today: datetime.date, using: str = DEFAULT_DB_ALIAS) -> Any | None:
    """The kept result of `kind` for today's register, or None (one query)."""
    revision = current_revision(using)
    if revision is None:
        return None
    with _lock:
        return _results.get(_key(kind, today, revision, using))


def keep(
    kind: str, today: datetime.date, compute: Callable[[], T], using: str = DEFAULT_DB_ALIAS
) -> T:
    """The result of `compute()` for the register as it is now, computed at most once per
    revision. The revision is read before computing: a write that lands during the
    computation changes the revision, so the result is never kept under a newer one."""
    return _keep_in(_results, KEPT, kind, today, compute, using)


# Small results about one object (what an approval of one agreement would leave open), kept
# apart: the FG paging through many agreements never pushes the whole register's flags out.
KEPT_APART = 64
_apart: OrderedDict[Key, Any] = OrderedDict()


def keep_apart(
    kind: str, today: datetime.date, compute: Callable[[], T], using: str = DEFAULT_DB_ALIAS
) -> T:
    """As `keep()`, for a small result whose `kind` names its object (e.g. `open:12`)."""
    return _keep_in(_apart, KEPT_APART, kind, today, compute, using)


def _keep_in(
    store: OrderedDict[Key, Any],
    limit: int,
    kind: str,
    today: datetime.date,
    compute: Callable[[], T],
    using: str,
) -> T:
    revision = current_revision(using)
    if revision is None:
        return compute()
    key = _key(kind, today, revision, using)
    with _lock:
        if key in store:
            store.move_to_end(key)
            return store[key]
    result = compute()
    with _lock:
        # Results of an earlier revision of the same database are (almost) never asked for
        # again: drop them rather than hold them until evicted.
        for old in [k for k in store if k.database == key.database and k.revision != revision]:
            del store[old]
        store[key] = result
        while len(store) > limit:
            store.popitem(last=False)
    return result


def forget() -> None:
    """Drop every kept result (tests; never needed for correctness)."""
    with _lock:
        _results.clear()
        _apart.clear()
