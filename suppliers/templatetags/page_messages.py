"""Messages shown where they belong: a message for one section of a page (its extra tag
`at-<section id>`) is shown in that section, the others at the top of the page."""

from django import template

register = template.Library()

PREFIX = "at-"


def section_tag(section: str) -> str:
    """The extra tag that shows a message in the page's section with this id."""
    return f"{PREFIX}{section}"


@register.filter
def at_section(messages, section: str) -> list:
    """The messages for this section; with "", those for no section (the top of the page)."""
    shown = []
    for message in messages:
        tags = [t for t in (message.extra_tags or "").split() if t.startswith(PREFIX)]
        if (section_tag(section) in tags) if section else not tags:
            shown.append(message)
    return shown
