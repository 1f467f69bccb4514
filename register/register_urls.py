from django.urls import path

from . import views

app_name = "register"

urlpatterns = [
    path("verwerkingen/", views.activity_list, name="activity_list"),
    path("verwerkingen/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("inkoopcheck/", views.procurement_check, name="procurement_check"),
]
