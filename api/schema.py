"""The OpenAPI schema (drf-spectacular) and the documentation pages.

The Swagger UI page works under the register's strict CSP: its assets are vendored
(drf-spectacular-sidecar), its start script is a separate file (SpectacularSwaggerSplitView)
and our template has no inline style.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .permissions import RolePermission


class SchemaView(SpectacularAPIView):
    """The schema, for systems (token) and the documentation page (session)."""

    permission_classes = [RolePermission]
    permission_required = "suppliers.view_product"
    # JSON (application/json) unless YAML is asked for (Accept or ?format=yaml).
    renderer_classes = [
        OpenApiJsonRenderer2,
        OpenApiJsonRenderer,
        OpenApiYamlRenderer,
        OpenApiYamlRenderer2,
    ]

    @classmethod
    def as_view(cls, *args, **kwargs):
        return login_not_required(super().as_view(*args, **kwargs))


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI for people: a browser page behind the login like every other page."""

    permission_classes = [RolePermission]
    permission_required = "suppliers.view_product"
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    title = "Privacyregister API"

    @classmethod
    def as_view(cls, *args, **kwargs):
        # DRF marks its views login_not_required; this page keeps LoginRequiredMiddleware's
        # redirect to the login page.
        view = super().as_view(*args, **kwargs)
        view.login_required = True
        return view
