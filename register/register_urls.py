from django.urls import path

from .views import activities, procurement
from .views import level as level_views
from .views import workbook as workbook_views

app_name = "register"

urlpatterns = [
    path("verwerkingen/", activities.activity_list, name="activity_list"),
    path("verwerkingen/<int:pk>/", activities.activity_detail, name="activity_detail"),
    path("verwerkingen/nieuw/", activities.activity_create, name="activity_create"),
    path("verwerkingen/<int:pk>/wijzigen/", activities.activity_edit, name="activity_edit"),
    path(
        "verwerkingen/<int:pk>/overnemen/",
        activities.activity_copy_derived,
        name="activity_copy_derived",
    ),
    path("verwerkingen/register.pdf", activities.activity_register_pdf, name="activity_pdf"),
    path("organisatie/", activities.organisation_detail, name="organisation"),
    path("organisatie/wijzigen/", activities.organisation_edit, name="organisation_edit"),
    path("werkmap/export/", workbook_views.workbook_export, name="workbook_export"),
    path(
        "werkmap/export-met-documenten/",
        workbook_views.workbook_export_bundle,
        name="workbook_export_bundle",
    ),
    path("werkmap/sjabloon/", workbook_views.workbook_template, name="workbook_template"),
    path("werkmap/import/", workbook_views.workbook_import, name="workbook_import"),
    path(
        "werkmap/import/<str:token>/",
        workbook_views.workbook_import_preview,
        name="workbook_import_preview",
    ),
    path(
        "werkmap/import/<str:token>/voortgang/",
        workbook_views.workbook_import_progress,
        name="workbook_import_progress",
    ),
    path(
        "werkmap/import/<str:token>/bevestigen/",
        workbook_views.workbook_import_confirm,
        name="workbook_import_confirm",
    ),
    path("inkoopcheck/", procurement.procurement_check, name="procurement_check"),
    path("inkoopcheck/oordeel.pdf", procurement.procurement_pdf, name="procurement_pdf"),
    path("inkoopcheck/namen/", procurement.procurement_names, name="procurement_names"),
    path("inkoopcheck/intake/", procurement.procurement_intake, name="procurement_intake"),
    path("niveau/", level_views.level_page, name="level"),
    path("niveau/rapport.pdf", level_views.level_report, name="level_report"),
]
