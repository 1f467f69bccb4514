from django.urls import path

from . import views

app_name = "suppliers"

urlpatterns = [
    path("", views.supplier_list, name="supplier_list"),
    path("<int:pk>/", views.supplier_detail, name="supplier_detail"),
    path("producten/", views.product_list, name="product_list"),
    path("producten/<int:pk>/", views.product_detail, name="product_detail"),
]
