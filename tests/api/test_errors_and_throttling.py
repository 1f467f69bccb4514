"""Errors in Dutch with a stable machine code, and throttling per token."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import Client

from api.services import create_token

from .conftest import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/suppliers/"


@pytest.fixture
def low_rate(settings):
    settings.API_THROTTLE_RATE = "3/minute"
    caches[settings.RULES_CACHE].clear()
    yield
    caches[settings.RULES_CACHE].clear()


def test_without_login_or_token_the_api_says_401_in_dutch():
    response = Client().get(URL)
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Log in of geef een API-token mee in de header “Authorization: Bearer <token>”.",
    }
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_method_the_endpoint_does_not_have_is_405_with_a_code(reader):
    response = token_client(reader).delete(URL)
    assert response.status_code == 405
    assert response.json() == {
        "code": "method_not_allowed",
        "detail": "Deze methode is hier niet toegestaan.",
    }


def test_a_request_for_another_format_is_406(reader):
    response = token_client(reader).get(URL, HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"


def test_another_format_asked_in_the_address_is_406_too_and_json_is_served(reader):
    client = token_client(reader)
    response = client.get(URL, {"format": "yaml"})
    assert response.status_code == 406
    assert response.json() == {
        "code": "not_acceptable",
        "detail": "Deze API antwoordt alleen in JSON (Accept: application/json).",
    }
    assert client.get(URL, {"format": "json"}).status_code == 200


def test_each_token_has_its_own_budget(low_rate, reader, procurement):
    first = token_client(reader, "Portaal")
    for _ in range(3):
        assert first.get(URL).status_code == 200

    refused = first.get(URL)

    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "throttled"
    assert body["detail"].startswith("Te veel verzoeken met dit token. Probeer het over ")
    assert int(refused["Retry-After"]) > 0
    # Another token, even of the same user, and another user's token still get in.
    assert token_client(reader, "Dashboard").get(URL).status_code == 200
    assert token_client(procurement).get(URL).status_code == 200


def test_the_budget_is_counted_in_the_cache_the_workers_share(low_rate, reader, settings):
    """With DJANGO_RULES_CACHE set (README), every gunicorn worker counts a token's requests
    in one place: the count is not in a worker's own memory (the default cache)."""
    from django.core.management import call_command

    settings.CACHES = {
        **settings.CACHES,
        settings.RULES_CACHE: {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "throttle_cache_test",
        },
    }
    call_command("createcachetable", "throttle_cache_test", verbosity=0)
    client = token_client(reader, "Portaal")
    for _ in range(3):
        assert client.get(URL).status_code == 200
        caches["default"].clear()  # another worker's memory
    assert client.get(URL).status_code == 429


def test_the_budget_is_per_token_not_per_address(low_rate, reader):
    _token, secret = create_token(user=reader, name="Portaal")
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        Client(HTTP_AUTHORIZATION=f"Bearer {secret}", REMOTE_ADDR=address).get(URL)
    other_address = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", REMOTE_ADDR="10.0.0.4")
    assert other_address.get(URL).status_code == 429
