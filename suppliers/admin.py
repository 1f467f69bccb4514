from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Attribute, DataFlow, Product, Supplier


class ProductInline(admin.TabularInline):
    model = Product
    extra = 0
    fields = ["name", "kind", "access_channel", "status", "processes_personal_data"]
    show_change_link = True


@admin.register(Supplier)
class SupplierAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kvk_number", "convenant", "privacy_contact", "updated_at"]
    list_filter = ["convenant"]
    search_fields = ["name", "kvk_number", "privacy_contact"]
    inlines = [ProductInline]


class DataFlowInline(admin.TabularInline):
    model = DataFlow
    extra = 0
    autocomplete_fields = ["attribute"]


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
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
class AttributeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "label", "category", "standard", "sensitive", "sort_order"]
    list_filter = ["category", "standard", "sensitive"]
    search_fields = ["code", "label"]


@admin.register(DataFlow)
class DataFlowAdmin(SimpleHistoryAdmin):
    list_display = ["product", "attribute", "channel", "note"]
    list_filter = ["channel", "attribute__sensitive"]
    search_fields = ["product__name", "product__supplier__name", "attribute__code"]
    list_select_related = ["product__supplier", "attribute"]
    autocomplete_fields = ["product", "attribute"]
