"""The session store (SESSION_ENGINE): Django's database sessions, renewed at most once a
minute instead of written on every request."""

from __future__ import annotations

import datetime
import functools

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

# A request renews the session when its last renewal is older than this.
RENEW_AFTER = datetime.timedelta(minutes=1)
NO_KEY = "no-session-has-this-key"  # the key the query is compiled for


def _session_query() -> tuple[str, tuple, int]:
    return _compiled_session_query(connection.vendor)


@functools.lru_cache(maxsize=4)
def _compiled_session_query(vendor: str) -> tuple[str, tuple, int]:
    """The SQL that reads a session by its key, its parameters, and where the key goes."""
    sql, params = Session.objects.filter(session_key=NO_KEY).query.sql_with_params()
    return sql, tuple(params), list(params).index(NO_KEY)


class SessionStore(db.SessionStore):
    """The idle timeout (SESSION_COOKIE_AGE, README "Security") runs from the last request.

    Django's SESSION_SAVE_EVERY_REQUEST moves the expiry by writing the session (BEGIN,
    UPDATE, COMMIT) on every request, for each page a user opens. Here a request writes it
    only when the stored expiry was set more than RENEW_AFTER ago, so a session ends between
    SESSION_COOKIE_AGE minus one minute and SESSION_COOKIE_AGE after the last request: never
    later than the timeout promises. A session whose content changed is saved as always.
    """

    _stored_expiry: datetime.datetime | None = None

    def _get_session_from_db(self):
        # Django's query, compiled once per process (accounts/backends.py): compiling it on
        # every request cost more CPU than running it. An expired session is none.
        sql, params, slot = _session_query()
        params = list(params)
        params[slot] = self.session_key
        stored = next(iter(self.model.objects.raw(sql, params)), None)
        if stored is not None and stored.expire_date <= timezone.now():
            stored = None
        if stored is None:
            self._session_key = None
        self._stored_expiry = stored.expire_date if stored is not None else None
        return stored

    async def _aget_session_from_db(self):
        stored = await super()._aget_session_from_db()
        self._stored_expiry = stored.expire_date if stored is not None else None
        return stored

    def load(self) -> dict:
        data = super().load()
        self._renew_when_due(data)
        return data

    async def aload(self) -> dict:
        data = await super().aload()
        self._renew_when_due(data)
        return data

    def _renew_when_due(self, data: dict) -> None:
        if not data or self._stored_expiry is None:
            return  # no session: nothing to renew
        if "_session_expiry" in data:
            self.modified = True  # an expiry of its own (set_expiry): renew as Django does
            return
        age = datetime.timedelta(seconds=self.get_session_cookie_age())
        if self._stored_expiry - timezone.now() < age - RENEW_AFTER:
            self.modified = True
