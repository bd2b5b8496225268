"""Public, read-only API of the office tree: /api/v1/offices/."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from offices.models import Office
from offices.selectors import office_public, office_search, offices_public


class OfficeOutput(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    admin_unit = serializers.SerializerMethodField()

    class Meta:
        model = Office
        fields = ["code", "name_en", "name_bn", "layer", "parent", "admin_unit"]

    def get_admin_unit(self, office: Office) -> dict | None:
        unit = office.admin_unit
        if unit is None:
            return None
        return {"level": unit.level, "name_en": unit.name_en, "name_bn": unit.name_bn}


class OfficeFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Code, English or Bangla name")
    layer = django_filters.ChoiceFilter(choices=Office.Layer.choices)
    parent = django_filters.CharFilter(method="filter_parent", label="Parent office code")

    class Meta:
        model = Office
        fields = ["search", "layer", "parent"]

    def filter_search(self, queryset, name, value):
        return office_search(queryset, value)

    def filter_parent(self, queryset, name, value):
        return queryset.filter(parent__code=value.strip().upper())


class OfficeListApi(generics.ListAPIView):
    """Offices, in tree order; search by code, English or Bangla name."""

    permission_classes = [AllowAny]
    serializer_class = OfficeOutput
    filterset_class = OfficeFilter
    queryset = offices_public()


class OfficeDetailApi(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = OfficeOutput

    def get_object(self) -> Office:
        return office_public(self.kwargs["code"])


class OfficeChildrenApi(generics.ListAPIView):
    """The offices directly below one office."""

    permission_classes = [AllowAny]
    serializer_class = OfficeOutput

    @extend_schema(operation_id="offices_children_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Office.objects.none()
        parent = office_public(self.kwargs["code"])
        return offices_public().filter(parent=parent)
