"""The page where a user makes and revokes their own API tokens (a token acts as its user)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import TokenForm
from .models import ApiToken
from .services import create_token, revoke_token


def _page(request: HttpRequest, form: TokenForm, secret: str = "", new=None) -> HttpResponse:
    ctx = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user),
        "secret": secret,
        "new_token": new,
    }
    return render(request, "api/token_list.html", ctx)


def token_list(request: HttpRequest) -> HttpResponse:
    return _page(request, TokenForm())


@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form)
    token, secret = create_token(user=request.user, name=form.cleaned_data["name"])
    # Rendered, not redirected: the secret is shown once and kept nowhere (no message, no
    # session); the response is no-store like every page of a logged-in user.
    return _page(request, TokenForm(), secret=secret, new=token)


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    revoke_token(token=token, by=request.user)
    messages.success(
        request,
        _(
            "Token “%(name)s” is ingetrokken; systemen die het gebruiken krijgen nu geen toegang meer."
        )
        % {"name": token.name},
    )
    return redirect("tokens:token_list")
