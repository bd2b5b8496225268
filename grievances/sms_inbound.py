"""Grievances filed and followed by SMS, as the SMS gateway hands each message over.

What a citizen sends (keywords in any case; Bangla digits are welcome in numbers and codes)::

    GRS <office code or upazila> <complaint>      অভিযোগ <দপ্তরের কোড বা উপজেলা> <অভিযোগ>
    STATUS <tracking number>                      অবস্থা <ট্র্যাকিং নম্বর>

The place is an office's code first (``DSS-KURIGRAM-SADAR``, in any case), else the name of an upazila in
Bangla or English, forgiving case, spacing and the usual ways of writing Bangla names in Latin letters
(Shyamnagar, Shamnagar, Shyamnogor); "<district> <upazila>" settles a name that several districts share. A
grievance naming an upazila goes to that upazila's office for SMS (:func:`sms_office_for_upazila`), whose
GRO forwards it where it belongs.

Every answer is an SMS through the outbox, in Bangla when the message was written in Bangla and in English
otherwise: the filing's receipt (with the tracking number, in ASCII digits as people type it back), the
status of the sender's own grievance, or how to write the message. The gateway's message id is remembered:
the same message posted again files and answers nothing a second time.
"""

import hashlib
import hmac
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.translation import gettext as _

from citizens.models import InboundSms
from grievances import tracking
from grievances.models import Channel, Grievance, GrievanceType
from grievances.services import grievance_file
from grievances.workflow import OPEN_STATUSES, Status
from grs import errors
from grs.phones import InvalidPhone, normalise_phone
from notifications.services import notify_sms
from offices.models import AdminUnit, Appointment, Office, Role

Outcome = InboundSms.Outcome

FILE_WORDS = frozenset({"GRS", "অভিযোগ"})
STATUS_WORDS = frozenset({"STATUS", "অবস্থা"})
# What may cling to a word as typed: punctuation around a keyword, code or name ("GRS:", "Ulipur,").
_EDGE = " \t:;,.।!?\"'()[]"
_BANGLA_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
# Upazila names run to three words ("Char Rajibpur"), four with the district before them.
MAX_PLACE_WORDS = 4
# How alike (difflib's ratio) a misspelt name must be to the upazila's: one wrong letter in six passes.
FUZZY_CUTOFF = 0.8
SUBJECT_LENGTH = 80


# --- The gateway's signature ------------------------------------------------------------------------


def sms_signature_problem(*, body: bytes, timestamp: str, signature: str, now: float | None = None) -> str:
    """Why a post claiming to come from the gateway is refused, or '' when its signature holds.

    The gateway sends ``X-GRS-Timestamp`` (Unix seconds) and ``X-GRS-Signature: sha256=<hex>``, the
    HMAC-SHA256 with GRS_SMS_INBOUND_SECRET of the timestamp, a dot and the raw body. Signing the timestamp
    with the body means a captured post cannot be sent again later under a fresh timestamp.
    """
    secret = settings.GRS_SMS_INBOUND_SECRET
    if not secret:
        return _("SMS filing is not set up on this server: GRS_SMS_INBOUND_SECRET is empty.")
    if not timestamp or not signature:
        return _("Sign the request: the X-GRS-Timestamp and X-GRS-Signature headers are required.")
    try:
        sent = int(timestamp.strip())
    except ValueError:
        return _("X-GRS-Timestamp must be a Unix time in seconds.")
    now = time.time() if now is None else now
    if abs(now - sent) > settings.GRS_SMS_INBOUND_MAX_SKEW_SECONDS:
        return _("The request's timestamp is too far from this server's clock.")
    expected = "sha256=" + sms_signature(body=body, timestamp=timestamp.strip(), secret=secret)
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        return _("The signature does not match the request.")
    return ""


