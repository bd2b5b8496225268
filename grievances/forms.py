"""Forms of the citizen pages and the operators' consoles: filing a grievance and following one.

They only parse what was typed; every rule about a grievance lives in ``grievances.services``.
"""

import uuid

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from charters.models import CharterService
from grievances.attachments import ALLOWED
from grievances.models import Channel, GrievanceType
from offices.models import Office

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


class FilingForm(forms.Form):
    """What every filing form asks. Subclasses say which types may be chosen and how services are listed."""

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

    def __init__(self, *args, services: list[CharterService], types: list[GrievanceType], **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.services = {service.pk: service for service in services}
        self.fields["service"].choices = [("", _("Not sure, or not in the list")), *self.service_choices(services)]
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

    def service_choices(self, services: list[CharterService]) -> list:
        return _grouped(services)

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


class GrievanceForm(FilingForm):
    """The citizen's own form; a signed-in government employee may also file as an official."""

    def __init__(self, *args, services: list[CharterService], official: bool = False, **kwargs):
        types = [GrievanceType.CITIZEN, GrievanceType.ANONYMOUS] + ([GrievanceType.OFFICIAL] if official else [])
        super().__init__(*args, services=services, types=types, **kwargs)


class ServiceSelect(forms.Select):
    """A list of services whose options carry their office's code, so a script can offer only the chosen office's."""

    def __init__(self, *args, office_of: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.office_of = office_of

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value in self.office_of:
            option["attrs"]["data-office"] = self.office_of[value]
        return option


class ConsoleForm(FilingForm):
    """A UDC operator or hotline agent files for a villager or a caller: the office is chosen on the form,
    the complainant may have no phone, and a UDC operator says whether it came in person or on paper."""

    office = forms.ChoiceField(label=_("Office"))
    channel = forms.ChoiceField(label=_("How it came in"), widget=forms.RadioSelect)
    reference = forms.CharField(
        label=_("Paper form number"),
        max_length=50,
        required=False,
        help_text=_("The number written on the paper form, so the two can be matched later."),
    )

    def __init__(
        self, *args, offices: list[tuple[str, list[Office]]], services: list[CharterService], channels: list, **kwargs
    ):
        super().__init__(*args, services=services, types=[GrievanceType.CITIZEN, GrievanceType.ANONYMOUS], **kwargs)
        self.offices = {office.code: office for _group, members in offices for office in members}
        self.fields["office"].choices = [
            ("", _("Choose the office")),
            *[(group, [(o.code, str(o)) for o in members]) for group, members in offices if members],
        ]
        service = self.fields["service"]
        service.widget = ServiceSelect(office_of={s.pk: s.office.code for s in services})
        service.widget.choices = service.choices

        self.channels = list(channels)
        if len(self.channels) > 1:
            self.fields["channel"].choices = [(c.value, c.label) for c in self.channels]
            self.fields["channel"].initial = self.channels[0]
        else:
            del self.fields["channel"]
        if Channel.PAPER not in self.channels:
            del self.fields["reference"]

        self.fields["type"].help_text = _(
            "Anonymous: no name or phone number is kept, and the receipt carries a secret access code instead."
        )
        self.fields["complainant_name"].label = _("Complainant's name")
        self.fields["complainant_phone"].label = _("Mobile phone (optional)")
        self.fields["complainant_phone"].help_text = _(
            "Leave it empty if they have none: the receipt then carries an access code to follow the grievance."
        )
        self.fields["complainant_country"].label = _("Country where they live")

    def service_choices(self, services: list[CharterService]) -> list:
        # Grouped by office: the form offers several offices' services at once.
        groups: dict = {}
        for service in services:
            groups.setdefault(service.office.name, []).append((service.pk, str(service)))
        return list(groups.items())

    def clean(self):
        data = super().clean()
        if data.get("channel") == Channel.PAPER and not data.get("reference", "").strip():
            self.add_error("reference", _("Write the number on the paper form."))
        return data

    def filing_values(self) -> dict:
        """As the citizen form's, with the office, the channel and, for a paper form, its number."""
        values = super().filing_values()
        data = self.cleaned_data
        values["office"] = self.offices[data["office"]]
        values["channel"] = data.get("channel") or self.channels[0]
        if values["channel"] == Channel.PAPER:
            values["reference"] = data["reference"].strip()
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


def with_new_key(data: QueryDict) -> QueryDict:
    """The submitted form data with a fresh idempotency key, so sending it again files anew."""
    data = data.copy()
    data["idempotency_key"] = str(uuid.uuid4())
    return data
