"""Single sign-on against a local OpenID Connect provider (tests/accounts/provider.py): the
full redirect flow, with real HTTP between the register and the provider."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from ..conftest import PASSWORD
from .provider import Provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(settings):
    running = Provider().start()
    for name, value in running.settings().items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "accounts.oidc.EmailMatchingOIDCBackend",
    ]
    yield running
    running.stop()


def sso_login(client: Client, provider: Provider, claims: dict, next_url: str = ""):
    """Click the button, log in at the provider as `claims`, come back; the last response."""
    provider.claims = {"sub": "subject-1", "email_verified": True, **claims}
    start = client.get(reverse("accounts:oidc_login") + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    assert start["Location"].startswith(f"{provider.url}/authorize?")
    asked = parse_qs(urlparse(start["Location"]).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["nonce"]
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = urlparse(at_provider.headers["Location"])
    assert back.path == reverse("accounts:oidc_callback")
    return client.get(f"{back.path}?{back.query}")


def logged_in_user(client: Client) -> User | None:
    response = client.get(reverse("accounts:account"))
    if response.status_code != 200:
        return None
    return response.context["user"]


def test_the_login_page_offers_the_school_account_when_configured(provider):
    page = Client().get(reverse("login")).text
    assert "Inloggen met Testschool" in page
    assert reverse("accounts:oidc_login") in page


def test_without_configuration_there_is_no_school_account_login():
    assert "Inloggen met" not in Client().get(reverse("login")).text
    assert Client().get(reverse("accounts:oidc_login")).status_code == 404
    assert Client().get(reverse("accounts:oidc_callback")).status_code == 404


def test_an_existing_user_is_matched_by_email_address_in_any_case(provider, reader):
    client = Client()
    response = sso_login(client, provider, {"email": "  READER@Example.NL "})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert logged_in_user(client) == reader
    assert User.objects.count() == 1
    assert "Leveranciers" in client.get(reverse("dashboard")).text  # the reader's own role


def test_the_page_asked_for_is_kept(provider, reader):
    client = Client()
    response = sso_login(client, provider, {"email": reader.email}, next_url="/leveranciers/")
    assert response["Location"] == "/leveranciers/"


def test_a_new_person_gets_an_account_without_a_role(provider):
    client = Client()
    response = sso_login(
        client,
        provider,
        {"email": "Docent@School.example", "given_name": "Dana", "family_name": "Docent"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="Docent@School.example")
    assert user.username == "docent@school.example"
    assert user.get_full_name() == "Dana Docent"
    assert not user.groups.exists() and not user.is_staff
    assert not user.has_usable_password()
    dashboard = client.get(reverse("dashboard"))
    assert "U heeft nog geen rol in het register" in dashboard.text
    # Logging in again finds the same account.
    client.post(reverse("logout"))
    sso_login(client, provider, {"email": "docent@school.example"})
    assert User.objects.filter(email__iexact="docent@school.example").count() == 1


def test_two_accounts_with_the_same_address_are_refused(provider):
    User.objects.create_user("een", email="dubbel@school.nl")
    User.objects.create_user("twee", email="Dubbel@School.nl")
    client = Client()
    response = sso_login(client, provider, {"email": "dubbel@school.nl"})
    assert response["Location"] == reverse("login")
    assert logged_in_user(client) is None
    page = client.get(reverse("login")).text
    assert "Er zijn meerdere accounts met het e-mailadres dubbel@school.nl" in page
    assert User.objects.count() == 2


def test_the_fg_still_gives_the_registers_own_second_factor(provider, fg):
    client = Client()
    sso_login(client, provider, {"email": fg.email})
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_an_id_token_meant_for_another_client_is_refused(provider, reader):
    provider.id_token_overrides = {"aud": "another-application"}
    client = Client()
    response = sso_login(client, provider, {"email": reader.email})
    assert response.status_code == 400
    assert logged_in_user(client) is None


def test_an_id_token_from_another_issuer_is_refused(provider, reader):
    provider.id_token_overrides = {"iss": "https://elders.example"}
    client = Client()
    assert sso_login(client, provider, {"email": reader.email}).status_code == 400
    assert logged_in_user(client) is None


def test_an_unconfirmed_address_is_refused(provider, reader):
    client = Client()
    response = sso_login(client, provider, {"email": reader.email, "email_verified": False})
    assert response["Location"] == reverse("login")
    assert logged_in_user(client) is None
    assert "niet bevestigd" in client.get(reverse("login")).text


def test_only_the_allowed_domains_may_sign_in(provider, settings):
    settings.OIDC_ALLOWED_EMAIL_DOMAINS = ["waterlinie.example"]
    client = Client()
    response = sso_login(client, provider, {"email": "iemand@elders.example"})
    assert response["Location"] == reverse("login")
    assert not User.objects.exists()
    assert "Met een e-mailadres van elders.example" in client.get(reverse("login")).text
    sso_login(client, provider, {"email": "iemand@waterlinie.example"})
    assert logged_in_user(client).email == "iemand@waterlinie.example"


def test_a_deactivated_account_cannot_sign_in(provider, reader):
    reader.is_active = False
    reader.save()
    client = Client()
    response = sso_login(client, provider, {"email": reader.email})
    assert response["Location"] == reverse("login")
    assert logged_in_user(client) is None
    assert "niet gelukt" in client.get(reverse("login")).text


def test_a_code_is_used_once(provider, reader):
    """The provider refuses a replayed code, and the register its used-up state."""
    client = Client()
    provider.claims = {"sub": "s", "email": reader.email}
    start = client.get(reverse("accounts:oidc_login"))
    back = urlparse(
        requests.get(start["Location"], allow_redirects=False, timeout=10).headers["Location"]
    )
    assert client.get(f"{back.path}?{back.query}").status_code == 302
    client.post(reverse("logout"))
    assert client.get(f"{back.path}?{back.query}").status_code in (302, 400)
    assert logged_in_user(client) is None


def test_local_accounts_keep_working_next_to_single_sign_on(provider, reader):
    client = Client()
    response = client.post(reverse("login"), {"username": "reader", "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user(client) == reader
