"""Imports go only suppliers <- agreements <- register <- api (DESIGN.md section 3; the REST
API of issue 18 is the top layer and may import from all three)."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "suppliers": {"agreements", "register", "api"},
    "agreements": {"register", "api"},
    "register": {"api"},
}


def imported_top_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_lower_layers_never_import_higher_ones(app):
    offenders = []
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        bad = imported_top_packages(path) & FORBIDDEN[app]
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not offenders, offenders


# --- templates ----------------------------------------------------------------------------------

TEMPLATES = ROOT / "templates"
# Template folders and the app whose code renders them (the reminder e-mails are the
# agreements app's); base.html and the error pages belong to the project (register).
TEMPLATE_FOLDERS = {
    "suppliers": "suppliers",
    "agreements": "agreements",
    "emails": "agreements",
    "register": "register",
    "registration": "register",
}
LOAD = re.compile(r"{%\s*load\s+([^%]+?)\s*%}")
URL = re.compile(r"""{%\s*url\s+(['"])([^'"]+)\1""")
INCLUDE = re.compile(r"""{%\s*(?:include|extends)\s+(['"])([^'"]+)\1""")


def _url_apps() -> dict[str, str]:
    """Each named URL and the top package of the view behind it."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(resolver, prefix: str):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace
                yield from walk(entry, f"{prefix}{ns}:" if ns else prefix)
            elif isinstance(entry, URLPattern) and entry.name:
                yield f"{prefix}{entry.name}", entry.callback.__module__.split(".")[0]

    return dict(walk(get_resolver(), ""))


def template_offences(app: str, path: Path, text: str) -> list[str]:
    from django.template import engines

    libraries = engines["django"].engine.libraries  # name -> module path
    url_apps = _url_apps()
    higher = FORBIDDEN[app]
    where = path.relative_to(ROOT)
    offences = []
    for names in LOAD.findall(text):
        for name in names.split():
            if name == "from":
                break  # {% load tag from library %}: the library follows
            if libraries.get(name, "").split(".")[0] in higher:
                offences.append(f"{where} loads {name}")
    for _quote, name in URL.findall(text):
        if url_apps.get(name) in higher:
            offences.append(f"{where} reverses {name}")
    for _quote, name in INCLUDE.findall(text):
        folder = name.split("/")[0]
        if TEMPLATE_FOLDERS.get(folder, folder) in higher:
            offences.append(f"{where} includes {name}")
    return offences


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_lower_layers_templates_never_use_higher_apps(app):
    offences = []
    for folder, owner in TEMPLATE_FOLDERS.items():
        if owner != app:
            continue
        for path in sorted((TEMPLATES / folder).rglob("*")):
            if path.is_file():
                offences += template_offences(app, path, path.read_text())
    if app == "register":  # base.html and the error pages: the API adds its link by a hook
        for path in sorted(TEMPLATES.glob("*.html")):
            offences += template_offences(app, path, path.read_text())
    assert not offences, offences


@pytest.mark.parametrize(
    "text",
    [
        "{% load i18n register_tags %}",
        "<a href=\"{% url 'register:procurement_check' %}\">",
        "<a href=\"{% url 'dashboard' %}\">",
        '{% include "register/_verdict.html" %}',
    ],
)
def test_the_template_check_catches_a_higher_app(text, monkeypatch):
    from django.template import engines

    engine = engines["django"].engine
    monkeypatch.setitem(engine.libraries, "register_tags", "register.templatetags.register_tags")
    path = TEMPLATES / "suppliers" / "example.html"
    assert template_offences("suppliers", path, text)
    assert not template_offences(
        "suppliers", path, "{% load i18n %}{% url 'suppliers:product_list' %}"
    )
