from django.urls import path

from .views import activities, procurement
from .views import level as level_views

app_name = "register"

urlpatterns = [
    path("verwerkingen/", activities.activity_list, name="activity_list"),
    path("verwerkingen/<int:pk>/", activities.activity_detail, name="activity_detail"),
    path("inkoopcheck/", procurement.procurement_check, name="procurement_check"),
    path("niveau/", level_views.level_page, name="level"),
    path("niveau/rapport.pdf", level_views.level_report, name="level_report"),
]
