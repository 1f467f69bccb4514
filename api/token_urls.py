from django.urls import path

from . import token_views

app_name = "tokens"

urlpatterns = [
    path("", token_views.token_list, name="token_list"),
    path("nieuw/", token_views.token_create, name="token_create"),
    path("<int:pk>/intrekken/", token_views.token_revoke, name="token_revoke"),
]
