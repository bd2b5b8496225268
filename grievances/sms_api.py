"""``POST /api/v1/sms/inbound/``: the SMS gateway hands over each message a citizen sent to GRS's number."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from citizens.models import InboundSms
from grievances.sms_inbound import sms_receive, sms_signature_problem
from grs.api_schema import refusals

SCHEME = "GRS-Signature"


class SmsGateway:
    """Whoever signed the post with the gateway's shared secret: the gateway, and nobody else."""

    is_authenticated = True
    is_anonymous = False

    def __str__(self) -> str:
        return "SMS gateway"


class GatewaySignature(BaseAuthentication):
    """The HMAC signature of the timestamp and raw body (see :func:`sms_signature_problem`): anything
    unsigned, badly signed or stale is refused with 401 before the body is read."""

    def authenticate(self, request):
        problem = sms_signature_problem(
            body=request.body,
            timestamp=request.headers.get("X-GRS-Timestamp", ""),
            signature=request.headers.get("X-GRS-Signature", ""),
        )
        if problem:
            raise AuthenticationFailed(problem)
        return SmsGateway(), None

    def authenticate_header(self, request) -> str:
        return SCHEME


class IsSmsGateway(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, SmsGateway)


class GatewaySignatureScheme(OpenApiAuthenticationExtension):
    target_class = "grievances.sms_api.GatewaySignature"
    name = "smsGatewaySignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-GRS-Signature",
            "description": (
                "`sha256=<hex>`: HMAC-SHA256, keyed with GRS_SMS_INBOUND_SECRET, of the `X-GRS-Timestamp` value "
                "(Unix seconds, at most GRS_SMS_INBOUND_MAX_SKEW_SECONDS from the server's clock), a dot, and "
                "the raw body."
            ),
        }


class SmsInboundInput(serializers.Serializer):
    id = serializers.CharField(max_length=100, help_text="The gateway's id of the message, unique per message.")
    text = serializers.CharField(max_length=2000, allow_blank=True, trim_whitespace=False)
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def get_fields(self):
        fields = super().get_fields()
        # ``from`` is a Python keyword: it cannot be declared as a class attribute.
        fields["from"] = serializers.CharField(max_length=40, help_text="The sender's phone number.")
        return fields


class SmsInboundOutput(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=InboundSms.Outcome.values,
        help_text="What GRS did; every outcome sent the sender an SMS.",
    )
    tracking_number = serializers.CharField(allow_null=True, help_text="The grievance filed, when one was.")
    duplicate = serializers.BooleanField(help_text="The message id was seen before: nothing was done again.")


class SmsInboundApi(APIView):
    """One SMS a citizen sent: ``GRS <office code or upazila> <complaint>`` (or ``অভিযোগ …``) files a
    grievance and replies with its tracking number; ``STATUS <tracking number>`` (``অবস্থা …``) replies with
    the status of the sender's own grievance; anything else is answered with how to write it. Posting the
    same message id again does nothing again (``duplicate``); the same id with other content is a 409."""

    authentication_classes = [GatewaySignature]
    permission_classes = [IsSmsGateway]
    parser_classes = [JSONParser]

    @extend_schema(
        request=SmsInboundInput,
        responses={200: SmsInboundOutput, **refusals(401, 409)},
        parameters=[
            OpenApiParameter("X-GRS-Timestamp", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-GRS-Signature", str, OpenApiParameter.HEADER, required=True),
        ],
    )
    def post(self, request):
        data = SmsInboundInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        received = sms_receive(
            message_id=values["id"],
            sender=values["from"],
            text=values["text"],
            gateway_received_at=values["received_at"],
        )
        grievance = received.grievance
        body = {
            "outcome": received.outcome,
            "tracking_number": grievance.tracking_number if received.outcome == "filed" and grievance else None,
            "duplicate": received.duplicate,
        }
        return Response(SmsInboundOutput(body).data)
