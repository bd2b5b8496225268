"""The page header links an official to what their appointments give them, from one query."""

import pytest
from django.conf import settings

from offices.models import Role
from tests.factories import AppointmentFactory, OfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

LINKS = {"inbox": 'class="inbox-link"', "dashboard": 'class="dashboard-link"', "reports": 'class="reports-link"'}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.CABINET_MONITOR, {"dashboard", "reports"}),
        (Role.FOCAL_POINT, {"dashboard", "reports"}),
        (Role.GRO, {"inbox", "dashboard"}),
        (Role.APPEAL_OFFICER, {"inbox", "dashboard"}),
        (Role.UDC_OPERATOR, set()),
        (None, set()),
    ],
)
def test_each_role_sees_its_links_and_no_others(client, role, expected, django_assert_num_queries):
    user = UserFactory()
    if role is not None:
        AppointmentFactory(user=user, role=role, office=OfficeFactory())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)

    # Session, user, and the header's one query.
    with django_assert_num_queries(3):
        page = client.get("/").content.decode()

    assert {name for name, marker in LINKS.items() if marker in page} == expected
