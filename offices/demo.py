"""Demo data for ``manage.py seed_demo``: geography, offices, charters, holidays and demo accounts.

Everything goes through the ``*_ensure`` and ``appointment_create`` services, so a second run
finds every row in place and adds none. Office codes and usernames are the contract in DESIGN.md §7.
"""

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from charters.models import SOCIAL_PROTECTION, Programme, ServiceCategory
from charters.services import category_ensure, charter_ensure, charter_service_ensure, programme_ensure
from grs import errors
from offices.geography import LevelCount, geography_load, geography_summary
from offices.models import AdminUnit, GroRankRule, Holiday, Office, Rank, Role
from offices.services import appointment_create, office_ensure

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_PASSWORD = "demo1234"  # noqa: S105 - the documented demo password (DESIGN.md §7)

Layer = Office.Layer

# code, English, Bangla, grade on the national pay scale (1 is the most senior).
RANKS = (
    ("secretary", "Secretary", "সচিব", 1),
    ("additional-secretary", "Additional Secretary", "অতিরিক্ত সচিব", 2),
    ("director-general", "Director General", "মহাপরিচালক", 2),
    ("joint-secretary", "Joint Secretary", "যুগ্মসচিব", 3),
    ("director", "Director", "পরিচালক", 4),
    ("deputy-secretary", "Deputy Secretary", "উপসচিব", 5),
    ("deputy-director", "Deputy Director", "উপপরিচালক", 5),
    ("senior-assistant-secretary", "Senior Assistant Secretary", "সিনিয়র সহকারী সচিব", 6),
    ("assistant-director", "Assistant Director", "সহকারী পরিচালক", 9),
    ("upazila-officer", "Upazila Officer", "উপজেলা কর্মকর্তা", 9),
    ("assistant-secretary", "Assistant Secretary", "সহকারী সচিব", 9),
    ("union-secretary", "Union Parishad Secretary", "ইউনিয়ন পরিষদ সচিব", 14),
)

# The government's guideline: a ministry's GRO is a Joint Secretary or above.
GRO_RANK_RULES = ((Layer.MINISTRY, "joint-secretary"),)

CATEGORIES = (
    (SOCIAL_PROTECTION, "Social Protection", "সামাজিক সুরক্ষা", 0),
    ("civil-registration", "Civil Registration", "জন্ম ও মৃত্যু নিবন্ধন", 10),
    ("certificates-licences", "Certificates and Licences", "সনদ ও লাইসেন্স", 20),
    ("relief-disaster", "Relief and Disaster Management", "ত্রাণ ও দুর্যোগ ব্যবস্থাপনা", 30),
    ("food", "Food", "খাদ্য", 40),
    ("health", "Health", "স্বাস্থ্য", 50),
    ("education", "Education", "শিক্ষা", 60),
    ("land", "Land", "ভূমি", 70),
    ("other", "Other Services", "অন্যান্য সেবা", 100),
)

PILOT_DISTRICTS = (60, 21)  # Kurigram, Satkhira: ids in the bd-geocode data set
PILOT_UPAZILAS = (448, 183)  # Kurigram Sadar, Shyamnagar: their union parishads are seeded
UDC_UPAZILA = 448  # the demo UDC operator works at the first union of Kurigram Sadar


@dataclass(frozen=True)
class ServiceTerms:
    """A service as a charter lists it; the responsible officer depends on the office's level."""

    name_en: str
    name_bn: str
    category: str
    timeframe_days: int
    required_documents: str
    programme: str | None = None
    fees: str = "Free"
    officer: str = ""  # when another officer than the office's usual one answers for this service


@dataclass(frozen=True)
class Department:
    """A directorate with district and upazila offices in the pilot districts."""

    code: str
    ministry: str
    name_en: str
    name_bn: str
    district_en: str
    district_bn: str
    upazila_en: str
    upazila_bn: str
    district_officer: str
    upazila_officer: str
    services: tuple[ServiceTerms, ...]


