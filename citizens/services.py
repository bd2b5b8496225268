"""Citizens' sign-in by phone: send a one-time code, trade it for a session, end the session."""

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from citizens.models import CitizenSession, InboundSms, OtpChallenge
from grs import errors
from grs.phones import normalise_phone
from grs.templatetags.bangla import bn_digits
from notifications.models import Outbox
from notifications.services import notify_sms

CODE_DIGITS = 6
_BANGLA_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
# How the code shows in the SMS once it can no longer be used (the outbox keeps every message's text).
_CODE_IN_TEXT = re.compile(rf"(?<![0-9])[0-9]{{{CODE_DIGITS}}}(?![0-9])")
CODE_MASK = "•" * CODE_DIGITS


class TooManyCodes(errors.DomainError):
    code = "otp_rate_limited"
    http_status = 429


class WrongCode(errors.ValidationError):
    code = "otp_invalid"


@dataclass(frozen=True)
class Started:
    """A new citizen session, with its token (shown once: only its hash is kept)."""

    session: CitizenSession
    token: str


def _keyed_hash(purpose: str, value: str) -> str:
    # Django's salted_hmac, keyed with SECRET_KEY, as grievances.services.hash_access_code does for access
    # codes; a purpose of its own, so a code's hash can never stand for anything else.
    return "hmac$" + salted_hmac(f"grs.citizens.{purpose}", value, algorithm="sha256").hexdigest()


def otp_hash(*, phone: str, code: str) -> str:
    """The stored form of a code: bound to its phone, so the same six digits hash differently for another."""
    return _keyed_hash("otp", f"{phone}:{code}")


def token_hash(token: str) -> str:
    return _keyed_hash("session", token)


def normalise_code(text: str) -> str:
    """The digits of a code as typed: Bangla digits accepted, spaces and dashes dropped."""
    return "".join(ch for ch in str(text).translate(_BANGLA_DIGITS) if ch.isdigit() and ch.isascii())


def _live(now) -> Q:
    return Q(used_at__isnull=True, expires_at__gt=now, attempts__lt=settings.GRS_OTP_MAX_ATTEMPTS)


@transaction.atomic
def otp_send(*, phone: str, language: str = "") -> OtpChallenge:
    """Send a fresh one-time code to ``phone`` by SMS, in ``language`` (the default language, Bangla, when
    empty); earlier codes of the phone die. Refused once the phone had GRS_OTP_PER_PHONE_PER_HOUR codes in
    the last hour. Whether the phone filed any grievance changes nothing here."""
    phone = normalise_phone(phone)
    now = timezone.now()
    if settings.RATELIMIT_ENABLE:
        recent = OtpChallenge.objects.filter(phone=phone, created_at__gt=now - timedelta(hours=1)).count()
        if recent >= settings.GRS_OTP_PER_PHONE_PER_HOUR:
            raise TooManyCodes(_("Too many codes were sent to this phone. Please wait an hour and try again."))
    OtpChallenge.objects.filter(Q(phone=phone) & _live(now)).update(expires_at=now)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    minutes = settings.GRS_OTP_TTL_MINUTES
    challenge = OtpChallenge.objects.create(
        phone=phone,
        code_hash=otp_hash(phone=phone, code=code),
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    with translation.override(language or settings.LANGUAGE_CODE):
        body = ngettext(
            "GRS sign-in code: %(code)s. It works for %(minutes)s minute. Never tell it to anyone.",
            "GRS sign-in code: %(code)s. It works for %(minutes)s minutes. Never tell it to anyone.",
            minutes,
        ) % {"code": code, "minutes": bn_digits(str(minutes))}
    challenge.message = notify_sms(to=phone, body=body)
    challenge.save(update_fields=["message"])
    return challenge


def citizen_session_start(*, phone: str, code: str, via: str) -> Started:
    """Trade the phone's newest live code for a session of GRS_CITIZEN_SESSION_DAYS. A wrong code counts
    against that code (GRS_OTP_MAX_ATTEMPTS kill it); a wrong, spent, dead, expired or never-sent code is
    refused with one and the same message."""
    phone = normalise_phone(phone)
    digits = normalise_code(code)
    now = timezone.now()
    with transaction.atomic():
        challenge = (
            OtpChallenge.objects.select_for_update()
            .filter(Q(phone=phone) & _live(now))
            .order_by("-created_at", "-pk")
            .first()
        )
        if challenge is not None and constant_time_compare(otp_hash(phone=phone, code=digits), challenge.code_hash):
            challenge.used_at = now
            challenge.save(update_fields=["used_at"])
            _mask_codes([challenge.message_id])
            token = secrets.token_urlsafe(32)
            session = CitizenSession.objects.create(
                phone=phone,
                token_hash=token_hash(token),
                via=via,
                created_at=now,
                expires_at=now + timedelta(days=settings.GRS_CITIZEN_SESSION_DAYS),
            )
            return Started(session=session, token=token)
        if challenge is not None:
            challenge.attempts += 1
            challenge.save(update_fields=["attempts"])
    # Raised after the commit above, so the wrong answer stays counted.
    # No ``field``: the API's error body keeps "code" for the refusal's own code (otp_invalid).
    raise WrongCode(_("This code is wrong or no longer valid. Check the SMS, or ask for a new code."))


def citizen_session_end(*, session_id: int) -> None:
    """Sign out: the session's token or browser session stops working at once; ending it twice changes nothing."""
    CitizenSession.objects.filter(pk=session_id, ended_at__isnull=True).update(ended_at=timezone.now())


def _mask_codes(message_ids) -> int:
    """Mask the code in the text of these outbox messages: a code that can no longer be used is not kept."""
    ids = [pk for pk in message_ids if pk]
    masked = 0
    for pk, body in Outbox.objects.filter(pk__in=ids).values_list("pk", "body"):
        hidden = _CODE_IN_TEXT.sub(CODE_MASK, body)
        if hidden != body:
            masked += Outbox.objects.filter(pk=pk).update(body=hidden)
    return masked


# Codes are kept a day (the per-phone limit counts the last hour); sessions a day past their end.
CODE_KEPT = timedelta(days=1)
SESSION_KEPT = timedelta(days=1)
# A signed SMS post is refused once its timestamp is GRS_SMS_INBOUND_MAX_SKEW_SECONDS old, so its id need
# only be remembered that long; a month leaves room for a gateway's own retries and for questions.
INBOUND_KEPT = timedelta(days=30)


@transaction.atomic
def citizens_sweep(*, now=None) -> dict[str, int]:
    """Mask the codes that can no longer be used in their SMS' text, and delete old codes, sessions long
    over, and SMS ids old enough that no signed request can bring them again. Returns what it did."""
    now = now or timezone.now()
    dead = OtpChallenge.objects.filter(message__isnull=False).exclude(_live(now))
    message_ids = list(dead.values_list("message_id", flat=True))
    masked = _mask_codes(message_ids)
    OtpChallenge.objects.filter(message_id__in=message_ids).update(message=None)
    codes, _kinds = OtpChallenge.objects.filter(created_at__lt=now - CODE_KEPT).delete()
    over = Q(expires_at__lt=now - SESSION_KEPT) | Q(ended_at__lt=now - SESSION_KEPT)
    sessions, _kinds = CitizenSession.objects.filter(over).delete()
    messages, _kinds = InboundSms.objects.filter(received_at__lt=now - INBOUND_KEPT).delete()
    return {"masked": masked, "codes": codes, "sessions": sessions, "inbound": messages}
