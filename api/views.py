"""The API endpoints (under /api/v1/). Thin: the permission of the matching page, a
queryset read in a fixed number of queries, the rules and services the pages use."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements.models import Agreement, AgreementStatus
from register.intake import IntakeForm
from register.models import ProcessingActivity, School
from register.rules import (
    compute_flags,
    compute_level,
    flags_for_product,
    matching_flags,
    verdict_for,
)
from suppliers.models import DataFlow, Product, Supplier

from . import filters, serializers
from .exceptions import MESSAGES
from .permissions import RolePermission


class ApiMixin:
    """Every API view: authenticated by DRF (token or session), never redirected to the login
    page by LoginRequiredMiddleware, and allowed only what the user's role allows."""

    permission_classes = [RolePermission]
    permission_required = "suppliers.view_product"

    @classmethod
    def as_view(cls, *args, **kwargs):
        return login_not_required(super().as_view(*args, **kwargs))

    def finalize_response(self, request, response, *args, **kwargs):
        # Register data: no cache keeps it, also for a token (NoStoreMiddleware sees no user).
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


def _named(queryset, *also: str):
    return queryset.only("id", "name", *also)


# --- read endpoints --------------------------------------------------------------------------


class SupplierViewMixin(ApiMixin):
    permission_required = "suppliers.view_supplier"
    serializer_class = serializers.SupplierSerializer
    filterset_class = filters.SupplierFilter
    queryset = Supplier.objects.prefetch_related(
        # supplier_id too: the prefetch joins the products back to their supplier by it.
        Prefetch("products", queryset=_named(Product.objects, "supplier").order_by("name", "pk"))
    ).order_by("name", "pk")


@extend_schema(tags=["Leveranciers"], summary="Leveranciers")
class SupplierList(SupplierViewMixin, generics.ListAPIView):
    pass


@extend_schema(tags=["Leveranciers"], summary="Eén leverancier")
class SupplierDetail(SupplierViewMixin, generics.RetrieveAPIView):
    pass


class ProductViewMixin(ApiMixin):
    permission_required = "suppliers.view_product"
    serializer_class = serializers.ProductSerializer
    filterset_class = filters.ProductFilter
    queryset = Product.objects.select_related("supplier").order_by("name", "supplier__name", "pk")


@extend_schema(tags=["Producten"], summary="Producten, elk met zijn open signaleringen")
class ProductList(ProductViewMixin, generics.ListAPIView):
    def get_serializer_context(self) -> dict:
        # The register's flags are computed once (and kept until the register changes).
        by_product = defaultdict(list)
        for flag in compute_flags():
            if flag.product is not None:
                by_product[flag.product.pk].append(flag)
        return {**super().get_serializer_context(), "flags_by_product": by_product}


@extend_schema(tags=["Producten"], summary="Eén product met zijn open signaleringen")
class ProductDetail(ProductViewMixin, generics.RetrieveAPIView):
    def retrieve(self, request, *args, **kwargs) -> Response:
        product = self.get_object()
        context = {**self.get_serializer_context(), "flags_by_product": {}}
        context["flags_by_product"][product.pk] = flags_for_product(product)
        return Response(serializers.ProductSerializer(product, context=context).data)


class AgreementViewMixin(ApiMixin):
    permission_required = "agreements.view_agreement"
    serializer_class = serializers.AgreementSerializer
    filterset_class = filters.AgreementFilter
    queryset = (
        Agreement.objects.select_related("supplier")
        .with_fingerprint_content()
        .order_by("reference", "pk")
    )

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "today": timezone.localdate()}


@extend_schema(
    tags=["Overeenkomsten"],
    summary="Verwerkersovereenkomsten",
    description="Documenten staan erin als link naar de beveiligde download.",
)
class AgreementList(AgreementViewMixin, generics.ListAPIView):
    pass


@extend_schema(tags=["Overeenkomsten"], summary="Eén verwerkersovereenkomst")
class AgreementDetail(AgreementViewMixin, generics.RetrieveAPIView):
    pass


class DataFlowViewMixin(ApiMixin):
    permission_required = "suppliers.view_dataflow"
    serializer_class = serializers.DataFlowSerializer
    filterset_class = filters.DataFlowFilter
    queryset = DataFlow.objects.select_related("product__supplier", "attribute").order_by(
        "product__name", "product_id", "channel", "attribute__sort_order", "pk"
    )


@extend_schema(tags=["Gegevensstromen"], summary="Gegevensstromen")
class DataFlowList(DataFlowViewMixin, generics.ListAPIView):
    pass


@extend_schema(tags=["Gegevensstromen"], summary="Eén gegevensstroom")
class DataFlowDetail(DataFlowViewMixin, generics.RetrieveAPIView):
    pass


class ActivityViewMixin(ApiMixin):
    permission_required = "register.view_processingactivity"
    serializer_class = serializers.ProcessingActivitySerializer
    filterset_class = filters.ProcessingActivityFilter
    queryset = ProcessingActivity.objects.prefetch_related(
        Prefetch("products", queryset=_named(Product.objects).order_by("name", "pk"))
    ).order_by("name", "pk")


