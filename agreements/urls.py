from django.urls import path

from . import views

app_name = "agreements"

urlpatterns = [
    path("", views.agreement_list, name="agreement_list"),
    path("nieuw/", views.agreement_create, name="agreement_create"),
    path("<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("<int:pk>/wijzigen/", views.agreement_edit, name="agreement_edit"),
    path("<int:pk>/indienen/", views.agreement_submit, name="agreement_submit"),
    path("<int:pk>/besluit/", views.agreement_decide, name="agreement_decide"),
    path("<int:pk>/beeindigen/", views.agreement_terminate, name="agreement_terminate"),
    path("<int:pk>/geschiedenis/", views.agreement_history, name="agreement_history"),
    path("<int:pk>/documenten/nieuw/", views.document_upload, name="document_upload"),
    path(
        "<int:pk>/documenten/<int:document_pk>/download/",
        views.document_download,
        name="document_download",
    ),
    path(
        "<int:pk>/bijsluiters/<int:product_pk>/",
        views.privacy_notice_edit,
        name="privacy_notice_edit",
    ),
    path("<int:pk>/bevindingen/nieuw/", views.finding_create, name="finding_create"),
    path(
        "<int:pk>/bevindingen/<int:finding_pk>/afhandelen/",
        views.finding_settle,
        name="finding_settle",
    ),
    path("ter-beoordeling/", views.review_queue, name="review_queue"),
]