PAYMENT_DOCUMENTS = "Beneficiary number or allowance book, National ID card, mobile banking or bank account number"

DEPARTMENTS = (
    Department(
        code="DSS",
        ministry="MOSW",
        name_en="Department of Social Services",
        name_bn="সমাজসেবা অধিদপ্তর",
        district_en="District Social Services Office",
        district_bn="জেলা সমাজসেবা কার্যালয়",
        upazila_en="Upazila Social Services Office",
        upazila_bn="উপজেলা সমাজসেবা কার্যালয়",
        district_officer="Deputy Director, District Social Services Office",
        upazila_officer="Upazila Social Services Officer",
        services=(
            ServiceTerms(
                "Old Age Allowance: enrolment",
                "বয়স্ক ভাতা: তালিকাভুক্তি",
                SOCIAL_PROTECTION,
                30,
                "National ID card (men 65 and over, women 62 and over), two passport-size photographs, "
                "mobile banking or bank account for G2P payment",
                programme="OAA",
            ),
            ServiceTerms(
                "Old Age Allowance: payment not received",
                "বয়স্ক ভাতা: ভাতার টাকা না পাওয়া",
                SOCIAL_PROTECTION,
                15,
                PAYMENT_DOCUMENTS,
                programme="OAA",
            ),
            ServiceTerms(
                "Widow Allowance: enrolment",
                "বিধবা ও স্বামী নিগৃহীতা মহিলা ভাতা: তালিকাভুক্তি",
                SOCIAL_PROTECTION,
                30,
                "National ID card, husband's death certificate or proof of desertion, two passport-size "
                "photographs, mobile banking or bank account",
                programme="WDA",
            ),
            ServiceTerms(
                "Widow Allowance: payment not received",
                "বিধবা ও স্বামী নিগৃহীতা মহিলা ভাতা: ভাতার টাকা না পাওয়া",
                SOCIAL_PROTECTION,
                15,
                PAYMENT_DOCUMENTS,
                programme="WDA",
            ),
            ServiceTerms(
                "Disability Allowance: enrolment",
                "প্রতিবন্ধী ভাতা: তালিকাভুক্তি",
                SOCIAL_PROTECTION,
                30,
                "Disability identity card (Suborno Nagorik card), National ID card or birth registration "
                "certificate, two passport-size photographs, mobile banking or bank account",
                programme="DA",
            ),
            ServiceTerms(
                "Disability Allowance: payment not received",
                "প্রতিবন্ধী ভাতা: ভাতার টাকা না পাওয়া",
                SOCIAL_PROTECTION,
                15,
                PAYMENT_DOCUMENTS,
                programme="DA",
            ),
            ServiceTerms(
                "Stipend for Students with Disabilities",
                "প্রতিবন্ধী শিক্ষার্থীদের উপবৃত্তি",
                SOCIAL_PROTECTION,
                30,
                "Disability identity card, certificate of enrolment from the school or college, birth "
                "registration certificate, guardian's mobile banking account",
                programme="DSTIP",
            ),
            ServiceTerms(
                "Registration of voluntary social welfare organisations",
                "স্বেচ্ছাসেবী সমাজকল্যাণ সংস্থা নিবন্ধন",
                "other",
                30,
                "Application on the prescribed form, constitution, list of executive committee members with "
                "National ID card copies, resolution to register, office rent agreement",
                fees="Registration fee as per the government schedule",
            ),
        ),
    ),
    Department(
        code="DWA",
        ministry="MOWCA",
        name_en="Department of Women Affairs",
        name_bn="মহিলা বিষয়ক অধিদপ্তর",
        district_en="District Women Affairs Office",
        district_bn="জেলা মহিলা বিষয়ক কর্মকর্তার কার্যালয়",
        upazila_en="Upazila Women Affairs Office",
        upazila_bn="উপজেলা মহিলা বিষয়ক কর্মকর্তার কার্যালয়",
        district_officer="Deputy Director, District Women Affairs",
        upazila_officer="Upazila Women Affairs Officer",
        services=(
            ServiceTerms(
                "Vulnerable Women Benefit (VWB): enrolment",
                "ভিডব্লিউবি: তালিকাভুক্তি",
                SOCIAL_PROTECTION,
                30,
                "National ID card, two passport-size photographs, name on the union parishad's selection list",
                programme="VWB",
            ),
            ServiceTerms(
                "Mother and Child Benefit: enrolment",
                "মা ও শিশু সহায়তা কর্মসূচি: তালিকাভুক্তি",
                SOCIAL_PROTECTION,
                30,
                "Mother's National ID card, pregnancy certificate from a health worker or the child's birth "
                "registration certificate, mobile banking account",
                programme="MCBP",
            ),
            ServiceTerms(
                "Mother and Child Benefit: payment not received",
                "মা ও শিশু সহায়তা কর্মসূচি: ভাতার টাকা না পাওয়া",
                SOCIAL_PROTECTION,
                15,
                PAYMENT_DOCUMENTS,
                programme="MCBP",
            ),
        ),
    ),
    Department(
        code="DDM",
        ministry="MODMR",
        name_en="Department of Disaster Management",
        name_bn="দুর্যোগ ব্যবস্থাপনা অধিদপ্তর",
        district_en="District Relief and Rehabilitation Office",
        district_bn="জেলা ত্রাণ ও পুনর্বাসন কর্মকর্তার কার্যালয়",
        upazila_en="Project Implementation Officer's Office",
        upazila_bn="উপজেলা প্রকল্প বাস্তবায়ন কর্মকর্তার কার্যালয়",
        district_officer="District Relief and Rehabilitation Officer",
        upazila_officer="Upazila Project Implementation Officer",
        services=(
            ServiceTerms(
                "Vulnerable Group Feeding (VGF)",
                "ভিজিএফ (ভালনারেবল গ্রুপ ফিডিং)",
                SOCIAL_PROTECTION,
                15,
                "VGF card issued by the union parishad, National ID card",
                programme="VGF",
            ),
            ServiceTerms(
                "Employment Generation Programme for the Poorest (EGPP): enrolment",
                "অতিদরিদ্রদের জন্য কর্মসংস্থান কর্মসূচি: তালিকাভুক্তি",
                SOCIAL_PROTECTION,
                30,
                "National ID card, mobile banking account, name on the union parishad's selection list",
                programme="EGPP",
            ),
            ServiceTerms(
                "Employment Generation Programme for the Poorest (EGPP): wages not received",
                "অতিদরিদ্রদের জন্য কর্মসংস্থান কর্মসূচি: মজুরি না পাওয়া",
                SOCIAL_PROTECTION,
                15,
                "Job card, National ID card, mobile banking account number",
                programme="EGPP",
            ),
            ServiceTerms(
                "Test Relief (TR) projects",
                "টেস্ট রিলিফ (টিআর) প্রকল্প",
                SOCIAL_PROTECTION,
                30,
                "Project proposal approved by the upazila committee",
                programme="TR",
            ),
            ServiceTerms(
                "Gratuitous Relief (GR)",
                "জিআর (খয়রাতি সাহায্য)",
                SOCIAL_PROTECTION,
                7,
                "Application to the Upazila Nirbahi Officer, National ID card",
                programme="GR",
            ),
            ServiceTerms(
                "Disaster warnings and cyclone shelter information",
                "দুর্যোগের পূর্বাভাস ও আশ্রয়কেন্দ্রের তথ্য",
                "relief-disaster",
                1,
                "None",
            ),
        ),
    ),
    Department(
        code="DGFOOD",
        ministry="MOFOOD",
        name_en="Directorate General of Food",
        name_bn="খাদ্য অধিদপ্তর",
        district_en="District Food Controller's Office",
        district_bn="জেলা খাদ্য নিয়ন্ত্রকের কার্যালয়",
        upazila_en="Upazila Food Controller's Office",
        upazila_bn="উপজেলা খাদ্য নিয়ন্ত্রকের কার্যালয়",
        district_officer="District Food Controller",
        upazila_officer="Upazila Food Controller",
        services=(
            ServiceTerms(
                "Food Friendly Programme: rice at a subsidised price",
                "খাদ্যবান্ধব কর্মসূচি: স্বল্পমূল্যে চাল",
                SOCIAL_PROTECTION,
                30,
                "Food Friendly Programme card, National ID card",
                programme="FFP",
                fees="Rice at Tk 15 per kg",
            ),
            ServiceTerms(
                "Open Market Sale (OMS)",
                "খোলা বাজারে বিক্রয় (ওএমএস)",
                SOCIAL_PROTECTION,
                7,
                "None: buy at an OMS dealer's point",
                programme="OMS",
                fees="At the published OMS price",
            ),
            ServiceTerms(
                "Paddy and rice procurement from farmers",
                "কৃষকের কাছ থেকে ধান ও চাল সংগ্রহ",
                "food",
                15,
                "Farmer's agricultural input card, National ID card, bank account",
            ),
        ),
    ),
)

