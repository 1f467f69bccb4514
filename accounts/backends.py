"""The password login's backend: Django's ModelBackend, with the user's FG membership and
second factor read in the same query that loads the user on every request."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

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
