"""Token sign-in for the mobile app and UDC tablets: /api/v1/auth/token/."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from grs import errors
from grs.api import SigninThrottle


class WrongCredentials(errors.ValidationError):
    code = "invalid_credentials"


class TokenApi(APIView):
    """``POST {username, password}`` → ``{token}``; send it as ``Authorization: Token <token>``."""

    permission_classes = [AllowAny]
    throttle_classes = [SigninThrottle]
    # A stale or foreign token in the header must not stop someone from signing in afresh.
    authentication_classes: list = []

    @extend_schema_serializer(component_name="TokenInput")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})

    @extend_schema(
        request=InputSerializer,
        responses=inline_serializer("TokenOutput", {"token": serializers.CharField()}),
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The plain request, so a lockout (django-axes) marks it and is answered 429, not 400.
        user = authenticate(request=request._request, **data.validated_data)
        if user is None:
            raise WrongCredentials(_("The username or password is wrong, or the account is disabled."))
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
