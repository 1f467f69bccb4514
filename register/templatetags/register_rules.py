"""Template access to the register's rules for pages of lower layers.

The suppliers app may not import `register` (layering: suppliers <- agreements <- register),
so its product page asks for the product's flags through this tag instead; likewise the
agreement's review page asks which flags an approval would leave open.
"""

from django import template

from agreements.models import Agreement, AgreementStatus, Finding
from register.rules.flags import flags_for_product, flags_if_approved

register = template.Library()


@register.simple_tag
def product_flags(product):
    """The open flags whose subject is this product (DESIGN.md section 5)."""
    return flags_for_product(product)


@register.simple_tag
def flags_open_after_approval(agreement: Agreement):
    """The flags an FG approval of this agreement, as it is now, would not close."""
    return flags_if_approved(agreement)


@register.simple_tag
def product_accepted_risks(product):
    """The risks the FG accepted in the agreements covering this product (issue 17)."""
    return list(
        Finding.objects.accepted()
        .filter(agreement__products=product)
        .exclude(agreement__status=AgreementStatus.TERMINATED)
        .select_related("agreement")
        .order_by("agreement__reference", "created_at", "pk")
    )
