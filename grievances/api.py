"""Filing, tracking and redress over the REST API (mobile app, UDC tablets, officials' tools)."""

import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import django_filters
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from charters.models import CharterService
from grievances.models import AppealDecision, Channel, Grievance, GrievanceType, IdentityAccess, Severity
from grievances.permissions import actions_available
from grievances.privacy import grievance_data_export, grievance_identity_erase, is_erased
from grievances.selectors import grievance_for, grievance_for_complainant, grievances_in_inbox, may_see_identity
from grievances.services import (
    grievance_accept,
    grievance_close_no_action,
    grievance_complainant_action,
    grievance_decide_appeal,
    grievance_file,
    grievance_forward,
    grievance_record_hearing,
    grievance_reject,
    grievance_request_info,
    grievance_resolve,
    identity_access_record,
)
from grievances.workflow import OPEN_STATUSES, Action, Status
from grs.api import DATE_BOUNDS, FilingThrottle, TrackingThrottle
from grs.api_schema import refusals
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
        responses={201: FiledOutput, 200: FiledOutput, **refusals(403, 409, 413)},
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


class ComplainantProofInput(serializers.Serializer):
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="", help_text="access code")

    def validate(self, attrs):
        if not attrs["phone"].strip() and not attrs["code"].strip():
            raise serializers.ValidationError(
                {"phone": [_("Give the phone number the grievance was filed with, or its access code.")]}
            )
        return attrs


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
        description=(
            "Kept for clients written against it. Prefer `POST` with the phone or access code in the body: a "
            "query string is written to proxies' logs and browsers' history."
        ),
    )
    def get(self, request, tracking_number: str):
        params = request.query_params
        grievance = _complainant_grievance(tracking_number, phone=params.get("phone", ""), code=params.get("code", ""))
        return Response(TrackOutput(grievance).data)

    @extend_schema(
        request=ComplainantProofInput,
        responses={200: TrackOutput, **refusals(400)},
        description=(
            "The preferred way to follow a grievance: the phone it was filed with, or its access code, travels in "
            "the body, never in the URL. Answers as `GET` does."
        ),
    )
    def post(self, request, tracking_number: str):
        data = ComplainantProofInput(data=request.data)
        data.is_valid(raise_exception=True)
        grievance = _complainant_grievance(tracking_number, **data.validated_data)
        return Response(TrackOutput(grievance).data)


def _complainant_grievance(number: str, *, phone: str, code: str) -> Grievance:
    try:
        return grievance_for_complainant(number, phone=phone, code=code)
    except Http404 as exc:
        raise NotFound(
            _("No grievance has this tracking number with this phone number or access code. Please check both.")
        ) from exc


# --- Officials: inbox, grievance page and workflow actions ---------------------------------------


class InboxRowOutput(serializers.Serializer):
    tracking_number = serializers.CharField()
    status = serializers.CharField()
    type = serializers.CharField()
    channel = serializers.CharField()
    office = serializers.CharField(source="current_office.code")
    subject = serializers.CharField()
    category = serializers.CharField(source="category.slug", allow_null=True)
    service = serializers.IntegerField(source="service_id", allow_null=True)
    submitted_at = serializers.DateTimeField()
    due_date = serializers.DateField()
    appeal_due_date = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    is_new = serializers.SerializerMethodField()

    def get_is_new(self, grievance: Grievance) -> bool:
        return grievance.status == Status.SUBMITTED


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class InboxFilter(django_filters.FilterSet):
    """Without ``status`` the inbox lists the grievances still open; give one or more to see others."""

    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    type = django_filters.ChoiceFilter(choices=GrievanceType.choices)
    category = django_filters.CharFilter(field_name="category__slug", label="Category slug, e.g. social-protection")
    # Bounded by the largest id there can be: a larger number overflows SQLite's integers (a 500, not a 400).
    service = django_filters.NumberFilter(
        field_name="service_id", label="Charter service id", min_value=1, max_value=2**63 - 1
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    overdue = django_filters.BooleanFilter()
    submitted_from = django_filters.DateFilter(
        method="filter_submitted_from", label="Submitted on or after", validators=DATE_BOUNDS
    )
    submitted_to = django_filters.DateFilter(
        method="filter_submitted_to", label="Submitted on or before", validators=DATE_BOUNDS
    )
    q = django_filters.CharFilter(method="filter_q", label="Tracking number (or its start) or words of the subject")

    class Meta:
        model = Grievance
        fields = ["status", "type", "category", "service", "channel", "overdue", "submitted_from", "submitted_to", "q"]

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status__in=OPEN_STATUSES)
        return super().filter_queryset(queryset)

    def filter_submitted_from(self, queryset, name, value):
        return queryset.filter(submitted_at__gte=_start_of(value))

    def filter_submitted_to(self, queryset, name, value):
        return queryset.filter(submitted_at__lt=_start_of(value + timedelta(days=1)))

    def filter_q(self, queryset, name, value):
        text = value.strip()
        condition = Q(subject__icontains=text)
        digits = "".join(str(unicodedata.digit(ch)) for ch in text if ch.isdigit())
        if digits and all(ch.isdigit() or ch in " -" for ch in text):
            condition |= Q(tracking_number__startswith=digits)
        return queryset.filter(condition)


