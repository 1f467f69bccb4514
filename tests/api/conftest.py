"""API clients: a system holding a token of a persona, or a browser with its session."""

from __future__ import annotations

import pytest
from django.test import Client

from api.services import create_token


def token_client(user, name: str = "Testsysteem") -> Client:
    """A client that sends a fresh token of `user`, and no session cookie."""
    _token, secret = create_token(user=user, name=name)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def api_clients(personas) -> dict[str, Client]:
    return {
        persona: token_client(user) if user is not None else Client()
        for persona, user in personas.items()
    }
