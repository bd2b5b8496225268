"""Every time an official is shown a complainant's identity — the grievance page, the API's grievance, an
attachment — a row says who, when, which grievance and through what."""

import pytest
from rest_framework.test import APIClient

from grievances.models import IdentityAccess
from grievances.services import grievance_accept, grievance_provide_info, grievance_request_info
from tests.audit.conftest import NAME, PHONE, file

pytestmark = pytest.mark.django_db

Via = IdentityAccess.Via


def test_the_page_the_api_and_an_attachment_each_leave_a_row(world, as_user):
    grievance = file(world["dss"], attachments=1)
    attachment = grievance.attachments.get()

    page = as_user(world["gro"]).get(f"/inbox/{grievance.tracking_number}/")
    assert page.status_code == 200 and NAME in page.content.decode()
    download = as_user(world["gro"]).get(f"/inbox/{grievance.tracking_number}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    api = APIClient()
    api.force_authenticate(world["gro"])
    assert api.get(f"/api/v1/grievances/{grievance.tracking_number}/").json()["complainant_phone"] == PHONE

    rows = list(IdentityAccess.objects.order_by("id").values_list("user", "grievance", "via"))
    assert rows == [
        (world["gro"].pk, grievance.pk, Via.WEB),
        (world["gro"].pk, grievance.pk, Via.FILE),
        (world["gro"].pk, grievance.pk, Via.API),
    ]


def test_a_focal_point_who_downloads_an_attachment_is_logged_though_shown_no_name(world, as_user):
    grievance = file(world["dss"], attachments=1)
    attachment = grievance.attachments.get()
    as_user(world["focal"]).get(f"/inbox/{grievance.tracking_number}/")
    assert not IdentityAccess.objects.exists()  # the page showed no identity

    response = as_user(world["focal"]).get(f"/inbox/{grievance.tracking_number}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    access = IdentityAccess.objects.get()
    assert (access.user, access.grievance, access.via) == (world["focal"], grievance, Via.FILE)


def test_a_refused_download_is_not_logged(world, as_user):
    grievance = file(world["dss"], attachments=1)
    attachment = grievance.attachments.get()
    response = as_user(world["gro_food"]).get(f"/inbox/{grievance.tracking_number}/attachments/{attachment.pk}/")
    assert response.status_code == 404
    assert not IdentityAccess.objects.exists()


def _page_queries(as_user, world, grievance, django_assert_max_num_queries, limit):
    client = as_user(world["gro"])
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(f"/inbox/{grievance.tracking_number}/").status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_the_grievance_page_takes_the_same_queries_whatever_its_timeline_with_one_insert_for_the_log(
    world, as_user, django_assert_max_num_queries
):
    short = file(world["dss"])
    long = file(world["dss"], attachments=3)
    grievance_accept(grievance_id=long.pk, actor=world["gro"])
    for n in range(6):
        grievance_request_info(grievance_id=long.pk, actor=world["gro"], question=f"Question {n}?")
        grievance_provide_info(number=long.tracking_number, answer=f"Answer {n}", phone=PHONE)

    few = _page_queries(as_user, world, short, django_assert_max_num_queries, 25)
    many = _page_queries(as_user, world, long, django_assert_max_num_queries, len(few))
    assert len(many) == len(few)
    table = IdentityAccess._meta.db_table
    for queries in (few, many):
        inserts = [sql for sql in queries if sql.lstrip().upper().startswith("INSERT")]
        assert len(inserts) == 1 and table in inserts[0]
    assert IdentityAccess.objects.count() == 2
