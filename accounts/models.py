from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in: an official, an operator, or (later) a citizen.

    What a user may do comes from their appointments at offices, not from flags here.
    """

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164, e.g. +8801712345678"))
    sso_subject = models.CharField(
        _("single sign-on ID"),
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The identifier the government sign-on service (e.g. Nothi) gives this official."),
    )

    def save(self, *args, **kwargs):
        # An empty form field means "none": stored as NULL, so any number of users may lack one.
        self.sso_subject = (self.sso_subject or "").strip() or None
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username
