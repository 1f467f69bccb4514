"""The OpenAPI schema at /api/schema/, the documentation page under the strict CSP, and
schemathesis against the live schema: no 500, and every response matches the schema."""

from __future__ import annotations

import os
import re

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.services import create_token
from register.demo import load_demo

from ..conftest import client_for
from ..security.test_csp_pages import (
    EVENT_HANDLER,
    EXTERNAL,
    INLINE_SCRIPT,
    STYLE_ATTRIBUTE,
    STYLE_ELEMENT,
)
from .conftest import token_client

pytestmark = pytest.mark.django_db

# Examples per operation and generation mode; CI keeps it small (about 30 s in all).
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "8"))
ENDPOINTS = [
    "/api/v1/suppliers/",
    "/api/v1/suppliers/{id}/",
    "/api/v1/products/",
    "/api/v1/products/{id}/",
    "/api/v1/agreements/",
    "/api/v1/agreements/{id}/",
    "/api/v1/data-flows/",
    "/api/v1/data-flows/{id}/",
    "/api/v1/processing-activities/",
    "/api/v1/processing-activities/{id}/",
    "/api/v1/flags/",
    "/api/v1/level/",
    "/api/v1/procurement-check/",
    "/api/v1/intakes/",
]


def test_the_schema_is_openapi_3_and_describes_every_endpoint(reader):
    response = token_client(reader).get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert sorted(schema["paths"]) == sorted(ENDPOINTS)
    assert schema["components"]["securitySchemes"]["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["token"]["description"],
    }
    # No endpoint decides, submits or changes an agreement: the only write is the intake.
    writes = [
        (path, method)
        for path, operations in schema["paths"].items()
        for method in operations
        if method not in {"get", "parameters"}
    ]
    assert writes == [("/api/v1/intakes/", "post")]
    yaml = token_client(reader).get("/api/schema/?format=yaml")
    assert yaml.status_code == 200 and "openapi: 3" in yaml.text


def test_the_documentation_page_runs_under_the_strict_csp(reader, settings):
    settings.WHITENOISE_USE_FINDERS = True  # serve the vendored assets without collectstatic
    client = client_for(reader)
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.text
    for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE_ATTRIBUTE, STYLE_ELEMENT, EXTERNAL):
        assert not pattern.search(html), pattern.pattern
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    # The vendored Swagger UI, and its start script as a file of our own origin.
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert any("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle" in s for s in scripts)
    start = next(s for s in scripts if "script" in s and s.startswith(reverse("api:docs")))
    script = client.get(start.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert reverse("api:schema") in script.text
    for asset in scripts[:2]:
        assert client.get(asset).status_code == 200, asset


@pytest.fixture
def wsgi_app():
    """The real WSGI application, in the test's transaction: the per-request connection
    cleanup is switched off as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_schemathesis_finds_no_server_error_and_no_response_outside_the_schema(
    wsgi_app, procurement
):
    load_demo()
    _token, secret = create_token(user=procurement, name="schemathesis")
    headers = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert sorted({op.path for op in operations}) == sorted(ENDPOINTS)
    problems: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
            def run(case):
                response = case.call()
                assert response.status_code < 500, f"{case.method} {case.formatted_path}"
                case.validate_response(response, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                pass  # nothing to make invalid (GET /api/v1/level/ takes no input)
            except Exception as error:  # collect every operation's failure, then report
                problems.append(f"{operation.label} ({mode.value}): {error}")
    assert problems == []
