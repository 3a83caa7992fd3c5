"""The client address behind proxies: X-Forwarded-For is trusted only as far as configured."""

import pytest
from django.test import RequestFactory, override_settings

from core.netaddr import client_ip

PEER = "10.0.0.2"  # the proxy (or the client itself) that opened the TCP connection


def ip(forwarded: str | None, proxies: int) -> str:
    headers = {"REMOTE_ADDR": PEER}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        return client_ip(RequestFactory().get("/", **headers))


@pytest.mark.parametrize("forwarded", [None, "", "203.0.113.7", "1.1.1.1, 203.0.113.7"])
def test_without_trusted_proxies_the_header_is_ignored(forwarded):
    assert ip(forwarded, proxies=0) == PEER


@pytest.mark.parametrize(
    ("forwarded", "proxies", "client"),
    [
        # One proxy appends the address it saw: the last hop, never what the client wrote.
        ("203.0.113.7", 1, "203.0.113.7"),
        ("6.6.6.6, 203.0.113.7", 1, "203.0.113.7"),
        ("6.6.6.6,203.0.113.7", 1, "203.0.113.7"),
        # Two proxies: the second hop from the right is what the outer proxy saw.
        ("6.6.6.6, 203.0.113.7, 10.1.1.1", 2, "203.0.113.7"),
        ("203.0.113.7, 10.1.1.1", 2, "203.0.113.7"),
        ("  203.0.113.7 ,   10.1.1.1  ", 2, "203.0.113.7"),
        ("5.5.5.5, 6.6.6.6, 203.0.113.7, 10.1.1.1, 10.2.2.2", 3, "203.0.113.7"),
        # Empty hops (",,") are not hops.
        ("203.0.113.7, , 10.1.1.1,", 2, "203.0.113.7"),
    ],
)
def test_with_n_trusted_proxies_the_nth_hop_from_the_right_is_the_client(
    forwarded, proxies, client
):
    assert ip(forwarded, proxies) == client


@pytest.mark.parametrize(
    ("forwarded", "proxies"),
    [
        (None, 1),  # a request that did not come through the proxy
        ("", 1),
        (" , ,", 1),
        ("203.0.113.7", 2),  # fewer hops than proxies: the header was not written by them
    ],
)
def test_a_header_shorter_than_the_proxy_chain_falls_back_to_the_peer(forwarded, proxies):
    assert ip(forwarded, proxies) == PEER


def test_garbage_in_the_header_is_passed_on_as_text_not_an_error():
    assert ip("not-an-ip, \u202egarbage", proxies=1) == "\u202egarbage"
