"""Citizens over the API: a one-time code by SMS, a session for it, and every grievance filed with the phone."""

from django.conf import settings
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from citizens.authentication import CitizenAuthentication, IsCitizen
from citizens.models import CitizenSession
from citizens.selectors import grievance_of_citizen, grievances_of_citizen
from citizens.services import citizen_session_end, citizen_session_start, otp_send
from grievances.api import TrackOutput
from grievances.models import Grievance
from grs.api import CitizenCodeThrottle, SigninThrottle
from grs.api_schema import refusals
from grs.templatetags.bangla import bn_digits


class OtpInput(serializers.Serializer):
    phone = serializers.CharField(max_length=40, help_text="The phone number, e.g. 01712345678 or +971501234567.")


class OtpOutput(serializers.Serializer):
    detail = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds the code works for.")


class OtpApi(APIView):
    """Send a one-time sign-in code by SMS to a phone (in the request's language, Bangla by default). The
    answer is the same whether or not any grievance was filed with the phone."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [CitizenCodeThrottle]

    @extend_schema(request=OtpInput, responses={202: OtpOutput, **refusals(429)})
    def post(self, request):
        data = OtpInput(data=request.data)
        data.is_valid(raise_exception=True)
        otp_send(phone=data.validated_data["phone"], language=get_language() or "")
        minutes = settings.GRS_OTP_TTL_MINUTES
        body = {
            "detail": _("A code was sent by SMS to this phone. Enter it within %(minutes)s minutes.")
            % {"minutes": bn_digits(str(minutes))},
            "expires_in": minutes * 60,
        }
        return Response(OtpOutput(body).data, status=status.HTTP_202_ACCEPTED)


class SessionInput(serializers.Serializer):
    phone = serializers.CharField(max_length=40)
    code = serializers.CharField(max_length=20, help_text="The 6-digit code from the SMS.")


class SessionOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Citizen <token>`.")
    phone = serializers.CharField()
    expires_at = serializers.DateTimeField()


class SessionApi(APIView):
    """``POST {phone, code}`` signs a citizen in: the token goes in ``Authorization: Citizen <token>``.
    ``DELETE`` with that header signs out (the token stops working)."""

    permission_classes = [AllowAny]

    def get_authenticators(self):
        # Signing in reads no header (a stale token must not stop a fresh sign-in); signing out needs the token.
        if getattr(getattr(self, "request", None), "method", "") == "DELETE":
            return [CitizenAuthentication()]
        return []

    def get_throttles(self):
        return [SigninThrottle()] if getattr(getattr(self, "request", None), "method", "") == "POST" else []

    def get_permissions(self):
        if getattr(getattr(self, "request", None), "method", "") == "DELETE":
            return [IsCitizen()]
        return super().get_permissions()

    @extend_schema(request=SessionInput, responses={200: SessionOutput, **refusals(429)}, auth=[])
    def post(self, request):
        data = SessionInput(data=request.data)
        data.is_valid(raise_exception=True)
        started = citizen_session_start(**data.validated_data, via=CitizenSession.Via.API)
        body = {"token": started.token, "phone": started.session.phone, "expires_at": started.session.expires_at}
        return Response(SessionOutput(body).data)

    @extend_schema(request=None, responses={204: None, **refusals(401)})
    def delete(self, request):
        citizen_session_end(session_id=request.user.session_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CitizenGrievanceOutput(TrackOutput):
    """A grievance as its complainant follows it: the tracking page's fields, the subject and the channel."""

    subject = serializers.CharField()
    channel = serializers.CharField()


class CitizenGrievanceRowOutput(CitizenGrievanceOutput):
    events = None  # the list leaves the timeline to each grievance's own page


class _CitizenApi:
    authentication_classes = [CitizenAuthentication]
    permission_classes = [IsCitizen]


class CitizenGrievancesApi(_CitizenApi, generics.ListAPIView):
    """Every grievance filed with the signed-in phone, whoever filed it and through whichever channel, newest
    first."""

    serializer_class = CitizenGrievanceRowOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Grievance.objects.none()
        return grievances_of_citizen(self.request.user)

    @extend_schema(responses={200: CitizenGrievanceRowOutput(many=True), **refusals(401)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CitizenGrievanceApi(_CitizenApi, APIView):
    """One grievance filed with the signed-in phone, with its timeline; any other number answers 404."""

    @extend_schema(responses={200: CitizenGrievanceOutput, **refusals(400, 401, 404)})
    def get(self, request, tracking_number: str):
        try:
            grievance = grievance_of_citizen(request.user, tracking_number)
        except Http404 as exc:
            raise NotFound(_("None of your grievances has this tracking number.")) from exc
        return Response(CitizenGrievanceOutput(grievance).data)
