"""How the API describes itself in the OpenAPI schema: every operation's error answers and
the token authentication. Kept apart from the views: DRF imports this while loading them."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from .serializers import ErrorSerializer

# Every operation can answer these, always with {"code", "detail"} (api/exceptions.py).
ERROR_STATUSES = {
    "400": "Ongeldige invoer of filter (code invalid).",
    "401": "Niet ingelogd en geen (geldig) token (code not_authenticated of "
    "authentication_failed).",
    "403": "De rol van de gebruiker geeft geen toegang (code permission_denied).",
    "404": "Niet gevonden (code not_found).",
    "429": "Te veel verzoeken met dit token (code throttled).",
}


class RegisterAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response":
            for code, description in ERROR_STATUSES.items():
                if code not in responses:
                    body = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                    body["description"] = description
                    responses[code] = body
        return responses


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Een persoonlijk API-token (pagina API-tokens), als "
            "`Authorization: Bearer <token>`.",
        }
