"""The pages' permission matrix, applied to the API: each view names the Django permission
its page requires (`permission_required`), so a token can do exactly what its user's role may."""

from __future__ import annotations

from rest_framework.permissions import BasePermission


class RolePermission(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False  # DRF answers 401 (not authenticated), not 403
        return user.has_perm(view.permission_required)