class InboxApi(generics.ListAPIView):
    """The grievances at the offices where you are GRO, and the appeals to those where you are Appeal
    Officer, soonest deadline first. Users who handle no office's grievances get an empty list."""

    permission_classes = [IsAuthenticated]
    serializer_class = InboxRowOutput
    filterset_class = InboxFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Grievance.objects.none()
        return grievances_in_inbox(self.request.user)


class OfficeRefOutput(serializers.Serializer):
    code = serializers.CharField()
    name_en = serializers.CharField()
    name_bn = serializers.CharField()


class TimelineEventOutput(serializers.Serializer):
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    status = serializers.CharField(source="status_after")
    public_note = serializers.CharField()
    internal_note = serializers.CharField()
    actor = serializers.CharField(source="actor.display_name", allow_null=True)
    data = serializers.JSONField()


class AttachmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()


class FeedbackOutput(serializers.Serializer):
    rating = serializers.IntegerField()
    comment = serializers.CharField()
    at = serializers.DateTimeField()


IDENTITY_FIELDS = (
    "complainant_name",
    "complainant_phone",
    "complainant_email",
    "complainant_address",
    "complainant_country",
)


class GrievanceDetailOutput(serializers.Serializer):
    """The complainant's identity is present only for the GRO and Appeal Officer of the holding office."""

    tracking_number = serializers.CharField()
    version = serializers.IntegerField()
    type = serializers.CharField()
    channel = serializers.CharField()
    status = serializers.CharField()
    office = serializers.CharField(source="office.code")
    current_office = OfficeRefOutput()
    service = serializers.IntegerField(source="service_id", allow_null=True)
    category = serializers.CharField(source="category.slug", allow_null=True)
    subject = serializers.CharField()
    description = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    due_date = serializers.DateField()
    appeal_due_date = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    closed_at = serializers.DateTimeField(allow_null=True)
    severity = serializers.CharField()
    simulated = serializers.BooleanField()
    on_behalf = serializers.BooleanField()
    feedback = FeedbackOutput(allow_null=True)
    complainant_name = serializers.CharField(required=False)
    complainant_phone = serializers.CharField(required=False)
    complainant_email = serializers.CharField(required=False)
    complainant_address = serializers.CharField(required=False)
    complainant_country = serializers.CharField(required=False)
    allowed_actions = serializers.SerializerMethodField()
    events = TimelineEventOutput(many=True)
    attachments = AttachmentOutput(many=True)

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=Action.choices)))
    def get_allowed_actions(self, grievance: Grievance) -> list[str]:
        return self.context.get("allowed_actions", [])

    def to_representation(self, instance):
        body = super().to_representation(instance)
        if not self.context.get("identity"):
            for key in IDENTITY_FIELDS:
                body.pop(key, None)
        return body


