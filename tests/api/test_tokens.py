"""The token lifecycle: made by its user on the API-tokens page, shown once, stored hashed,
acting as its user with that user's role, revoked by the user or the admin."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from api.models import ApiToken
from api.services import create_token, revoke_token

from ..conftest import client_for, make_user

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"


def make_on_page(user, name: str = "Bestelsysteem") -> tuple[str, str]:
    """Make a token on the page as `user`; the page's HTML and the secret it shows."""
    response = client_for(user).post(reverse("tokens:token_create"), {"name": name})
    assert response.status_code == 200
    secret = re.search(r'value="(pr_[^"]+)"', response.text).group(1)
    return response.text, secret


def bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_the_menu_links_to_the_token_page(reader):
    response = client_for(reader).get(reverse("dashboard"))
    assert reverse("tokens:token_list") in response.text
    assert "API-tokens" in response.text


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(procurement):
    html, secret = make_on_page(procurement)

    assert "wordt maar één keer getoond" in html
    token = ApiToken.objects.get(user=procurement)
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.name, token.prefix, token.key_hash}
    assert secret.startswith(token.prefix) and len(token.prefix) < len(secret) / 3
    # Afterwards the page lists the token by its beginning, never the secret again.
    listed = client_for(procurement).get(reverse("tokens:token_list")).text
    assert secret not in listed
    assert token.prefix in listed and "Bestelsysteem" in listed


def test_the_page_shows_a_dutch_error_without_a_name(reader):
    response = client_for(reader).post(reverse("tokens:token_create"), {"name": "  "})
    assert response.status_code == 200
    assert "Geef het token een naam" in response.text
    assert not ApiToken.objects.exists()


def test_a_token_acts_as_its_user_with_that_users_role(procurement, reader):
    _html, secret = make_on_page(procurement)
    intake = {"name": "Typtuin", "supplier_name": "Typ BV", "intended_use": "Typen groep 6"}

    response = bearer(secret).post("/api/v1/intakes/", intake, content_type="application/json")
    assert response.status_code == 201
    assert ApiToken.objects.get(user=procurement).last_used_at is not None

    _html, reader_secret = make_on_page(reader)
    response = bearer(reader_secret).post(
        "/api/v1/intakes/", {**intake, "name": "Anders"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_token_follows_its_users_role_when_it_changes(reader):
    _token, secret = create_token(user=reader, name="Portaal")
    assert bearer(secret).get(PRODUCTS).status_code == 200
    reader.groups.clear()
    assert bearer(secret).get(PRODUCTS).status_code == 403
    reader.groups.add(Group.objects.get(name="reader"))
    reader.is_active = False
    reader.save()
    assert bearer(secret).get(PRODUCTS).status_code == 401


def test_the_user_revokes_a_token_on_the_page_and_it_stops_working_at_once(reader):
    _html, secret = make_on_page(reader)
    token = ApiToken.objects.get(user=reader)
    assert bearer(secret).get(PRODUCTS).status_code == 200

    response = client_for(reader).post(reverse("tokens:token_revoke", args=[token.pk]), follow=True)

    assert "is ingetrokken" in response.text
    assert "ingetrokken op" in response.text  # the row stays, as a record
    refused = bearer(secret).get(PRODUCTS)
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
    token.refresh_from_db()
    assert token.revoked_by == reader


def test_nobody_revokes_someone_elses_token(reader, fg):
    token, secret = create_token(user=fg, name="Van de FG")
    response = client_for(reader).post(reverse("tokens:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    assert bearer(secret).get(PRODUCTS).status_code == 200
    with pytest.raises(PermissionDenied):
        revoke_token(token=token, by=reader)


def test_someone_elses_tokens_are_not_listed(reader, fg):
    create_token(user=fg, name="Geheim koppelvlak")
    assert "Geheim koppelvlak" not in client_for(reader).get(reverse("tokens:token_list")).text


def test_the_admin_sees_and_revokes_any_token_but_never_its_secret(admin_user, reader):
    token, secret = create_token(user=reader, name="Dashboard bestuur")
    admin = client_for(admin_user)

    listing = admin.get(reverse("admin:api_apitoken_changelist")).text
    assert "Dashboard bestuur" in listing and secret not in listing
    assert (
        token.key_hash not in admin.get(reverse("admin:api_apitoken_change", args=[token.pk])).text
    )
    assert admin.get(reverse("admin:api_apitoken_add")).status_code == 403

    admin.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    assert bearer(secret).get(PRODUCTS).status_code == 401
    token.refresh_from_db()
    assert token.revoked_by == admin_user


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer pr_a pr_b",
        "Bearer geen-token-van-ons",
        "Bearer pr_bestaatniet",
    ],
)
def test_a_malformed_or_unknown_token_is_refused_with_a_dutch_reason(header, reader):
    create_token(user=reader, name="Echt")
    response = Client(HTTP_AUTHORIZATION=header).get(PRODUCTS)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "authentication_failed"
    assert "token" in body["detail"].lower()
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_request_ignores_no_session_and_needs_no_csrf_token(procurement):
    _token, secret = create_token(user=procurement, name="Bestelsysteem")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.post(
        "/api/v1/intakes/",
        {"name": "Woordkrachtig", "supplier_name": "Taal BV", "intended_use": "Spelling"},
        content_type="application/json",
    )
    assert response.status_code == 201


def test_a_session_post_without_csrf_token_is_refused(procurement):
    client = Client(enforce_csrf_checks=True)
    client.force_login(procurement)
    response = client.post(
        "/api/v1/intakes/",
        {"name": "Woordkrachtig", "supplier_name": "Taal BV", "intended_use": "Spelling"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "detail": "De CSRF-controle van de browsersessie is mislukt: stuur de header "
        "X-CSRFToken mee, of gebruik een API-token.",
    }


def test_two_users_tokens_never_collide(reader):
    other = make_user("tweede_lezer", "reader")
    secrets = {create_token(user=u, name="x")[1] for u in (reader, other) for _ in range(5)}
    assert len(secrets) == 10
