"""Template access to the register's rules for pages of lower layers.

The suppliers app may not import `register` (layering: suppliers <- agreements <- register),
so its product page asks for the product's flags through this tag instead.
"""

from django import template

from register.rules.flags import flags_for_product

register = template.Library()


@register.simple_tag
def product_flags(product):
    """The open flags whose subject is this product (DESIGN.md section 5)."""
    return flags_for_product(product)
