"""The REST API: the schema and its documentation page, and version 1 of the endpoints."""

from django.urls import path

from . import schema, views

app_name = "api"

urlpatterns = [
    path("schema/", schema.SchemaView.as_view(), name="schema"),
    path("docs/", schema.DocsView.as_view(), name="docs"),
    path("v1/suppliers/", views.SupplierList.as_view(), name="supplier_list"),
    path("v1/suppliers/<int:pk>/", views.SupplierDetail.as_view(), name="supplier_detail"),
    path("v1/products/", views.ProductList.as_view(), name="product_list"),
    path("v1/products/<int:pk>/", views.ProductDetail.as_view(), name="product_detail"),
    path("v1/agreements/", views.AgreementList.as_view(), name="agreement_list"),
    path("v1/agreements/<int:pk>/", views.AgreementDetail.as_view(), name="agreement_detail"),
    path("v1/data-flows/", views.DataFlowList.as_view(), name="dataflow_list"),
    path("v1/data-flows/<int:pk>/", views.DataFlowDetail.as_view(), name="dataflow_detail"),
    path("v1/processing-activities/", views.ActivityList.as_view(), name="activity_list"),
    path(
        "v1/processing-activities/<int:pk>/",
        views.ActivityDetail.as_view(),
        name="activity_detail",
    ),
    path("v1/flags/", views.FlagList.as_view(), name="flag_list"),
    path("v1/level/", views.LevelView.as_view(), name="level"),
    path("v1/procurement-check/", views.ProcurementCheck.as_view(), name="procurement_check"),
    path("v1/intakes/", views.IntakeCreate.as_view(), name="intake_create"),
]
