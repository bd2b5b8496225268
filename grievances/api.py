"""Filing and tracking over the REST API (mobile app, UDC tablets)."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from charters.models import CharterService
from grievances.models import Channel, Grievance, GrievanceType
from grievances.selectors import grievance_for_complainant
from grievances.services import grievance_file
from grs.api import FilingThrottle, TrackingThrottle
from offices.models import Office


class OfficeCodeField(serializers.SlugRelatedField):
    """An office by code, accepted as a person types it (any case, stray spaces)."""

    def to_internal_value(self, data):
        return super().to_internal_value(str(data).strip().upper())


class FileInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=GrievanceType.choices)
    office = OfficeCodeField(slug_field="code", queryset=Office.objects.active())
    service = serializers.PrimaryKeyRelatedField(
        queryset=CharterService.objects.active(), required=False, allow_null=True
    )
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000)
    complainant_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    complainant_phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    complainant_email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    complainant_address = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    complainant_country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default=Channel.MOBILE)
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class FiledOutput(serializers.Serializer):
    tracking_number = serializers.CharField()
    status = serializers.CharField()
    office = serializers.CharField()
    due_date = serializers.DateField()
    access_code = serializers.CharField(required=False)


class GrievanceFileApi(APIView):
    """File a grievance. Send an ``Idempotency-Key`` header so a retried request never files twice."""

    permission_classes = [AllowAny]
    throttle_classes = [FilingThrottle]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={"application/json": FileInput, "multipart/form-data": FileInput},
        responses={201: FiledOutput, 200: FiledOutput},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    def post(self, request):
        data = FileInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "attachments" in request.FILES:
            values["attachments"] = request.FILES.getlist("attachments")
        filed = grievance_file(
            actor=request.user,
            idempotency_key=request.headers.get("Idempotency-Key", "").strip()[:100],
            **values,
        )
        body = {
            "tracking_number": filed.grievance.tracking_number,
            "status": filed.grievance.status,
            "office": filed.grievance.current_office.code,
            "due_date": filed.grievance.due_date,
        }
        if filed.access_code:
            body["access_code"] = filed.access_code
        return Response(
            FiledOutput(body).data, status=status.HTTP_200_OK if filed.replayed else status.HTTP_201_CREATED
        )


class EventOutput(serializers.Serializer):
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    status = serializers.CharField(source="status_after")
    note = serializers.CharField(source="public_note")


class TrackOutput(serializers.Serializer):
    tracking_number = serializers.CharField()
    status = serializers.CharField()
    office = serializers.CharField(source="current_office.code")
    office_name_en = serializers.CharField(source="current_office.name_en")
    office_name_bn = serializers.CharField(source="current_office.name_bn")
    submitted_at = serializers.DateTimeField()
    due_date = serializers.DateField()
    overdue = serializers.BooleanField()
    events = EventOutput(many=True)


class TrackApi(APIView):
    """Follow a grievance with its tracking number and the phone it was filed with, or its access code."""

    permission_classes = [AllowAny]
    throttle_classes = [TrackingThrottle]

    @extend_schema(
        parameters=[
            OpenApiParameter("phone", str, required=False),
            OpenApiParameter("code", str, required=False, description="access code"),
        ],
        responses=TrackOutput,
    )
    def get(self, request, tracking_number: str):
        grievance = _complainant_grievance(request, tracking_number)
        return Response(TrackOutput(grievance).data)


def _complainant_grievance(request, number: str) -> Grievance:
    try:
        return grievance_for_complainant(
            number, phone=request.query_params.get("phone", ""), code=request.query_params.get("code", "")
        )
    except Http404 as exc:
        raise NotFound(
            _("No grievance has this tracking number with this phone number or access code. Please check both.")
        ) from exc