def sms_signature(*, body: bytes, timestamp: str, secret: str) -> str:
    """The hex HMAC-SHA256 a gateway sends after ``sha256=`` (also what tests and gateways' set-up use)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


# --- Matching the place a message names -------------------------------------------------------------

# Bangla letters that people write for one another: long and short vowels, the three sibilants, the two
# n's, ja and ya, ra and the flapped ড়/ঢ়; the nasal sign is often left out. য় stays apart from য.
_BANGLA_PAIRS = (("\u09a1\u09bc", "র"), ("\u09a2\u09bc", "র"), ("\u09af\u09bc", "\u09df"))
_BANGLA_LETTERS = str.maketrans(
    {"ী": "ি", "ূ": "ু", "ণ": "ন", "ষ": "শ", "স": "শ", "য": "জ", "ৎ": "ত", "ঙ": "ং", "ঁ": None, "\u09bc": None}
)
# Bangla names in Latin letters: aspirates written or not, o for a, y for i, ee, oo and so on.
_LATIN_PAIRS = (
    ("chh", "c"),
    ("ch", "c"),
    ("sh", "s"),
    ("ph", "f"),
    ("bh", "b"),
    ("dh", "d"),
    ("gh", "g"),
    ("jh", "j"),
    ("kh", "k"),
    ("th", "t"),
    ("ee", "i"),
    ("oo", "u"),
    ("ou", "u"),
    ("ow", "u"),
    ("au", "u"),
    ("z", "j"),
    ("q", "k"),
    ("v", "b"),
    ("y", "i"),
    ("o", "a"),
)


def fold(text: str) -> str:
    """A place name as it is compared: letters only, lower case, spelling variants folded together and
    doubled letters made single ("Kurigram Sadar", "kurigram-sador" and "KURIGRAMM SADAR" are alike)."""
    text = unicodedata.normalize("NFC", str(text)).lower()
    for pair, one in _BANGLA_PAIRS:
        text = text.replace(pair, one)
    text = text.translate(_BANGLA_LETTERS)
    text = "".join(ch for ch in text if "a" <= ch <= "z" or "\u0980" <= ch <= "\u09ff")
    for pair, one in _LATIN_PAIRS:
        text = text.replace(pair, one)
    return "".join(ch for i, ch in enumerate(text) if i == 0 or ch != text[i - 1])


@dataclass(frozen=True)
class Place:
    """Where a message's first words point: an office, or nothing, or several upazilas at once."""

    office: Office | None
    words: int = 0
    ambiguous: bool = False


def sms_office_for_upazila(upazila: AdminUnit | int) -> Office | None:
    """The office that takes an SMS naming ``upazila``: among the upazila's active upazila-layer offices,
    one with a GRO appointed first (someone must read it); then by GRS_SMS_UPAZILA_OFFICE_PREFERENCE, the
    office-code prefixes in order (default ``UNO``, the Upazila Nirbahi Officer's office, then ``DSS``, the
    Upazila Social Services Office that seed_demo builds in every pilot upazila); then the lowest code."""
    upazila_id = upazila.pk if isinstance(upazila, AdminUnit) else upazila
    gro = Appointment.objects.current().filter(office=OuterRef("pk"), role=Role.GRO)
    offices = Office.objects.active().filter(layer=Office.Layer.UPAZILA, admin_unit_id=upazila_id)
    prefixes = [prefix.strip().upper() for prefix in settings.GRS_SMS_UPAZILA_OFFICE_PREFERENCE if prefix.strip()]

    def preference(office: Office) -> int:
        code = office.code.upper()
        return next((i for i, prefix in enumerate(prefixes) if code.startswith(f"{prefix}-")), len(prefixes))

    return min(
        offices.annotate(has_gro=Exists(gro)), key=lambda o: (not o.has_gro, preference(o), o.code), default=None
    )


@dataclass
class _Name:
    """One folded way of naming a place: the upazilas it names (none for a district without a Sadar
    upazila) and how many words it is written in."""

    upazilas: set[int] = field(default_factory=set)
    words: set[int] = field(default_factory=set)


def _place_names() -> dict[str, _Name]:
    """Every upazila that has an office for SMS, by each folded way of naming it: its Bangla and English
    names, alone and after its district's. A district's name alone names its Sadar upazila, or none: then
    the sender is asked for the upazila instead of a look-alike being guessed ("Dhaka" is not Dakop)."""
    names: dict[str, _Name] = defaultdict(_Name)

    def add(name: str, upazila: int | None = None) -> None:
        if key := fold(name):
            names[key].words.add(len(name.split()))
            if upazila is not None:
                names[key].upazilas.add(upazila)

    with_offices = Office.objects.active().filter(layer=Office.Layer.UPAZILA).values("admin_unit_id")
    units = AdminUnit.objects.filter(level=AdminUnit.Level.UPAZILA, pk__in=with_offices).values_list(
        "pk", "name_en", "name_bn", "parent__name_en", "parent__name_bn"
    )
    sadar = {}
    for pk, name_en, name_bn, district_en, district_bn in units:
        for name in (name_en, name_bn, f"{district_en} {name_en}", f"{district_bn} {name_bn}"):
            add(name, pk)
        if fold(name_en) == fold(f"{district_en} Sadar"):
            sadar[district_en] = pk
    for district_en, district_bn in AdminUnit.objects.filter(level=AdminUnit.Level.DISTRICT).values_list(
        "name_en", "name_bn"
    ):
        add(district_en, sadar.get(district_en))
        add(district_bn, sadar.get(district_en))
    return names


