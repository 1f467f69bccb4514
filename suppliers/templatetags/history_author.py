from django import template

from ..history import record_author

register = template.Library()


@register.filter
def history_author(record) -> str:
    """Who wrote a simple-history record: a user, the operator, or the system."""
    return record_author(record)
