import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ..conftest import client_for, make_agreement, make_product

pytestmark = pytest.mark.django_db


def iter_patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            yield from iter_patterns(entry, f"{prefix}{ns}:" if ns else prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", entry


# The login page and single sign-on (which is a way of logging in; 404 while not configured).
OPEN_PAGES = {"login", "accounts:oidc_login", "accounts:oidc_callback"}
# The API answers 401 with a JSON error instead (a system cannot follow a login redirect);
# its documentation page is a page like the others.
API_DATA = "api:"
API_PAGES = {"api:docs"}


def test_every_page_but_login_redirects_anonymous_visitors():
    agreement = make_agreement([make_product()])
    checked = 0
    for name, pattern in iter_patterns():
        if name.startswith("admin:") or name in OPEN_PAGES:
            continue
        kwargs = {key: agreement.pk for key in pattern.pattern.converters}
        url = reverse(name, kwargs=kwargs)
        response = client_for(None).get(url)
        if name.startswith(API_DATA) and name not in API_PAGES:
            assert response.status_code == 401, name
            assert response.json()["code"] == "not_authenticated", name
            continue
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name
        checked += 1
    assert checked >= 8


def test_the_login_page_is_open():
    assert client_for(None).get(reverse("login")).status_code == 200


def test_a_logged_in_reader_sees_the_navigation(reader):
    response = client_for(reader).get(reverse("dashboard"))
    assert response.status_code == 200
    for label in [
        "Leveranciers",
        "Producten",
        "Overeenkomsten",
        "Verwerkingsregister",
        "Inkoopcheck",
    ]:
        assert label in response.text
