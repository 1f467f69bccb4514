from django.urls import path

from .views import activities, procurement

app_name = "register"

urlpatterns = [
    path("verwerkingen/", activities.activity_list, name="activity_list"),
    path("verwerkingen/<int:pk>/", activities.activity_detail, name="activity_detail"),
    path("inkoopcheck/", procurement.procurement_check, name="procurement_check"),
]
