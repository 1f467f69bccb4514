"""What the rules computed, kept until the register changes or the day turns.

The flags and the level read the whole register (about 0.5 s at ten times the largest
board); the pages that show them would pay that on every request. Here the rules' state
(rules/incremental.py: the flags per subject and the level's evidence) is kept under the
register's revision (register/revision.py: one query, changed by database triggers on every
write), the day, the language and the settings the rules read. Anything that changes a
result changes its key, so a kept result is never stale; when the revision cannot be known,
nothing is kept.

After a write, the next request updates the kept state for the subjects the write touched
(rules/notes.py: some 15 ms of CPU at scale 1), or computes it afresh when the notes cannot
account for every write (about 0.8 s).

Where it is kept: in the process, so that a request pays no unpickling; and, when Django's
cache under the alias `RULES_CACHE` (settings) is shared between processes (the database
cache, Redis), the latest full computation is put there too (pickled, about 3.5 MB at scale
1): a gunicorn worker without a state of its own, or one that met a write no note describes,
takes it (0.2 s to unpickle) and updates it for what changed since, instead of computing
everything. It is shared only between processes running the same code (`code_digest()`:
during a deploy, the workers of the old release and of the new one compute their own).
Incremental updates stay in each process: they cost less than unpickling. A
local-memory cache is private to each process, so the default settings share nothing and
pickle nothing (README, "Kept results").

Results are shared between requests: callers must not change them (`compute_flags` hands
out a copy of its list; the flags and the level result themselves are read-only).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import importlib.util
import logging
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.core.cache import InvalidCacheBackendError, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import get_language

from ..revision import current_revision

T = TypeVar("T")
logger = logging.getLogger(__name__)

KEPT = 4  # states kept per process: one per language and day in use
SHARED_TIMEOUT = 24 * 3600  # a state of an old revision is never asked for again

_states: OrderedDict[Base, tuple[str, Any]] = OrderedDict()
_lock = threading.Lock()


class Base(NamedTuple):
    """Everything but the revision that a kept state depends on."""

    today: datetime.date
    database: tuple[str, str]  # alias and name
    language: str | None
    settings: tuple[int, int]  # the settings the rules read


class Key(NamedTuple):
    kind: str
    today: datetime.date
    revision: str
    database: tuple[str, str]
    language: str | None
    settings: tuple[int, int]


def _base(today: datetime.date, using: str) -> Base:
    return Base(
        today,
        (using, str(connections[using].settings_dict["NAME"])),
        get_language(),
        (settings.EXPIRING_WITHIN_DAYS, settings.ADVISED_CONDITION_LEVEL),
    )


def shared_cache():
    """The Django cache the rules share between processes, or None when it is
    process-local (then pickling the state would cost and share nothing)."""
    alias = getattr(settings, "RULES_CACHE", "rules")
    try:
        backend = caches[alias]
    except InvalidCacheBackendError:
        return None
    return None if isinstance(backend, LocMemCache) else backend


# The modules whose code makes a kept state: the rules, and the models whose instances it
# holds. A process running other code (workers of two releases during a deploy) neither takes
# the state another one shared nor gives it its own: that state may hold other rules' results,
# or classes pickled in another shape.
STATE_MODULES = (
    "register.rules.cache",
    "register.rules.evidence",
    "register.rules.flags",
    "register.rules.incremental",
    "register.rules.level",
    "register.rules.notes",
    "register.rules.verdict",
    "register.models",
    "agreements.models",
    "suppliers.models",
)


@functools.cache
def code_digest() -> str:
    """A digest of the source of `STATE_MODULES`, read once per process."""
    digest = hashlib.sha256()
    for name in STATE_MODULES:
        digest.update(Path(importlib.util.find_spec(name).origin).read_bytes())
    return digest.hexdigest()[:16]


def _shared_key(base: Base) -> str:
    digest = hashlib.sha256(repr(base).encode()).hexdigest()
    return f"register-rules:{code_digest()}:{digest}"


def kept_rules(
    today: datetime.date, *, compute: bool = True, using: str = DEFAULT_DB_ALIAS
) -> Any | None:
    """The rules' state (rules/incremental.py) of the register as it is now. In order of
    cost: the state kept in this process for the current revision; that state updated for
    what changed since (rules/notes.py); the latest full state another process shared,
    updated likewise; or everything computed afresh (and shared). With `compute=False`,
    only a state kept for the current revision (or None)."""
    from .incremental import full_state, read_position, updated_state

    revision, position, latest = read_position(using)
    if revision is None:
        return full_state(today, position, latest, using) if compute else None
    base = _base(today, using)
    with _lock:
        previous = _states.get(base)
    if previous is not None and previous[0] == revision:
        return previous[1]
    if not compute:
        return None
    state = None
    if previous is not None:
        state = updated_state(previous[1], today, position, latest, using)
    shared = shared_cache() if state is None else None
    if shared is not None:
        found = _from_shared(shared, base)
        if found is not None:
            shared_revision, shared_state = found
            if shared_revision == revision:
                state = shared_state
            else:
                state = updated_state(shared_state, today, position, latest, using)
    if state is None:
        state = full_state(today, position, latest, using)
        if shared is not None:
            _to_shared(shared, base, revision, state)
    _keep_local(base, revision, state)
    return state


def _keep_local(base: Base, revision: str, state: Any) -> None:
    with _lock:
        _states[base] = (revision, state)
        _states.move_to_end(base)
        while len(_states) > KEPT:
            _states.popitem(last=False)


def _from_shared(shared, base: Base) -> tuple[str, Any] | None:
    """The latest full state a process shared: (its revision, the state)."""
    try:
        found = shared.get(_shared_key(base))
        if found is None:
            return None
        revision, payload = found
        return revision, pickle.loads(payload)
    except Exception:  # a cache that is down or a stale format: compute instead
        logger.warning("The rules' shared cache could not be read.", exc_info=True)
        return None


def _to_shared(shared, base: Base, revision: str, state: Any) -> None:
    # Pickled here (not by the backend) so that the level, made on demand, and the
    # per-flag evidence are left out: each process makes them from the flags.
    level, evidence = state._level, state.evidence
    state._level, state.evidence = None, {}
    try:
        payload = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        state._level, state.evidence = level, evidence
    try:
        shared.set(_shared_key(base), (revision, payload), SHARED_TIMEOUT)
    except Exception:
        logger.warning("The rules' shared cache could not be written.", exc_info=True)


# Small results about one object (what an approval of one agreement would leave open), kept
# per process: the FG paging through many agreements never pushes the register's state out.
KEPT_APART = 64
_apart: OrderedDict[Key, Any] = OrderedDict()


def keep_apart(
    kind: str, today: datetime.date, compute: Callable[[], T], using: str = DEFAULT_DB_ALIAS
) -> T:
    """The result of `compute()` for a small result whose `kind` names its object (e.g.
    `open:12`), computed at most once per revision. The revision is read before computing:
    a write that lands during the computation changes the revision, so the result is never
    kept under a newer one."""
    revision = current_revision(using)
    if revision is None:
        return compute()
    base = _base(today, using)
    key = Key(kind, today, revision, base.database, base.language, base.settings)
    with _lock:
        if key in _apart:
            _apart.move_to_end(key)
            return _apart[key]
    result = compute()
    with _lock:
        # Results of an earlier revision of the same database are (almost) never asked for
        # again: drop them rather than hold them until evicted.
        for old in [k for k in _apart if k.database == key.database and k.revision != revision]:
            del _apart[old]
        _apart[key] = result
        while len(_apart) > KEPT_APART:
            _apart.popitem(last=False)
    return result


def forget() -> None:
    """Drop every result kept in this process (tests, the benchmark; never needed for
    correctness). The shared cache keys on the revision, so it needs no forgetting."""
    with _lock:
        _states.clear()
        _apart.clear()
