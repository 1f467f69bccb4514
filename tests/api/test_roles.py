"""Every API route x every persona with a token: exactly the answers the permission matrix
(tests/security/test_permission_matrix.py) pins for the same persona's session."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ..security.test_permission_matrix import (
    EXPECTED,
    PERSONAS,
    REFUSED,
    each_persona_and_method,
    outcome_problem,
    register_state,
    world,  # noqa: F401 (the fixture)
)
from ..security.urlmap import app_patterns, kwargs_for
from .conftest import token_client

pytestmark = pytest.mark.django_db

# The documentation page is for a browser (behind the login), not for a token.
API_ROUTES = sorted(
    name for name, _pattern in app_patterns() if name.startswith("api:") and name != "api:docs"
)


def test_every_api_route_is_in_the_matrix():
    assert len(API_ROUTES) >= 15
    assert all(name in EXPECTED for name in API_ROUTES)


@pytest.mark.parametrize("name", API_ROUTES)
def test_a_token_gets_what_its_users_role_may(name, world, personas):  # noqa: F811
    expect = EXPECTED[name]
    patterns = dict(app_patterns())

    def check(persona: str, method: str) -> str | None:
        user = personas[persona]
        client = token_client(user) if user is not None else Client()
        url = reverse(name, kwargs=kwargs_for(name, patterns[name], world))
        before = register_state()
        if method == "GET":
            response = client.get(url + (expect.query(world) if expect.query else ""))
        else:
            response = client.post(
                url, expect.data(world) if expect.data else {}, content_type="application/json"
            )
        expected = getattr(expect, method)[persona]
        problem = outcome_problem(response, expected)
        if problem:
            return problem
        body = response.json()
        if expected in REFUSED and set(body) != {"code", "detail"}:
            return f"refusal without code and detail: {body}"
        if expected in REFUSED and register_state() != before:
            return "refused, but the register changed"
        return None

    assert each_persona_and_method(check) == []


def test_the_personas_are_the_matrix_personas():
    assert PERSONAS == ["anonymous", "reader", "procurement", "privacy_officer", "fg"]
