from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Verwerkersovereenkomsten")

    def ready(self) -> None:
        from suppliers.panels import (
            add_product_form_extension,
            product_form_panels,
            product_panels,
            supplier_form_panels,
            supplier_panels,
        )

        from . import signals  # noqa: F401
        from .panels import (
            accepted_risks_panel,
            add_agreement_for_product_panel,
            add_agreement_for_supplier_panel,
            covered_product_keeps_its_supplier,
            name_in_approvals_of_product_panel,
            name_in_approvals_of_supplier_panel,
            privacy_notices_panel,
        )

        # The product page (suppliers app) shows the risks the FG accepted (issue 17).
        product_panels.add(accepted_risks_panel)
        # And what its privacy notices say (DESIGN.md 11.2).
        product_panels.add(privacy_notices_panel)
        # "Overeenkomst toevoegen" on the supplier and product pages (issue 17).
        supplier_panels.add(add_agreement_for_supplier_panel)
        product_panels.add(add_agreement_for_product_panel)
        # The product form refuses to move a covered product to another supplier.
        add_product_form_extension(covered_product_keeps_its_supplier)
        # The product and supplier forms say which approvals a new name would void.
        product_form_panels.add(name_in_approvals_of_product_panel)
        supplier_form_panels.add(name_in_approvals_of_supplier_panel)