@extend_schema(tags=["Verwerkingsregister"], summary="Verwerkingen (art. 30 AVG)")
class ActivityList(ActivityViewMixin, generics.ListAPIView):
    pass


@extend_schema(tags=["Verwerkingsregister"], summary="Eén verwerking")
class ActivityDetail(ActivityViewMixin, generics.RetrieveAPIView):
    pass


@extend_schema(
    tags=["Signaleringen"],
    summary="Open signaleringen",
    description=(
        "De uitvoer van `flags --json`, ernstigste eerst, te filteren zoals op het dashboard."
    ),
    parameters=[serializers.FlagFilterSerializer],
    responses=serializers.FlagSerializer(many=True),
)
class FlagList(ApiMixin, generics.GenericAPIView):
    serializer_class = serializers.FlagSerializer
    filter_backends = []  # the flags are a list, not a queryset: filtered below

    def get(self, request, *args, **kwargs) -> Response:
        query = serializers.FlagFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        chosen = query.validated_data
        flags = matching_flags(
            compute_flags(),
            severity=chosen.get("severity"),
            code=chosen.get("code"),
            missing=chosen["missing"],
        )
        page = self.paginate_queryset(flags)
        return self.get_paginated_response([flag.as_json() for flag in page])


@extend_schema(
    tags=["Niveau"],
    summary="Niveau op de ict-voorwaarde “Verwerking van gegevens”",
    description="De uitvoer van `condition_level --json`.",
    responses=serializers.LevelSerializer,
)
class LevelView(ApiMixin, APIView):
    def get(self, request, *args, **kwargs) -> Response:
        return Response(compute_level().as_json())


# --- actions ----------------------------------------------------------------------------------


@extend_schema(
    tags=["Inkoopcheck"],
    summary="Inkoopcheck: mag dit product gebruikt worden?",
    description=(
        "Hetzelfde oordeel en dezelfde redenen als de pagina Inkoopcheck en "
        "`check_product --json`. Verandert niets."
    ),
    parameters=[serializers.CheckQuerySerializer],
    responses=serializers.VerdictSerializer,
)
class ProcurementCheck(ApiMixin, APIView):
    def get(self, request, *args, **kwargs) -> Response:
        query = serializers.CheckQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        verdict = verdict_for(
            query.validated_data["product"], supplier=query.validated_data.get("supplier")
        )
        return Response(verdict.as_json())


def _form_errors(form) -> dict[str, list[str]]:
    return {
        ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
        for field, messages in form.errors.items()
    }


@extend_schema(
    tags=["Inkoopcheck"],
    summary="Intakeverzoek indienen voor een product dat nog niet in het register staat",
    description=(
        "Maakt een voorgesteld product (en de leverancier als die nog onbekend is) en een "
        "conceptovereenkomst voor de privacy officer, zoals het formulier bij de Inkoopcheck."
    ),
    request=serializers.IntakeRequestSerializer,
    responses={201: serializers.IntakeSerializer},
)
class IntakeCreate(ApiMixin, APIView):
    permission_required = "suppliers.file_intake"

    def post(self, request, *args, **kwargs) -> Response:
        data = serializers.IntakeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        codes = [code.strip().upper() for code in data.validated_data["schools"]]
        schools = {school.brin.upper(): school for school in School.objects.filter(brin__in=codes)}
        unknown = [code for code in codes if code not in schools]
        if unknown:
            raise ValidationError(
                {"schools": [_("Onbekende school: %(code)s.") % {"code": c} for c in unknown]}
            )
        # The page's form holds the intake's rules (a product already in the register, ...).
        form = IntakeForm(
            data={
                "name": data.validated_data["name"],
                "supplier_name": data.validated_data["supplier_name"],
                "intended_use": data.validated_data["intended_use"],
                "schools": [school.pk for school in schools.values()],
            }
        )
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        try:
            agreement = form.file(user=request.user)
        except DjangoValidationError as error:
            raise ValidationError(
                error.message_dict if hasattr(error, "error_dict") else list(error.messages)
            ) from error
        product = agreement.products.select_related("supplier").get()
        body = {
            "agreement": agreement.reference,
            "agreement_id": agreement.pk,
            "product": {"id": product.pk, "name": product.name},
            "supplier": {"id": product.supplier.pk, "name": product.supplier.name},
            "status": AgreementStatus.DRAFT.value,
            "message": _(
                "Intakeverzoek ingediend: %(product)s staat nu als voorgesteld product in het "
                "register, met conceptovereenkomst %(ref)s. Tot de FG de overeenkomst heeft "
                "goedgekeurd mag het product geen persoonsgegevens ontvangen."
            )
            % {"product": product.name, "ref": agreement.reference},
        }
        return Response(body, status=status.HTTP_201_CREATED)


def not_found(request, exception=None):
    """handler404: a JSON error under /api/, the register's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": str(MESSAGES["not_found"])}, status=404)
    return page_not_found(request, exception)