class GrievanceDetailApi(APIView):
    """A grievance in your scope with its whole timeline (public and internal notes); 404 outside it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=GrievanceDetailOutput)
    def get(self, request, tracking_number: str):
        grievance = grievance_for(request.user, tracking_number, timeline=True)
        identity = may_see_identity(request.user, grievance) and not is_erased(grievance)
        if identity:
            identity_access_record(grievance=grievance, actor=request.user, via=IdentityAccess.Via.API)
        context = {"identity": identity, "allowed_actions": actions_available(request.user, grievance)}
        return Response(GrievanceDetailOutput(grievance, context=context).data)


class GrievanceStateOutput(serializers.Serializer):
    tracking_number = serializers.CharField()
    status = serializers.CharField()
    version = serializers.IntegerField()
    office = serializers.CharField(source="current_office.code")
    due_date = serializers.DateField()
    appeal_due_date = serializers.DateField(allow_null=True)


class ActionInput(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The grievance's version as you read it; if it changed since, the answer is 409.",
    )


class AcceptInput(ActionInput):
    pass


class RequestInfoInput(ActionInput):
    question = serializers.CharField(max_length=2000)


class HearingInput(ActionInput):
    when = serializers.DateTimeField()
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ForwardInput(ActionInput):
    to_office = OfficeCodeField(slug_field="code", queryset=Office.objects.active())
    reason = serializers.CharField(max_length=2000)


class ResolveInput(ActionInput):
    resolution = serializers.CharField(max_length=5000)


class RejectInput(ActionInput):
    reason = serializers.CharField(max_length=2000)


class CloseInput(ActionInput):
    reason = serializers.CharField(max_length=2000)
    severity = serializers.ChoiceField(choices=Severity.choices)


class DecideAppealInput(ActionInput):
    decision = serializers.ChoiceField(choices=AppealDecision.choices)
    text = serializers.CharField(max_length=5000)


ACTION_RESPONSES = {200: GrievanceStateOutput, **refusals(403, 409)}


class _GrievanceActionApi(APIView):
    """POST an action on a grievance in your care: 404 outside your scope, 403 when your role may
    not take it, 409 when the workflow does not allow it now or the grievance changed since you read it."""

    permission_classes = [IsAuthenticated]
    input_class: type[ActionInput]
    service: Callable[..., Grievance]

    def post(self, request, tracking_number: str):
        grievance = grievance_for(request.user, tracking_number)
        data = self.input_class(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        expected_version = values.pop("version", grievance.version)
        grievance = self.service(
            grievance_id=grievance.pk, actor=request.user, expected_version=expected_version, **values
        )
        return Response(GrievanceStateOutput(grievance).data)


@extend_schema_view(post=extend_schema(request=AcceptInput, responses=ACTION_RESPONSES))
class AcceptApi(_GrievanceActionApi):
    """Accept a submitted grievance (GRO). Accepting one already in progress changes nothing."""

    input_class = AcceptInput
    service = staticmethod(grievance_accept)


@extend_schema_view(post=extend_schema(request=RequestInfoInput, responses=ACTION_RESPONSES))
class RequestInfoApi(_GrievanceActionApi):
    """Ask the complainant a question (GRO); they are told by SMS."""

    input_class = RequestInfoInput
    service = staticmethod(grievance_request_info)


@extend_schema_view(post=extend_schema(request=HearingInput, responses=ACTION_RESPONSES))
class HearingApi(_GrievanceActionApi):
    """Record a hearing, held or scheduled (GRO, or the Appeal Officer on an appeal)."""

    input_class = HearingInput
    service = staticmethod(grievance_record_hearing)


@extend_schema_view(post=extend_schema(request=ForwardInput, responses=ACTION_RESPONSES))
class ForwardApi(_GrievanceActionApi):
    """Forward to an office below this one or, when misrouted, to any office, with a reason (GRO)."""

    input_class = ForwardInput
    service = staticmethod(grievance_forward)


@extend_schema_view(post=extend_schema(request=ResolveInput, responses=ACTION_RESPONSES))
class ResolveApi(_GrievanceActionApi):
    """Resolve with the redress given (GRO); the complainant is told by SMS."""

    input_class = ResolveInput
    service = staticmethod(grievance_resolve)


@extend_schema_view(post=extend_schema(request=RejectInput, responses=ACTION_RESPONSES))
class RejectApi(_GrievanceActionApi):
    """Reject with a reason (GRO); the complainant is told by SMS."""

    input_class = RejectInput
    service = staticmethod(grievance_reject)


@extend_schema_view(post=extend_schema(request=CloseInput, responses=ACTION_RESPONSES))
class CloseApi(_GrievanceActionApi):
    """Close an anonymous grievance as “filed, no action”, with a reason and severity (GRO)."""

    input_class = CloseInput
    service = staticmethod(grievance_close_no_action)


@extend_schema_view(post=extend_schema(request=DecideAppealInput, responses=ACTION_RESPONSES))
class DecideAppealApi(_GrievanceActionApi):
    """Decide an appeal: upheld or remedied (Appeal Officer)."""

    input_class = DecideAppealInput
    service = staticmethod(grievance_decide_appeal)


# --- The complainant's data once the grievance is settled (GRO) --------------------------------------


class EraseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    confirm = serializers.BooleanField(help_text="Must be true: an erasure cannot be undone.")

    def validate_confirm(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("Confirm the erasure: it cannot be undone."))
        return value


class DataExportApi(APIView):
    """The complainant's data (the grievance, its public timeline, their replies, feedback and attachment list)
    for the GRO of the holding office to hand to them, once the grievance is settled; recorded on its timeline."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT, **refusals(403, 409)})
    def post(self, request, tracking_number: str):
        grievance = grievance_for(request.user, tracking_number)
        body = grievance_data_export(grievance_id=grievance.pk, actor=request.user, via=IdentityAccess.Via.API)
        return Response(body)


