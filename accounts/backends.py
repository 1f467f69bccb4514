"""The password login's backend: Django's ModelBackend, with the user's FG membership and
second factor read in the same query that loads the user on every request, and the
permissions of the user and of its groups in one query."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q

from .two_factor import second_factor_facts


class ModelBackendWithRoles(ModelBackend):
    """`user.in_fg_group` comes with the user, so the pages that ask whether the user is the
    FG (agreements.services.is_fg: only the FG's own group may decide) pay no query for it;
    so do the facts the two-factor check reads before every page (accounts/middleware.py)."""

    def get_user(self, user_id):
        User = get_user_model()
        memberships = User.groups.through.objects.filter(
            user_id=OuterRef("pk"), group__name=settings.FG_GROUP
        )
        user = (
            User._default_manager.annotate(in_fg_group=Exists(memberships), **second_factor_facts())
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        """The user's own permissions and its groups', in one query instead of Django's two
        (every page checks a permission). Kept on the user for the request, as Django does."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj)
        if not hasattr(user_obj, "_perm_cache"):
            rows = (
                Permission.objects.filter(Q(user=user_obj) | Q(group__user=user_obj))
                .values_list("content_type__app_label", "codename")
                .order_by()
                .distinct()
            )
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
