"""Form widgets for a choice among many records, with Django's own markup.

Django renders every option of a `<select>` or a list of checkboxes through template
includes (the option, its attributes), some 40 microseconds an option. The product form
offers every supplier (1,500 at scale 1) and every school (250): 90 ms of its 140 ms went
to those includes (docs/performance.md). These widgets write the same markup, to the byte
(tests/suppliers/test_widgets.py compares them with Django's templates), in Python.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html"""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{_value(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _text(value: Any) -> str:
    """A value as `{{ value }}` shows it (localized, escaped unless marked safe)."""
    return conditional_escape(localize(value))


def _value(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: its text, escaped unless marked safe."""
    return conditional_escape(value if isinstance(value, SafeData) else str(value))


class ManyOptionsSelect(forms.Select):
    """A `<select>` as django/forms/widgets/select.html and select_option.html write it."""

    def render(self, name: str, value: Any, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_text(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{_value(option["value"])}"{_attrs(option["attrs"])}>'
                    f"{_text(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))


class ManyCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes as django/forms/widgets/multiple_input.html, input_option.html and
    input.html write them."""

    def render(self, name: str, value: Any, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        id_ = widget["attrs"].get("id")
        css = widget["attrs"].get("class")
        parts = ["<div"]
        if id_:
            parts.append(f' id="{_text(id_)}"')
        if css:
            parts.append(f' class="{_text(css)}"')
        parts.append(">")
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f"\n  <div><label>{_text(group_name)}</label>")
            for option in options:
                parts.append(f"<div>\n    {_option(option)}\n</div>")
            if group_name:
                parts.append("\n  </div>")
        parts.append("\n</div>")
        return mark_safe("".join(parts))


def _option(option: dict[str, Any]) -> str:
    """django/forms/widgets/checkbox_option.html (input_option.html, input.html)."""
    attrs = option["attrs"]
    value = option["value"]
    tag = f'<input type="{_text(option["type"])}" name="{_text(option["name"])}"'
    if value is not None:
        tag += f' value="{_value(value)}"'
    tag += f"{_attrs(attrs)}>\n"
    if not option["wrap_label"]:
        return f"{tag}\n"
    label_for = f' for="{_text(attrs["id"])}"' if attrs.get("id") else ""
    return f"<label{label_for}>{tag} {_text(option['label'])}</label>\n"
