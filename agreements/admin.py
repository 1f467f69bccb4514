from django.contrib import admin

from suppliers.admin import HistoryAdmin

from .models import Agreement, Document, Finding, PrivacyNotice, Review, Subprocessor


class NoDeleteMixin:
    """Agreements, documents and reviews are never hard-deleted; end or archive them."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SubprocessorInline(admin.TabularInline):
    model = Subprocessor
    extra = 0


class ViewOnlyMixin(NoDeleteMixin):
    """Shown in the admin, never added or changed there: the app's own pages make these
    records and check what the admin cannot (the FG's separation of duties, the upload)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class DocumentInline(ViewOnlyMixin, admin.TabularInline):
    model = Document
    extra = 0
    fields = ["kind", "version", "original_name", "sha256", "uploaded_by", "uploaded_at"]


class ReviewInline(ViewOnlyMixin, admin.TabularInline):
    model = Review
    extra = 0
    fields = ["decision", "comment", "reviewer", "reviewer_name", "decided_at", "imported"]


@admin.register(Agreement)
class AgreementAdmin(NoDeleteMixin, HistoryAdmin):
    history_read_only = True
    list_display = ["reference", "supplier", "status", "model", "signed_on", "starts_on", "ends_on"]
    list_filter = ["status", "model", "transfer_outside_eea"]
    search_fields = ["reference", "supplier__name", "products__name"]
    list_select_related = ["supplier"]
    autocomplete_fields = ["supplier", "products"]
    filter_horizontal = ["attributes"]
    date_hierarchy = "ends_on"
    readonly_fields = ["status", "submitted_by", "submitted_at", "version"]
    inlines = [SubprocessorInline, DocumentInline, ReviewInline]


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(HistoryAdmin):
    list_display = ["agreement", "product"]
    search_fields = ["agreement__reference", "product__name"]
    list_select_related = ["agreement", "product"]
    autocomplete_fields = ["agreement", "product"]
    filter_horizontal = ["attributes"]


@admin.register(Subprocessor)
class SubprocessorAdmin(HistoryAdmin):
    list_display = ["name", "agreement", "service", "countries", "safeguard_kind", "safeguard"]
    list_filter = ["safeguard_kind"]
    search_fields = ["name", "agreement__reference", "service"]
    list_select_related = ["agreement"]


@admin.register(Document)
class DocumentAdmin(NoDeleteMixin, HistoryAdmin):
    history_read_only = True
    list_display = ["agreement", "kind", "version", "original_name", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["agreement__reference", "original_name", "sha256"]
    list_select_related = ["agreement", "uploaded_by"]
    readonly_fields = [
        "agreement",
        "kind",
        "version",
        "file",
        "original_name",
        "sha256",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # uploads go through the agreement page, which checks the PDF


@admin.register(Review)
class ReviewAdmin(ViewOnlyMixin, HistoryAdmin):
    """Read-only: decisions go through the review page (separation of duties)."""

    history_read_only = True
    list_display = ["agreement", "decision", "reviewer", "reviewer_name", "decided_at", "imported"]
    list_filter = ["decision", "imported"]
    search_fields = ["agreement__reference", "reviewer_name", "comment"]
    list_select_related = ["agreement", "reviewer"]


@admin.register(Finding)
class FindingAdmin(ViewOnlyMixin, HistoryAdmin):
    """Read-only: the FG records and settles findings on the agreement page."""

    history_read_only = True
    list_display = ["agreement", "topic", "risk", "status", "created_by", "created_at"]
    list_filter = ["risk", "status"]
    search_fields = ["agreement__reference", "topic", "difference"]
    list_select_related = ["agreement", "created_by"]
