from django.urls import path

from . import views

app_name = "agreements"

urlpatterns = [
    path("", views.agreement_list, name="agreement_list"),
    path("<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("ter-beoordeling/", views.review_queue, name="review_queue"),
]
