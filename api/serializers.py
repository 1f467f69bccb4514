"""What the API returns. Flags, the verdict and the level are the management commands' JSON
(`Flag.as_json()`, `Verdict.as_json()`, `LevelResult.as_json()`, DESIGN.md section 8); the
serializers of those only describe that JSON for the schema."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreements.models import Agreement, Document, PrivacyNotice, Subprocessor
from register.models import ProcessingActivity
from register.rules import FLAG_CODES, SEVERITY_ORDER
from suppliers.models import DataFlow, Product, Supplier

# --- the commands' JSON ------------------------------------------------------------------------


class FlagSerializer(serializers.Serializer):
    """One open flag: the keys of `flags --json`."""

    code = serializers.ChoiceField(choices=sorted(FLAG_CODES))
    severity = serializers.ChoiceField(choices=list(SEVERITY_ORDER))
    product = serializers.CharField(allow_null=True)
    supplier = serializers.CharField(allow_null=True)
    agreement = serializers.CharField(allow_null=True, help_text="Kenmerk van de overeenkomst.")
    attribute = serializers.CharField(allow_null=True, help_text="Code van het attribuut.")
    activity = serializers.CharField(allow_null=True, help_text="Naam van de verwerking.")
    message = serializers.CharField()


class VerdictSerializer(serializers.Serializer):
    """The procurement verdict: the keys of `check_product --json`."""

    product = serializers.CharField(allow_null=True)
    supplier = serializers.CharField(allow_null=True)
    verdict = serializers.ChoiceField(choices=["allowed", "conditional", "blocked", "unknown"])
    reasons = serializers.ListField(child=serializers.CharField())
    agreement = serializers.CharField(allow_null=True, help_text="Kenmerk van de overeenkomst.")


class CriterionSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    key = serializers.CharField()
    met = serializers.BooleanField()
    detail = serializers.CharField()


class LevelSerializer(serializers.Serializer):
    """The condition level: the keys of `condition_level --json`."""

    level = serializers.IntegerField(min_value=1, max_value=5)
    advised_level = serializers.IntegerField()
    criteria = CriterionSerializer(many=True)
    next_step = serializers.CharField(allow_null=True)


# --- the register's records ------------------------------------------------------------------


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SupplierSerializer(serializers.ModelSerializer):
    products = NamedSerializer(many=True, read_only=True)

    class Meta:
        model = Supplier
        fields = [
            "id",
            "name",
            "kvk_number",
            "website",
            "privacy_contact",
            "convenant",
            "notes",
            "products",
            "updated_at",
        ]


class ProductSerializer(serializers.ModelSerializer):
    supplier = NamedSerializer(read_only=True)
    flags = serializers.SerializerMethodField(help_text="De open signaleringen van dit product.")

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "supplier",
            "kind",
            "access_channel",
            "status",
            "processes_personal_data",
            "description",
            "flags",
            "updated_at",
        ]

    @extend_schema_field(FlagSerializer(many=True))
    def get_flags(self, product: Product) -> list[dict]:
        return [flag.as_json() for flag in self.context["flags_by_product"].get(product.pk, [])]


class SubprocessorSerializer(serializers.ModelSerializer):
    countries = serializers.ListField(
        source="locations",
        child=serializers.CharField(),
        help_text="ISO 3166-landcodes of de regio's EER en wereldwijd.",
    )
    country = serializers.SerializerMethodField(
        help_text="Het eerste land (zoals vóór de lijst met landen); gebruik `countries`."
    )

    class Meta:
        model = Subprocessor
        fields = [
            "name",
            "service",
            "country",
            "countries",
            "headquarters",
            "safeguard_kind",
            "safeguard",
        ]

    def get_country(self, subprocessor: Subprocessor) -> str:
        return next(iter(subprocessor.locations), "")


class PrivacyNoticeSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id")
    attributes = serializers.SerializerMethodField()
    subprocessors = serializers.SerializerMethodField(
        help_text="Namen van de subverwerkers die voor dit product werken."
    )

    class Meta:
        model = PrivacyNotice
        fields = [
            "product",
            "attributes",
            "purposes",
            "data_subjects",
            "retention",
            "processing_locations",
            "subprocessors",
        ]

    def get_attributes(self, notice: PrivacyNotice) -> list[str]:
        return sorted(a.code for a in notice.attributes.all())

    def get_subprocessors(self, notice: PrivacyNotice) -> list[str]:
        return sorted(s.name for s in notice.subprocessors.all())


class DocumentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")
    download_url = serializers.SerializerMethodField(
        help_text="De beveiligde download (alleen met een ingelogde sessie)."
    )

    class Meta:
        model = Document
        fields = ["id", "kind", "version", "name", "sha256", "size", "uploaded_at", "download_url"]

    def get_download_url(self, document: Document) -> str:
        url = reverse("agreements:document_download", args=[document.agreement_id, document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class AgreementSerializer(serializers.ModelSerializer):
    supplier = NamedSerializer(read_only=True)
    products = NamedSerializer(many=True, read_only=True)
    current = serializers.SerializerMethodField(
        help_text="Goedgekeurd, goedkeuring nog geldig voor de inhoud, en van kracht."
    )
    changed_since_approval = serializers.SerializerMethodField()
    agreed_attributes = serializers.SerializerMethodField(
        help_text="Codes van de overeengekomen attributen."
    )
    privacy_notices = PrivacyNoticeSerializer(many=True, read_only=True)
    subprocessors = SubprocessorSerializer(many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "reference",
            "supplier",
            "products",
            "model",
            "dvo_reference",
            "status",
            "current",
            "changed_since_approval",
            "signed_on",
            "signed_by",
            "starts_on",
            "ends_on",
            "purposes",
            "data_subjects",
            "retention",
            "processing_locations",
            "transfer_outside_eea",
            "transfer_safeguard",
            "agreed_attributes",
            "privacy_notices",
            "subprocessors",
            "documents",
            "updated_at",
        ]

    def get_current(self, agreement: Agreement) -> bool:
        return agreement.is_current(self.context.get("today"))

    def get_changed_since_approval(self, agreement: Agreement) -> bool:
        return agreement.changed_since_approval()

    def get_agreed_attributes(self, agreement: Agreement) -> list[str]:
        return sorted(a.code for a in agreement.attributes.all())


class DataFlowSerializer(serializers.ModelSerializer):
    product = NamedSerializer(read_only=True)
    supplier = NamedSerializer(source="product.supplier", read_only=True)
    attribute = serializers.CharField(source="attribute.code", help_text="Code van het attribuut.")

    class Meta:
        model = DataFlow
        fields = [
            "id",
            "product",
            "supplier",
            "attribute",
            "channel",
            "subject",
            "note",
            "created_at",
        ]


class ProcessingActivitySerializer(serializers.ModelSerializer):
    products = NamedSerializer(many=True, read_only=True)
    legal_basis = serializers.SerializerMethodField(
        help_text=(
            "De eerste grondslag (art. 6 AVG), of leeg; sinds een verwerking er meer kan "
            "hebben staan ze alle in legal_bases."
        )
    )
    legal_bases = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="De grondslagen (art. 6 AVG), als codes.",
    )
    missing_fields = serializers.SerializerMethodField(
        help_text="De verplichte velden van art. 30 lid 1 AVG die nog leeg zijn."
    )

    class Meta:
        model = ProcessingActivity
        fields = [
            "id",
            "name",
            "purposes",
            "legal_basis",
            "legal_bases",
            "data_subjects",
            "personal_data",
            "recipients",
            "third_country_transfers",
            "retention",
            "security_measures",
            "special_category_exception",
            "dpia",
            "last_reviewed_on",
            "products",
            "missing_fields",
            "updated_at",
        ]

    def get_missing_fields(self, activity: ProcessingActivity) -> list[str]:
        return activity.missing_fields()

    def get_legal_basis(self, activity: ProcessingActivity) -> str:
        return activity.legal_bases[0] if activity.legal_bases else ""


# --- the actions -----------------------------------------------------------------------------


class CheckQuerySerializer(serializers.Serializer):
    product = serializers.CharField(
        max_length=200, help_text="Naam van het product (hoofdletterongevoelig)."
    )
    supplier = serializers.CharField(
        max_length=200,
        required=False,
        help_text="Naam van de leverancier, als meer leveranciers dit product hebben.",
    )


class IntakeRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="Naam van het product.")
    supplier_name = serializers.CharField(max_length=200, help_text="Naam van de leverancier.")
    intended_use = serializers.CharField(
        max_length=5000, help_text="Waarvoor, door wie (groepen, vakken) en vanaf wanneer."
    )
    schools = serializers.ListField(
        child=serializers.CharField(max_length=6),
        required=False,
        default=list,
        help_text="BRIN- of vestigingscodes van de scholen die het product willen gebruiken.",
    )


class IntakeSerializer(serializers.Serializer):
    """The intake as filed: a proposed product and a draft agreement."""

    agreement = serializers.CharField(help_text="Kenmerk van de conceptovereenkomst.")
    agreement_id = serializers.IntegerField()
    product = NamedSerializer()
    supplier = NamedSerializer()
    status = serializers.CharField()
    message = serializers.CharField()


class FlagFilterSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=list(SEVERITY_ORDER), required=False)
    code = serializers.ChoiceField(choices=sorted(FLAG_CODES), required=False)
    missing = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Alleen producten zonder geldige, goedgekeurde overeenkomst.",
    )


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Vaste code voor systemen, bijvoorbeeld not_found.")
    detail = serializers.CharField(help_text="Uitleg in het Nederlands.")
    errors = serializers.DictField(
        required=False, help_text="Bij code invalid: de meldingen per veld."
    )