class EraseIdentityApi(APIView):
    """Erase the complainant's identity from a settled grievance (GRO of the holding office): name, phone,
    e-mail, address, access code and attachments' files. Its figures stay; erasing twice changes nothing."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=EraseInput, responses={200: GrievanceStateOutput, **refusals(403, 409)})
    def post(self, request, tracking_number: str):
        grievance = grievance_for(request.user, tracking_number)
        data = EraseInput(data=request.data)
        data.is_valid(raise_exception=True)
        grievance = grievance_identity_erase(
            grievance_id=grievance.pk, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(GrievanceStateOutput(grievance).data)


# --- Complainants: answer a question, rate the outcome, appeal ------------------------------------


class ReplyInput(ComplainantProofInput):
    answer = serializers.CharField(max_length=5000)


class FeedbackInput(ComplainantProofInput):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AppealInput(ComplainantProofInput):
    reason = serializers.CharField(max_length=5000)


COMPLAINANT_RESPONSES = {200: TrackOutput, **refusals(409)}
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A new random value for each action, kept with it while it waits to be sent. The same request sent "
        "again with the same key is recorded once and answered with the grievance as it is now; the same key "
        "with anything else changed is refused with 409 `idempotency_key_reused`."
    ),
)


class _ComplainantActionApi(APIView):
    """POST with the tracking number and the phone or access code; answers the grievance as tracked. Send an
    ``Idempotency-Key`` header so an action resent after its answer was lost is not taken twice."""

    permission_classes = [AllowAny]
    throttle_classes = [TrackingThrottle]
    input_class: type[ComplainantProofInput]
    action: str

    def post(self, request, tracking_number: str):
        data = self.input_class(data=request.data)
        data.is_valid(raise_exception=True)
        grievance = grievance_complainant_action(
            action=self.action,
            number=tracking_number,
            idempotency_key=request.headers.get("Idempotency-Key", "").strip()[:100],
            **data.validated_data,
        )
        return Response(TrackOutput(grievance).data)


def _complainant_schema(request: type[ComplainantProofInput]):
    return extend_schema_view(
        post=extend_schema(request=request, responses=COMPLAINANT_RESPONSES, parameters=[IDEMPOTENCY_KEY])
    )


@_complainant_schema(ReplyInput)
class ReplyApi(_ComplainantActionApi):
    """Answer the office's request for information."""

    input_class = ReplyInput
    action = Action.PROVIDE_INFO


@_complainant_schema(FeedbackInput)
class FeedbackApi(_ComplainantActionApi):
    """Rate a resolved grievance from 1 to 5; this closes it."""

    input_class = FeedbackInput
    action = Action.FEEDBACK


@_complainant_schema(AppealInput)
class AppealApi(_ComplainantActionApi):
    """Appeal after a resolution or rejection, or once the office's deadline has passed."""

    input_class = AppealInput
    action = Action.APPEAL
