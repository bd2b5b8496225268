"""factory-boy factories for every model. They make rows; workflow states come from services."""

import factory
from django.contrib.auth import get_user_model

from charters.models import SOCIAL_PROTECTION, Charter, CharterService, Programme, ServiceCategory
from offices import services as office_services
from offices.models import AdminUnit, Appointment, GroRankRule, Holiday, Office, Rank, Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.gov.bd")
    password = factory.PostGenerationMethodCall("set_password", "pass-1234")

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


class AdminUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdminUnit

    level = AdminUnit.Level.DIVISION
    source_id = factory.Sequence(lambda n: 100000 + n)
    name_en = factory.Sequence(lambda n: f"Area {n}")
    name_bn = factory.Sequence(lambda n: f"এলাকা {n}")


class OfficeFactory(factory.django.DjangoModelFactory):
    """Offices go through ``office_create`` so their path is always right."""

    class Meta:
        model = Office

    code = factory.Sequence(lambda n: f"OFF{n}")
    name_en = factory.Sequence(lambda n: f"Office {n}")
    name_bn = factory.Sequence(lambda n: f"দপ্তর {n}")
    layer = Office.Layer.MINISTRY
    parent = None
    admin_unit = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return office_services.office_create(**kwargs)


class RankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rank
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"rank-{n}")
    name_en = factory.Sequence(lambda n: f"Rank {n}")
    name_bn = factory.Sequence(lambda n: f"পদমর্যাদা {n}")
    grade = 5


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    user = factory.SubFactory(UserFactory)
    office = factory.SubFactory(OfficeFactory)
    role = Role.FOCAL_POINT
    designation = "Officer"


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holiday
        django_get_or_create = ("date",)

    name_en = "Holiday"
    name_bn = "ছুটি"


class ServiceCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCategory
        django_get_or_create = ("slug",)

    slug = SOCIAL_PROTECTION
    name_en = "Social Protection"
    name_bn = "সামাজিক সুরক্ষা"
    order = 0


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n}")
    name_en = factory.Sequence(lambda n: f"Programme {n}")
    name_bn = factory.Sequence(lambda n: f"কর্মসূচি {n}")
    g2p = True


class CharterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Charter
        django_get_or_create = ("office",)

    office = factory.SubFactory(OfficeFactory)


class CharterServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CharterService

    office = factory.SubFactory(OfficeFactory)
    name_en = factory.Sequence(lambda n: f"Service {n}")
    name_bn = factory.Sequence(lambda n: f"সেবা {n}")
    category = factory.SubFactory(ServiceCategoryFactory)
    timeframe_days = 15
    g2p = False


class GroRankRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroRankRule
        django_get_or_create = ("layer",)

    layer = Office.Layer.MINISTRY
    minimum_rank = factory.SubFactory(RankFactory)
