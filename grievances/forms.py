"""Forms of the citizen pages: filing a grievance and following one.

They only parse what was typed; every rule about a grievance lives in ``grievances.services``.
"""

import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from charters.models import CharterService
from grievances.attachments import ALLOWED
from grievances.models import GrievanceType

# Where most Bangladeshis abroad live and work; "another country" lets the phone number decide.
COUNTRIES = [
    ("BD", _("Bangladesh")),
    ("SA", _("Saudi Arabia")),
    ("AE", _("United Arab Emirates")),
    ("MY", _("Malaysia")),
    ("QA", _("Qatar")),
    ("OM", _("Oman")),
    ("KW", _("Kuwait")),
    ("SG", _("Singapore")),
    ("IT", _("Italy")),
    ("GB", _("United Kingdom")),
    ("US", _("United States")),
    ("", _("Another country")),
]

CONTACT_FIELDS = (
    "complainant_name",
    "complainant_phone",
    "complainant_email",
    "complainant_address",
    "complainant_country",
)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; what they may be is decided by ``grievances.attachments``."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        return [upload for upload in data or [] if upload]


class UnechoedInput(forms.TextInput):
    """A text box never refilled from what was posted, so a phone number is not written back into the page."""

    def format_value(self, value):
        return None


def _accept() -> str:
    return ",".join([*ALLOWED, ".jpeg", *sorted(set(ALLOWED.values()))])


class GrievanceForm(forms.Form):
    service = forms.TypedChoiceField(label=_("Service"), required=False, coerce=int, empty_value=None)
    type = forms.ChoiceField(
        label=_("File as"),
        widget=forms.RadioSelect,
        initial=GrievanceType.CITIZEN,
        help_text=_(
            "Anonymous: we keep no name or phone number, and you get a secret access code to follow the grievance."
        ),
    )
    subject = forms.CharField(
        label=_("Subject"), max_length=200, help_text=_("In a few words, e.g. “Allowance not paid”.")
    )
    description = forms.CharField(
        label=_("What happened"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Say what happened, when and where, and who was involved."),
    )
    attachments = MultipleFileField(label=_("Evidence (optional)"), required=False)
    complainant_name = forms.CharField(
        label=_("Your name"), max_length=200, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    complainant_phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("e.g. 01712345678, or with the country code from abroad: +971501234567. We send updates by SMS."),
    )
    complainant_email = forms.CharField(
        label=_("E-mail (optional)"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    complainant_address = forms.CharField(
        label=_("Address (optional)"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    complainant_country = forms.ChoiceField(
        label=_("Country where you live"), choices=COUNTRIES, required=False, initial="BD"
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, services: list[CharterService], official: bool = False, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.services = {service.pk: service for service in services}
        self.fields["service"].choices = [("", _("Not sure, or not in the list")), *_grouped(services)]
        types = [GrievanceType.CITIZEN, GrievanceType.ANONYMOUS] + ([GrievanceType.OFFICIAL] if official else [])
        self.fields["type"].choices = [(t.value, t.label) for t in types]
        limits = {
            "count": settings.GRS_MAX_ATTACHMENTS,
            "mb": settings.GRS_MAX_ATTACHMENT_BYTES // (1024 * 1024),
        }
        attachments = self.fields["attachments"]
        attachments.widget.attrs["accept"] = _accept()
        attachments.help_text = (
            _(
                "Up to %(count)s files, %(mb)s MB each: photos (JPEG, PNG) or documents (PDF, Word, ODT). "
                "No video or sound recordings."
            )
            % limits
        )

    def clean_idempotency_key(self) -> str:
        # Only a key this page made is used; anything else files without replay protection.
        try:
            return str(uuid.UUID(self.cleaned_data["idempotency_key"]))
        except ValueError:
            return ""

    def filing_values(self) -> dict:
        """The cleaned form as keyword arguments of ``grievance_file`` (office, channel and actor aside)."""
        data = self.cleaned_data
        values = {name: data[name] for name in ("type", "subject", "description", "attachments", "idempotency_key")}
        values["service"] = self.services.get(data["service"])
        if data["type"] == GrievanceType.CITIZEN:
            values.update({name: data[name] for name in CONTACT_FIELDS})
        return values


def _grouped(services: list[CharterService]) -> list:
    """Choices grouped by category, keeping the order the services come in (Social Protection first)."""
    groups: dict = {}
    for service in services:
        groups.setdefault(str(service.category), []).append((service.pk, str(service)))
    return list(groups.items())


class TrackForm(forms.Form):
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("10 digits, on your receipt or in the SMS, e.g. 4821-3907-65."),
    )
    secret = forms.CharField(
        label=_("Phone number or access code"),
        max_length=40,
        widget=UnechoedInput(attrs={"autocomplete": "off"}),
        help_text=_("The phone number you gave when filing, or the access code on your receipt."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
