from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from .models import Attribute, DataFlow, Product, Supplier


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin, whose revert cannot write what the change page does not.

    simple-history's revert form (`.../history/<id>/`) saves the historical instance whole,
    also the fields the change page shows read-only, and even when the change page is
    read-only altogether: it only hides the button. Here a revert is refused (403) where the
    history is read-only, and elsewhere writes only the fields the change page edits.
    """

    # Evidence (a review, an agreement's workflow, a stored document): never reverted.
    history_read_only = False

    def revert_disabled(self, request: HttpRequest, obj=None) -> bool:
        return (
            self.history_read_only
            or not self.has_change_permission(request, obj)
            or super().revert_disabled(request, obj)
        )

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context=None
    ) -> HttpResponse:
        if request.method == "POST":
            current = self.get_object(request, unquote(object_id))
            if current is None or self.revert_disabled(request, current):
                raise PermissionDenied
            request._reverting_history = True
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().history_form_view(request, object_id, version_id, extra_context)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if not getattr(request, "_reverting_history", False):
            if change and _has_version(obj):
                # Like a form save in the app: a form opened before this edit is now stale,
                # instead of silently writing over what the administrator changed.
                row = type(obj)._base_manager.select_for_update().filter(pk=obj.pk)
                obj.version = row.values_list("version", flat=True).get() + 1
            return super().save_model(request, obj, form, change)
        # `obj` is the old version: copy only what the form edits onto the row as it is now,
        # so fields without a form field (a version counter, a status) keep their value.
        current = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        for model_field in current._meta.concrete_fields:
            if model_field.name in form.fields:
                setattr(current, model_field.attname, getattr(obj, model_field.attname))
        if _has_version(current):
            current.version += 1  # like a form save: a form opened before the revert is stale
        current._history_user = request.user
        current.save()


def _has_version(obj) -> bool:
    return "version" in {f.name for f in obj._meta.concrete_fields}


class ProductInline(admin.TabularInline):
    model = Product
    extra = 0
    fields = ["name", "kind", "access_channel", "status", "processes_personal_data"]
    show_change_link = True


@admin.register(Supplier)
class SupplierAdmin(HistoryAdmin):
    list_display = ["name", "kvk_number", "convenant", "privacy_contact", "updated_at"]
    list_filter = ["convenant"]
    search_fields = ["name", "kvk_number", "privacy_contact"]
    inlines = [ProductInline]


class DataFlowInline(admin.TabularInline):
    model = DataFlow
    extra = 0
    autocomplete_fields = ["attribute"]


@admin.register(Product)
class ProductAdmin(HistoryAdmin):
    list_display = [
        "name",
        "supplier",
        "kind",
        "access_channel",
        "status",
        "processes_personal_data",
    ]
    list_filter = ["status", "kind", "access_channel", "processes_personal_data"]
    search_fields = ["name", "supplier__name"]
    list_select_related = ["supplier"]
    autocomplete_fields = ["supplier"]
    inlines = [DataFlowInline]


@admin.register(Attribute)
class AttributeAdmin(HistoryAdmin):
    list_display = ["code", "label", "category", "standard", "sensitive", "sort_order"]
    list_filter = ["category", "standard", "sensitive"]
    search_fields = ["code", "label"]


@admin.register(DataFlow)
class DataFlowAdmin(HistoryAdmin):
    list_display = ["product", "attribute", "channel", "subject", "note"]
    list_filter = ["channel", "subject", "attribute__sensitive"]
    search_fields = ["product__name", "product__supplier__name", "attribute__code"]
    list_select_related = ["product__supplier", "attribute"]
    autocomplete_fields = ["product", "attribute"]
