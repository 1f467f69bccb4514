from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.views import LoginView

from .views import dashboard

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("inloggen/", LoginView.as_view(), name="login"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path("leveranciers/", include("suppliers.urls")),
    path("overeenkomsten/", include("agreements.urls")),
    path("register/", include("register.register_urls")),
    path("", include("accounts.urls")),
    path("api/", include("api.urls")),
    path("api-tokens/", include("api.token_urls")),
    path("beheer/", admin.site.urls),
]

# A JSON error for an unknown address under /api/, the register's page elsewhere.
handler404 = "api.views.not_found"
