"""Citizens who sign in with their phone (one-time codes and the sessions they open), and the SMS that
citizens send in to file or follow a grievance.

None of this is an account: a citizen is known only by the phone number that received the code, and sees
the grievances filed with that number. Officials' accounts (accounts.User) never mix with it.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OtpChallenge(models.Model):
    """A one-time code sent by SMS to a phone. Only a keyed hash of it is kept.

    The newest live code of a phone is the only one that counts: asking for another kills the earlier
    ones. A code is spent by one right answer (``used_at``), killed by GRS_OTP_MAX_ATTEMPTS wrong ones,
    and worthless after ``expires_at``. ``message`` is the SMS that carried it, whose text is masked once
    the code can no longer be used.
    """

    phone = models.CharField(_("phone"), max_length=20)
    code_hash = models.CharField(max_length=128, editable=False)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong answers"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    message = models.ForeignKey(
        "notifications.Outbox", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        indexes = [models.Index(fields=["phone", "created_at"], name="otp_phone_created_idx")]

    def __str__(self) -> str:
        return f"{self.phone} {self.created_at:%Y-%m-%d %H:%M}"


class CitizenSession(models.Model):
    """A citizen signed in with a code: the phone they proved, until ``expires_at`` or until they sign out.

    An API client holds a random token of which only the keyed hash is kept here; a browser holds the
    session's id in its (server-side) Django session instead.
    """

    class Via(models.TextChoices):
        API = "api", _("API")
        WEB = "web", _("Web page")

    phone = models.CharField(_("phone"), max_length=20)
    token_hash = models.CharField(max_length=128, unique=True, editable=False)
    via = models.CharField(_("through"), max_length=4, choices=Via.choices)
    created_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    ended_at = models.DateTimeField(_("signed out at"), null=True, blank=True)

    class Meta:
        verbose_name = _("citizen session")
        verbose_name_plural = _("citizen sessions")
        indexes = [models.Index(fields=["expires_at"], name="citizensession_expires_idx")]

    def __str__(self) -> str:
        return f"{self.phone} ({self.get_via_display()})"


class InboundSms(models.Model):
    """An SMS the gateway handed over, remembered by the gateway's message id: the same message posted
    again (a retry, or a replay) is answered as before and neither files nor replies a second time."""

    class Outcome(models.TextChoices):
        FILED = "filed", _("Grievance filed")
        STATUS = "status", _("Status sent")
        NO_OFFICE = "no_office", _("No office matched; asked for the upazila")
        AMBIGUOUS = "ambiguous", _("Several upazilas matched; asked for the district")
        NO_COMPLAINT = "no_complaint", _("No complaint written; asked for it")
        HELP = "help", _("Not understood; sent how to use it")

    message_id = models.CharField(_("gateway's message id"), max_length=100, unique=True)
    # What the message said (sender and text), hashed: an id sent again with other content is refused.
    fingerprint = models.CharField(max_length=64, editable=False)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    gateway_received_at = models.DateTimeField(_("received by the gateway at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    grievance = models.ForeignKey(
        "grievances.Grievance", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("SMS received")
        verbose_name_plural = _("SMS received")

    def __str__(self) -> str:
        return self.message_id
