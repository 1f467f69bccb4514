from django.urls import path

from . import oidc, views

app_name = "accounts"

urlpatterns = [
    path("inloggen/sso/", oidc.oidc_login, name="oidc_login"),
    path("inloggen/sso/terug/", oidc.oidc_callback, name="oidc_callback"),
    path("inloggen/code/", views.two_factor_verify, name="two_factor_verify"),
    path("account/", views.account, name="account"),
    path("account/tweestapsverificatie/", views.two_factor_setup, name="two_factor_setup"),
    path(
        "account/tweestapsverificatie/uitzetten/",
        views.two_factor_disable,
        name="two_factor_disable",
    ),
    path("account/herstelcodes/", views.recovery_codes, name="recovery_codes"),
]