UNION_OFFICER = "Union Parishad Secretary"
UNION_SERVICES = (
    ServiceTerms(
        "VGF card distribution",
        "ভিজিএফ কার্ড বিতরণ",
        SOCIAL_PROTECTION,
        7,
        "National ID card; the name must be on the VGF list approved by the upazila committee",
        programme="VGF",
        officer="Union Parishad Chairman",
    ),
    ServiceTerms(
        "Birth registration",
        "জন্ম নিবন্ধন",
        "civil-registration",
        7,
        "Application form, hospital birth record or EPI vaccination card, parents' National ID cards "
        "and birth registration numbers",
        fees="Free within 45 days of birth; Tk 25 up to five years; Tk 50 after five years",
    ),
    ServiceTerms(
        "Trade licence",
        "ট্রেড লাইসেন্স",
        "certificates-licences",
        7,
        "Application, National ID card, one photograph, holding tax receipt, shop rent agreement",
        fees="As per the union parishad's tax schedule",
    ),
    ServiceTerms(
        "Citizenship certificate",
        "নাগরিকত্ব সনদ",
        "certificates-licences",
        3,
        "National ID card or birth registration certificate, holding tax receipt",
        fees="As per the union parishad's fee schedule",
    ),
)
FIXED_HOLIDAYS = (
    (2, 21, "Shaheed Day and International Mother Language Day", "শহিদ দিবস ও আন্তর্জাতিক মাতৃভাষা দিবস"),
    (3, 26, "Independence Day", "স্বাধীনতা ও জাতীয় দিবস"),
    (4, 14, "Pahela Baishakh (Bangla New Year)", "পহেলা বৈশাখ (বাংলা নববর্ষ)"),
    (5, 1, "May Day", "মে দিবস"),
    (12, 16, "Victory Day", "বিজয় দিবস"),
    (12, 25, "Christmas Day", "যিশুখ্রিষ্টের জন্মদিন (বড়দিন)"),
)

