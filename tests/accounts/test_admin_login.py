"""Signing in to the admin: where a bookmark lands, and the brute-force limit."""

from html.parser import HTMLParser

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "a-Long-passw0rd!"


class LoginFormFields(HTMLParser):
    """The name=value pairs a browser submits with #login-form: the inputs inside it and
    those outside that name it in their form attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "form":
            self._inside = attr.get("id") == "login-form"
        elif tag == "input" and (self._inside or attr.get("form") == "login-form"):
            self.fields[attr.get("name") or ""] = attr.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False


def submit_login(client: Client, email: str, password: str, url: str = LOGIN):
    parser = LoginFormFields()
    parser.feed(client.get(url).content.decode())
    return client.post(url, {**parser.fields, "username": email, "password": password})


@pytest.fixture
def staff(make_staff):
    user = make_staff("Operators", email="operator@lottery.test")
    user.set_password(PASSWORD)
    user.save()
    return user


def test_a_login_reached_without_next_lands_on_the_admin_index(staff):
    response = submit_login(Client(), staff.email, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_a_login_with_next_still_goes_there(staff):
    response = submit_login(
        Client(), staff.email, PASSWORD, url=f"{LOGIN}?next=/admin/lottery/draw/"
    )

    assert response["Location"] == "/admin/lottery/draw/"


@override_settings(RATE_LIMIT_LOGIN=3)
def test_repeated_wrong_passwords_are_limited_and_then_even_the_right_one_is_refused(staff):
    client = Client()
    for _ in range(3):
        assert submit_login(client, staff.email, "wrong-guess").status_code == 200

    limited = submit_login(client, staff.email, "wrong-guess")
    right = submit_login(client, staff.email, PASSWORD)

    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    assert "Too many attempts" in limited.content.decode()
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(RATE_LIMIT_LOGIN=3)
def test_the_limit_counts_per_email_whatever_its_case_and_spaces(staff):
    for i, spelling in enumerate(
        ["operator@lottery.test", " OPERATOR@lottery.test", "Operator@Lottery.Test "]
    ):
        other_ip = Client(REMOTE_ADDR=f"10.0.0.{i + 1}")
        assert submit_login(other_ip, spelling, "wrong-guess").status_code == 200

    assert submit_login(Client(REMOTE_ADDR="10.0.0.9"), staff.email, PASSWORD).status_code == 429
