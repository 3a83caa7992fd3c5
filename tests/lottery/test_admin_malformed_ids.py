"""Malformed ids in staff-only admin URLs are a 404, never a 500 (SQLite and PostgreSQL)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/admin/lottery/draw/abc/draw-now/",
        "/admin/lottery/draw/abc/export-csv/",
        "/admin/lottery/draw/abc/void/",
        "/admin/lottery/draw/abc/redraw-request/",
        "/admin/accounts/user/not-a-uuid/deactivate/",
        "/admin/lottery/redrawrequest/abc/approve/",
        "/admin/lottery/redrawrequest/abc/refuse/",
        "/admin/lottery/auditentry/?action=%00",
        "/admin/r/1/1/",
        "/admin/r/abc/1/",
        "/admin/r/999999/1/",
    ],
)
def test_a_malformed_id_in_an_admin_url_is_not_found(superuser, login, url):
    client = login(superuser)
    client.raise_request_exception = False

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
