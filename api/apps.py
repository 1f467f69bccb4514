from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        # Registers the token authentication with drf-spectacular (the schema's security).
        from . import openapi  # noqa: F401
