from django.urls import path

from . import views

app_name = "suppliers"

urlpatterns = [
    path("", views.supplier_list, name="supplier_list"),
    path("nieuw/", views.supplier_create, name="supplier_create"),
    path("<int:pk>/", views.supplier_detail, name="supplier_detail"),
    path("<int:pk>/wijzigen/", views.supplier_edit, name="supplier_edit"),
    path("producten/", views.product_list, name="product_list"),
    path("producten/nieuw/", views.product_create, name="product_create"),
    path("producten/<int:pk>/", views.product_detail, name="product_detail"),
    path("producten/<int:pk>/wijzigen/", views.product_edit, name="product_edit"),
    path("producten/<int:pk>/gegevensstromen/", views.product_flows, name="product_flows"),
    path("attributen/", views.attribute_list, name="attribute_list"),
    path("attributen/nieuw/", views.attribute_create, name="attribute_create"),
    path("attributen/<int:pk>/wijzigen/", views.attribute_edit, name="attribute_edit"),
]
