"""The password login's backend: Django's ModelBackend, with the user's FG membership and
second factor read in the same query that loads the user on every request, and the
permissions of the user and of its groups in one query.

Every request runs both queries. Building and compiling them with the ORM cost more CPU
(some 2 ms) than running them, so each is compiled once per process, for a user id no user
has, and a request puts its user's id in that id's place."""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from .two_factor import second_factor_facts

NO_USER = -2_000_000_001  # the id the queries are compiled for


def _user_query() -> QuerySet:
    User = get_user_model()
    memberships = User.groups.through.objects.filter(
        user_id=OuterRef("pk"), group__name=settings.FG_GROUP
    )
    return User._default_manager.annotate(
        in_fg_group=Exists(memberships), **second_factor_facts()
    ).filter(pk=NO_USER)


def _permissions_query() -> QuerySet:
    User = get_user_model()
    own = User.user_permissions.through.objects.filter(user_id=NO_USER)
    of_groups = Group.permissions.through.objects.filter(
        group__in=User.groups.through.objects.filter(user_id=NO_USER).values("group_id")
    )
    return (
        Permission.objects.filter(
            Q(pk__in=own.values("permission_id")) | Q(pk__in=of_groups.values("permission_id"))
        )
        .values_list("content_type__app_label", "codename")
        .order_by()
    )


QUERIES = {"user": _user_query, "permissions": _permissions_query}


@functools.lru_cache(maxsize=16)
def _compiled(name: str, depends_on: tuple) -> tuple[str, tuple, tuple[int, ...]]:
    """The SQL of QUERIES[name], its parameters and where the user id goes in them;
    `depends_on` holds what the SQL depends on besides the user."""
    sql, params = QUERIES[name]().query.sql_with_params()
    slots = tuple(i for i, param in enumerate(params) if param == NO_USER)
    return sql, tuple(params), slots


def sql_for(name: str, user_id: int) -> tuple[str, list]:
    depends_on = (
        connection.vendor,
        settings.FG_GROUP,
        tuple(settings.TWO_FACTOR_REQUIRED_GROUPS),
    )
    sql, params, slots = _compiled(name, depends_on)
    params = list(params)
    for slot in slots:
        params[slot] = user_id
    return sql, params


class ModelBackendWithRoles(ModelBackend):
    """`user.in_fg_group` comes with the user, so the pages that ask whether the user is the
    FG (agreements.services.is_fg: only the FG's own group may decide) pay no query for it;
    so do the facts the two-factor check reads before every page (accounts/middleware.py)."""

    def get_user(self, user_id):
        User = get_user_model()
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        user = next(iter(User._default_manager.raw(*sql_for("user", user_id))), None)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        """The user's own permissions and its groups', in one query instead of Django's two
        (every page checks a permission). Kept on the user for the request, as Django does."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj)
        if not hasattr(user_obj, "_perm_cache"):
            with connection.cursor() as cursor:
                cursor.execute(*sql_for("permissions", user_obj.pk))
                rows = cursor.fetchall()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