def _upazilas_named(words: list[str]) -> tuple[set[int], int]:
    """The upazilas the first words name, and how many words that took: an exact (folded) name of the most
    words first, else the closest name written in as many words, at FUZZY_CUTOFF or better (the longer of
    equally close ones). More than one upazila: the name is shared, or equally close to two."""
    names = _place_names()
    spans = [(n, fold(" ".join(words[:n]))) for n in range(min(MAX_PLACE_WORDS, len(words)), 0, -1)]
    for n, key in spans:
        if key in names:
            return set(names[key].upazilas), n
    best_score, best_words, found = 0.0, 0, set()
    matcher = SequenceMatcher(autojunk=False)
    for name, named in names.items():
        matcher.set_seq2(name)
        for n, key in spans:
            if len(key) < 3 or n not in named.words:
                continue
            matcher.set_seq1(key)
            floor = max(FUZZY_CUTOFF, best_score)
            if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
                continue
            score = matcher.ratio()
            if score < floor:
                continue
            if (score, n) > (best_score, best_words):
                best_score, best_words, found = score, n, set(named.upazilas)
            elif (score, n) == (best_score, best_words):
                found |= named.upazilas
    return found, best_words


def sms_place(words: list[str]) -> Place:
    """The office the first of ``words`` name: an office's code, else an upazila's office for SMS."""
    if not words:
        return Place(office=None)
    code = words[0].translate(_BANGLA_DIGITS).strip(_EDGE)
    office = Office.objects.active().filter(code__iexact=code).first() if code else None
    if office is not None:
        return Place(office=office, words=1)
    upazilas, used = _upazilas_named(words)
    if len(upazilas) > 1:
        return Place(office=None, ambiguous=True)
    if upazilas:
        office = sms_office_for_upazila(next(iter(upazilas)))
        if office is not None:
            return Place(office=office, words=used)
    return Place(office=None)


# --- Receiving a message ----------------------------------------------------------------------------


class SmsIdReused(errors.Conflict):
    code = "sms_id_reused"


@dataclass(frozen=True)
class Received:
    """What became of a message: ``duplicate`` when its id was seen before and nothing was done again."""

    outcome: str
    grievance: Grievance | None = None
    duplicate: bool = False


def sms_sender_phone(sender: str) -> str:
    """The sender in E.164: gateways write it ``+8801…``, ``8801…`` or ``01…``. Raises ``InvalidPhone``."""
    digits = str(sender).translate(_BANGLA_DIGITS).strip()
    if digits.isdigit() and not digits.startswith("0"):
        try:
            return normalise_phone(f"+{digits}", field="from")
        except InvalidPhone:
            pass
    return normalise_phone(digits, field="from")


def sms_receive(*, message_id: str, sender: str, text: str, gateway_received_at: datetime | None = None) -> Received:
    """Act once on one SMS from a citizen: file a grievance, send the status of their own grievance, or reply
    how to write the message. A message id seen before is answered as the first time without acting again;
    the same id with another sender or text is refused (:class:`SmsIdReused`, 409)."""
    phone = sms_sender_phone(sender)
    text = unicodedata.normalize("NFC", str(text)).strip()
    fingerprint = hashlib.sha256(f"{phone}\n{text}".encode()).hexdigest()
    try:
        with transaction.atomic():
            # Written first: a second copy of the message waits here until the first commits, then fails.
            record = InboundSms.objects.create(
                message_id=message_id,
                fingerprint=fingerprint,
                outcome=Outcome.HELP,
                gateway_received_at=gateway_received_at,
            )
            outcome, grievance = _act(phone, text)
            record.outcome, record.grievance = outcome, grievance
            record.save(update_fields=["outcome", "grievance"])
    except IntegrityError:
        earlier = InboundSms.objects.select_related("grievance").filter(message_id=message_id).first()
        if earlier is None:
            raise
        if not hmac.compare_digest(earlier.fingerprint, fingerprint):
            raise SmsIdReused(
                _("This message id was already used for another message. Each message needs its own id.")
            ) from None
        return Received(outcome=earlier.outcome, grievance=earlier.grievance, duplicate=True)
    return Received(outcome=outcome, grievance=grievance)


