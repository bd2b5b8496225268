"""Public, read-only API of charter services: /api/v1/services/."""

import django_filters
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from charters.models import CharterService
from charters.selectors import services_public


class ServiceOutput(serializers.ModelSerializer):
    office = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    programme = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = CharterService
        fields = [
            "id",
            "office",
            "name_en",
            "name_bn",
            "category",
            "programme",
            "timeframe_days",
            "g2p",
            "fees",
            "required_documents",
            "responsible_officer",
        ]


class ServiceFilter(django_filters.FilterSet):
    office = django_filters.CharFilter(method="filter_office", label="Office code")
    category = django_filters.CharFilter(field_name="category__slug", label="Category slug, e.g. social-protection")
    programme = django_filters.CharFilter(field_name="programme__code", label="Programme code, e.g. OAA")
    g2p = django_filters.BooleanFilter()

    class Meta:
        model = CharterService
        fields = ["office", "category", "programme", "g2p"]

    def filter_office(self, queryset, name, value):
        return queryset.filter(office__code=value.strip().upper())


class ServiceListApi(generics.ListAPIView):
    """Services from offices' citizen charters, Social Protection first."""

    permission_classes = [AllowAny]
    serializer_class = ServiceOutput
    filterset_class = ServiceFilter
    queryset = services_public()
