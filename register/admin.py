from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from suppliers.admin import HistoryAdmin

from .models import LevelSnapshot, LevelText, Organisation, ProcessingActivity, School

admin.site.site_header = _("Privacyregister: beheer")
admin.site.site_title = _("Privacyregister")


@admin.register(Organisation)
class OrganisationAdmin(HistoryAdmin):
    list_display = ["name", "fg_name"]

    def has_add_permission(self, request) -> bool:
        return not Organisation.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(School)
class SchoolAdmin(HistoryAdmin):
    list_display = ["brin", "name", "sector"]
    list_filter = ["sector"]
    search_fields = ["brin", "name"]
    autocomplete_fields = ["products"]


@admin.register(ProcessingActivity)
class ProcessingActivityAdmin(HistoryAdmin):
    list_display = ["name", "get_legal_bases_display", "updated_at"]
    list_filter = ["dpia"]
    search_fields = ["name", "purposes", "personal_data"]
    autocomplete_fields = ["products"]


@admin.register(LevelText)
class LevelTextAdmin(HistoryAdmin):
    list_display = ["level", "source", "text"]
    list_filter = ["source"]


@admin.register(LevelSnapshot)
class LevelSnapshotAdmin(admin.ModelAdmin):
    list_display = ["day", "level", "high", "medium", "low"]
    date_hierarchy = "day"
