import pytest
from django.contrib.auth import get_user_model

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_user_model_is_ours():
    assert get_user_model()._meta.label == "accounts.User"


def test_login_page_signs_in_with_a_password_and_refuses_a_wrong_one(client):
    UserFactory(username="gro-x")
    client.cookies["django_language"] = "en"
    page = client.get("/accounts/login/")
    assert page.status_code == 200

    wrong = client.post("/accounts/login/", {"username": "gro-x", "password": "nope"})
    assert wrong.status_code == 200
    assert "Please enter a correct username and password" in wrong.content.decode()
    assert "_auth_user_id" not in client.session

    right = client.post("/accounts/login/", {"username": "gro-x", "password": "pass-1234"})
    assert right.status_code == 302
    assert client.session["_auth_user_id"]

    out = client.post("/accounts/logout/")
    assert out.status_code == 302
    assert "_auth_user_id" not in client.session


def test_home_speaks_bangla_first_and_english_when_chosen(client):
    # A browser that announces English still gets Bangla until its user picks English.
    assert 'lang="bn"' in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get("/").content.decode()
