from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = _("Verwerkingsregister")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from suppliers.panels import add_product_panel

        from .panels import product_flags_panel
        from .revision import first_mark_after_flush
        from .roles import sync_roles_after_migrate

        # After every migrate (and flush): a first mark for the rules' cache (the triggers
        # come with the migrations), and the role groups with exactly the permissions of the
        # matrix in roles.py.
        post_migrate.connect(first_mark_after_flush, sender=self)
        post_migrate.connect(sync_roles_after_migrate, sender=self)
        # The product page (suppliers app) shows the product's flags through this panel.
        add_product_panel(product_flags_panel)