# Holidays that follow the lunar calendars move every year: the government announces their dates
# (and, for the Eids, the moon-sighting committee confirms them), and an administrator corrects
# the Holiday rows in the Django admin. These are the expected dates; only these years get them.
LUNAR_HOLIDAYS = {
    2026: (
        (date(2026, 2, 4), "Shab-e-Barat", "শবে বরাত"),
        (date(2026, 3, 17), "Shab-e-Qadr", "শবে কদর"),
        (date(2026, 3, 20), "Eid-ul-Fitr (day before)", "ঈদুল ফিতরের আগের দিন"),
        (date(2026, 3, 21), "Eid-ul-Fitr", "ঈদুল ফিতর"),
        (date(2026, 3, 22), "Eid-ul-Fitr (day after)", "ঈদুল ফিতরের পরের দিন"),
        (date(2026, 5, 1), "Buddha Purnima", "বুদ্ধ পূর্ণিমা"),
        (date(2026, 5, 26), "Eid-ul-Adha (day before)", "ঈদুল আজহার আগের দিন"),
        (date(2026, 5, 27), "Eid-ul-Adha", "ঈদুল আজহা"),
        (date(2026, 5, 28), "Eid-ul-Adha (day after)", "ঈদুল আজহার পরের দিন"),
        (date(2026, 6, 26), "Ashura", "আশুরা"),
        (date(2026, 8, 26), "Eid-e-Miladunnabi", "ঈদে মিলাদুন্নবী (সা.)"),
        (date(2026, 9, 4), "Janmashtami", "জন্মাষ্টমী"),
        (date(2026, 10, 20), "Durga Puja (Bijoya Dashami)", "দুর্গাপূজা (বিজয়া দশমী)"),
    ),
    2027: (
        (date(2027, 1, 25), "Shab-e-Barat", "শবে বরাত"),
        (date(2027, 3, 7), "Shab-e-Qadr", "শবে কদর"),
        (date(2027, 3, 9), "Eid-ul-Fitr (day before)", "ঈদুল ফিতরের আগের দিন"),
        (date(2027, 3, 10), "Eid-ul-Fitr", "ঈদুল ফিতর"),
        (date(2027, 3, 11), "Eid-ul-Fitr (day after)", "ঈদুল ফিতরের পরের দিন"),
        (date(2027, 5, 16), "Eid-ul-Adha (day before)", "ঈদুল আজহার আগের দিন"),
        (date(2027, 5, 17), "Eid-ul-Adha", "ঈদুল আজহা"),
        (date(2027, 5, 18), "Eid-ul-Adha (day after)", "ঈদুল আজহার পরের দিন"),
        (date(2027, 5, 20), "Buddha Purnima", "বুদ্ধ পূর্ণিমা"),
        (date(2027, 6, 15), "Ashura", "আশুরা"),
        (date(2027, 8, 15), "Eid-e-Miladunnabi", "ঈদে মিলাদুন্নবী (সা.)"),
        (date(2027, 8, 25), "Janmashtami", "জন্মাষ্টমী"),
        (date(2027, 10, 9), "Durga Puja (Bijoya Dashami)", "দুর্গাপূজা (বিজয়া দশমী)"),
    ),
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    phone: str
    role: str | None = None
    office: str | None = None  # an office code; None for the union the UDC operator works at
    designation: str = ""
    rank: str | None = None
    superuser: bool = False


ACCOUNTS = (
    DemoAccount(
        "cabinet",
        "Farhana Rahman",
        "+8801711000001",
        Role.CABINET_MONITOR,
        "CABINET",
        "Senior Assistant Secretary, Grievance Management Cell",
        "senior-assistant-secretary",
    ),
    DemoAccount(
        "mosw",
        "Mahbubul Alam",
        "+8801711000002",
        Role.FOCAL_POINT,
        "MOSW",
        "Deputy Secretary (Social Protection)",
        "deputy-secretary",
    ),
    DemoAccount(
        "gro-mosw",
        "Nasreen Akter",
        "+8801711000003",
        Role.GRO,
        "MOSW",
        "Joint Secretary (Programme)",
        "joint-secretary",
    ),
    DemoAccount(
        "appeal-mosw",
        "Abdul Karim Chowdhury",
        "+8801711000004",
        Role.APPEAL_OFFICER,
        "MOSW",
        "Additional Secretary (Administration)",
        "additional-secretary",
    ),
    DemoAccount(
        "gro-dss",
        "Shahidul Islam",
        "+8801711000005",
        Role.GRO,
        "DSS",
        "Director (Social Security)",
        "director",
    ),
    DemoAccount(
        "gro-dss-kurigram",
        "Rokeya Begum",
        "+8801711000006",
        Role.GRO,
        "DSS-KURIGRAM",
        "Deputy Director, District Social Services Office, Kurigram",
        "deputy-director",
    ),
    DemoAccount(
        "gro-mofood",
        "Kamrul Hasan",
        "+8801711000007",
        Role.GRO,
        "MOFOOD",
        "Joint Secretary (Supply, Distribution and Marketing)",
        "joint-secretary",
    ),
    DemoAccount(
        "udc-kurigram",
        "Rafiqul Islam",
        "+8801711000008",
        Role.UDC_OPERATOR,
        None,
        "Union Digital Centre entrepreneur",
    ),
    DemoAccount(
        "hotline",
        "Sumaiya Khatun",
        "+8801711000009",
        Role.HOTLINE_AGENT,
        "CABINET",
        "Hotline agent, Grievance Management Cell",
    ),
    DemoAccount(
        "official",
        "Tanvir Ahmed",
        "+8801711000010",
        Role.EMPLOYEE,
        "DSS-SATKHIRA",
        "Assistant Director, District Social Services Office, Satkhira",
        "assistant-director",
    ),
    DemoAccount("admin", "GRS Administrator", "+8801711000011", superuser=True),
)


@dataclass(frozen=True)
class SeededAccount:
    username: str
    role: str
    office: str


@dataclass(frozen=True)
class SeedResult:
    geography: dict[str, LevelCount]
    offices: int
    services: int
    holidays: int
    accounts: list[SeededAccount]


class DemoDataError(errors.ValidationError):
    code = "demo_data_invalid"


def _read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _code_part(name: str) -> str:
    return slugify(name).upper()


def _seed_ranks() -> dict[str, Rank]:
    ranks = {}
    for code, name_en, name_bn, grade in RANKS:
        ranks[code], _created = Rank.objects.update_or_create(
            code=code, defaults={"name_en": name_en, "name_bn": name_bn, "grade": grade}
        )
    for layer, rank in GRO_RANK_RULES:
        GroRankRule.objects.update_or_create(layer=layer, defaults={"minimum_rank": ranks[rank]})
    return ranks


def _seed_programmes(ministries: dict[str, Office]) -> dict[str, Programme]:
    programmes = {}
    for row in _read_csv("sp_programmes.csv"):
        ministry = ministries.get(row["ministry"])
        if ministry is None:
            raise DemoDataError(
                _("Programme %(code)s names ministry %(ministry)s, which ministries.csv does not list.")
                % {"code": row["code"], "ministry": row["ministry"]}
            )
        programmes[row["code"]] = programme_ensure(
            code=row["code"],
            name_en=row["name_en"],
            name_bn=row["name_bn"],
            ministry=ministry,
            implementing_office=row["implementing_office"],
            g2p=row["g2p"].strip().lower() == "yes",
        )
    return programmes


class _Charters:
    """Creates each office's charter and its services, counting what it touched."""

    def __init__(self, categories: dict[str, ServiceCategory], programmes: dict[str, Programme]):
        self.categories = categories
        self.programmes = programmes
        self.offices = 0
        self.services = 0

    def office(self, office: Office, services: tuple[ServiceTerms, ...] = (), officer: str = "") -> Office:
        charter_ensure(office=office)
        self.offices += 1
        for terms in services:
            programme = self.programmes[terms.programme] if terms.programme else None
            charter_service_ensure(
                office=office,
                name_en=terms.name_en,
                name_bn=terms.name_bn,
                category=self.categories[terms.category],
                programme=programme,
                timeframe_days=terms.timeframe_days,
                g2p=programme.g2p if programme else False,
                fees=terms.fees,
                required_documents=terms.required_documents,
                responsible_officer=terms.officer or officer,
            )
            self.services += 1
        return office


def _seed_department(department: Department, ministry: Office, districts: list[AdminUnit], charters: _Charters) -> None:
    head = charters.office(
        office_ensure(
            code=department.code,
            name_en=department.name_en,
            name_bn=department.name_bn,
            layer=Layer.DIRECTORATE,
            parent=ministry,
        )
    )
    for district in districts:
        district_code = f"{department.code}-{_code_part(district.name_en)}"
        district_office = charters.office(
            office_ensure(
                code=district_code,
                name_en=f"{department.district_en}, {district.name_en}",
                name_bn=f"{department.district_bn}, {district.name_bn}",
                layer=Layer.DISTRICT,
                parent=head,
                admin_unit=district,
            ),
            department.services,
            department.district_officer,
        )
        for upazila in sorted(district.children.all(), key=lambda unit: unit.source_id):
            # "Kurigram Sadar" under Kurigram is SADAR: the district is already in the code.
            short = upazila.name_en.removeprefix(f"{district.name_en} ")
            charters.office(
                office_ensure(
                    code=f"{district_code}-{_code_part(short)}",
                    name_en=f"{department.upazila_en}, {upazila.name_en}",
                    name_bn=f"{department.upazila_bn}, {upazila.name_bn}",
                    layer=Layer.UPAZILA,
                    parent=district_office,
                    admin_unit=upazila,
                ),
                department.services,
                department.upazila_officer,
            )


def _seed_union_parishads(lgd: Office, districts: list[AdminUnit], charters: _Charters) -> None:
    for district in districts:
        district_office = charters.office(
            office_ensure(
                code=f"LGD-{_code_part(district.name_en)}",
                name_en=f"Office of the Deputy Director, Local Government, {district.name_en}",
                name_bn=f"উপপরিচালক, স্থানীয় সরকার-এর কার্যালয়, {district.name_bn}",
                layer=Layer.DISTRICT,
                parent=lgd,
                admin_unit=district,
            )
        )
        unions = AdminUnit.objects.filter(
            level=AdminUnit.Level.UNION, parent__parent=district, parent__source_id__in=PILOT_UPAZILAS
        ).order_by("source_id")
        for union in unions:
            charters.office(
                office_ensure(
                    code=f"UP-{union.source_id}",
                    name_en=f"{union.name_en} Union Parishad",
                    name_bn=f"{union.name_bn} ইউনিয়ন পরিষদ",
                    layer=Layer.UNION,
                    parent=district_office,
                    admin_unit=union,
                ),
                UNION_SERVICES,
                UNION_OFFICER,
            )


def _seed_holidays(years: tuple[int, ...]) -> int:
    """Each year's holidays; days that carry two holidays (May Day and Buddha Purnima) get one row."""
    days: dict[date, list[tuple[str, str]]] = {}
    for year in years:
        for month, day, name_en, name_bn in FIXED_HOLIDAYS:
            days.setdefault(date(year, month, day), []).append((name_en, name_bn))
        for day, name_en, name_bn in LUNAR_HOLIDAYS.get(year, ()):
            days.setdefault(day, []).append((name_en, name_bn))
    for day, names in days.items():
        # get_or_create: an administrator's corrections to a holiday's name are kept.
        Holiday.objects.get_or_create(
            date=day,
            defaults={"name_en": "; ".join(en for en, _bn in names), "name_bn": "; ".join(bn for _en, bn in names)},
        )
    return len(days)


def _seed_accounts(*, password: str, ranks: dict[str, Rank], udc_union: Office) -> list[SeededAccount]:
    user_model = get_user_model()
    # One hash for every account: they share the password anyway, and hashing is the slow part.
    encoded = make_password(password)
    seeded = []
    for account in ACCOUNTS:
        user = user_model.objects.filter(username=account.username).first() or user_model(username=account.username)
        user.full_name = account.full_name
        user.email = f"{account.username}@example.gov.bd"
        user.phone = account.phone
        user.is_active = True
        user.is_staff = user.is_superuser = account.superuser
        user.password = encoded
        user.save()
        if account.superuser:
            seeded.append(SeededAccount(account.username, _("Administrator (Django admin)"), ""))
            continue
        office = Office.objects.get(code=account.office) if account.office else udc_union
        appointment_create(
            user=user,
            office=office,
            role=account.role,
            designation=account.designation,
            rank=ranks[account.rank] if account.rank else None,
        )
        seeded.append(SeededAccount(account.username, str(Role(account.role).label), office.code))
    return seeded


def _accounts_table(accounts: list[SeededAccount]) -> str:
    header = SeededAccount(_("Username"), _("Role"), _("Office"))
    rows = [header, *accounts]
    widths = [max(len(getattr(row, field)) for row in rows) for field in ("username", "role")]
    return "\n".join(f"{row.username:<{widths[0]}}  {row.role:<{widths[1]}}  {row.office}".rstrip() for row in rows)


def seed_demo(*, password: str = DEFAULT_PASSWORD, stdout: TextIO | None = None) -> SeedResult:
    """Create (or bring up to date) the demo offices, charters, holidays and accounts of DESIGN.md §7.

    Idempotent: a second run adds no row. Writes a summary and the accounts table to ``stdout``.
    """
    if not password:
        raise DemoDataError(_("The demo password cannot be empty."), field="password")
    with transaction.atomic():
        result = _seed(password=password)
    # Written after the commit, so that a closed pipe cannot undo the seeding.
    if stdout is not None:
        stdout.write(_report(result, password=password) + "\n")
    return result


def _seed(*, password: str) -> SeedResult:
    geography = geography_load(data_dir=DATA_DIR / "bd-geocode")
    ranks = _seed_ranks()
    categories = {
        slug: category_ensure(slug=slug, name_en=name_en, name_bn=name_bn, order=order)
        for slug, name_en, name_bn, order in CATEGORIES
    }
    ministries = {
        row["code"]: office_ensure(
            code=row["code"], name_en=row["name_en"], name_bn=row["name_bn"], layer=Layer.MINISTRY
        )
        for row in _read_csv("ministries.csv")
    }
    charters = _Charters(categories, _seed_programmes(ministries))
    for ministry in ministries.values():
        charters.office(ministry)

    districts = list(
        AdminUnit.objects.filter(level=AdminUnit.Level.DISTRICT, source_id__in=PILOT_DISTRICTS).prefetch_related(
            "children"
        )
    )
    districts.sort(key=lambda district: PILOT_DISTRICTS.index(district.source_id))
    for department in DEPARTMENTS:
        _seed_department(department, ministries[department.ministry], districts, charters)
    _seed_union_parishads(ministries["LGD"], districts, charters)

    udc_union = (
        Office.objects.filter(layer=Layer.UNION, admin_unit__parent__source_id=UDC_UPAZILA)
        .order_by("admin_unit__source_id")
        .first()
    )
    this_year = timezone.localdate().year
    holidays = _seed_holidays((this_year, this_year + 1))
    accounts = _seed_accounts(password=password, ranks=ranks, udc_union=udc_union)
    return SeedResult(
        geography=geography,
        offices=charters.offices,
        services=charters.services,
        holidays=holidays,
        accounts=accounts,
    )


def _report(result: SeedResult, *, password: str) -> str:
    return "\n".join(
        [
            geography_summary(result.geography),
            _("Offices: %(offices)d, with %(services)d charter services; holidays: %(holidays)d.")
            % {"offices": result.offices, "services": result.services, "holidays": result.holidays},
            "",
            _accounts_table(result.accounts),
            "",
            _("Every demo account signs in with the password “%(password)s”.") % {"password": password},
        ]
    )