def _act(phone: str, text: str) -> tuple[str, Grievance | None]:
    # Bangla letters make a message Bangla; Bangla digits alone do not (a keypad may give them to anyone).
    language = "bn" if any("\u0980" <= ch <= "\u09ff" and not ch.isdigit() for ch in text) else "en"
    words = text.split()
    keyword = words[0].strip(_EDGE).upper() if words else ""
    with translation.override(language):
        if keyword in FILE_WORDS:
            return _file(phone, words[1:], language)
        if keyword in STATUS_WORDS:
            return _status(phone, words[1:])
        _reply(
            phone,
            _(
                "GRS: to file a grievance, send GRS, your upazila and your complaint. To follow one, send STATUS "
                "and its tracking number."
            ),
        )
        return Outcome.HELP, None


def _file(phone: str, words: list[str], language: str) -> tuple[str, Grievance | None]:
    place = sms_place(words)
    if place.ambiguous:
        _reply(
            phone,
            _(
                "GRS: more than one upazila has this name. Send GRS, the district, the upazila and your "
                "complaint, e.g. GRS Satkhira Kaliganj allowance not paid."
            ),
        )
        return Outcome.AMBIGUOUS, None
    if place.office is None:
        _reply(
            phone,
            _(
                "GRS: we could not tell which upazila. Send GRS, your upazila's name and your complaint, "
                "e.g. GRS Kurigram Sadar old age allowance not paid."
            ),
        )
        return Outcome.NO_OFFICE, None
    complaint = " ".join(words[place.words :]).strip()
    if not complaint:
        _reply(
            phone,
            _(
                "GRS: write your complaint after the upazila's name, e.g. GRS Kurigram Sadar old age allowance "
                "not paid."
            ),
        )
        return Outcome.NO_COMPLAINT, None
    # The receipt SMS that filing queues, in the message's language, is the answer: it has the tracking number.
    filed = grievance_file(
        type=GrievanceType.CITIZEN,
        office=place.office,
        subject=_subject(complaint),
        description=complaint,
        channel=Channel.SMS,
        complainant_name=phone,  # an SMS carries no name; the number is all GRS knows of the sender
        complainant_phone=phone,
        language=language,
    )
    return Outcome.FILED, filed.grievance


def _subject(complaint: str) -> str:
    if len(complaint) <= SUBJECT_LENGTH:
        return complaint
    cut = complaint[:SUBJECT_LENGTH].rsplit(" ", 1)[0] or complaint[:SUBJECT_LENGTH]
    return f"{cut}…"


def _status(phone: str, words: list[str]) -> tuple[str, Grievance | None]:
    try:
        digits = tracking.normalise("".join(words))
    except tracking.InvalidTrackingNumber:
        _reply(
            phone,
            _("GRS: this tracking number is not right. Please check it: it has 10 digits, e.g. 4821-3907-65."),
        )
        return Outcome.STATUS, None
    number = tracking.display(digits)
    # Only the phone the grievance was filed with hears its status: any other is told what a wrong number is.
    grievance = (
        Grievance.objects.select_related("current_office")
        .filter(tracking_number=digits, complainant_phone=phone, simulated=False)
        .first()
    )
    if grievance is None:
        _reply(
            phone,
            _("GRS: no grievance with the number %(number)s was filed from this phone. Please check the number.")
            % {"number": number},
        )
        return Outcome.STATUS, None
    values = {"number": number, "status": grievance.get_status_display(), "office": grievance.current_office.name}
    if grievance.status in OPEN_STATUSES:
        due = grievance.appeal_due_date if grievance.status == Status.APPEALED else grievance.due_date
        body = _("GRS: grievance %(number)s is %(status)s at %(office)s. It is due by %(due)s.") % {
            **values,
            "due": due.strftime("%d/%m/%Y"),
        }
    else:
        body = _("GRS: grievance %(number)s is %(status)s (%(office)s).") % values
    _reply(phone, body, grievance=grievance)
    return Outcome.STATUS, grievance


def _reply(phone: str, body: str, *, grievance: Grievance | None = None) -> None:
    notify_sms(to=phone, body=body, grievance=grievance)
