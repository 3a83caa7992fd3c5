"""The admin and the API docs work in Chromium under the CSP, with no violation reported."""

from collections.abc import Callable

import pytest

from lottery.models import Draw
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WATCH = """document.addEventListener("securitypolicyviolation", (e) => {
    (window.__csp = window.__csp || []).push(`${e.violatedDirective} ${e.blockedURI}`);
});"""


def watched(page: object) -> list[str]:
    """Collect CSP violations the page reports (DOM events and console errors alike)."""
    seen: list[str] = []
    page.add_init_script(WATCH)
    page.on(
        "console",
        lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return seen


def violations(page: object, seen: list[str]) -> list[str]:
    page.wait_for_load_state("networkidle")
    return seen + (page.evaluate("window.__csp || []") or [])


def test_admin_pages_report_no_csp_violation(
    new_page: Callable, staff_member: Callable, season: dict
):
    operator = staff_member("operator@lottery.test", "Operators")
    draw = Draw.objects.filter(ballots_count__isnull=False).first()
    page = new_page()
    seen = watched(page)

    for url in ["/admin/login/", "/accounts/reset/MQ/expired-token/"]:
        page.goto(url)
        assert violations(page, seen) == [], url
    log_in(page, operator.email)
    for url in [
        "/admin/",
        "/admin/lottery/draw/",
        f"/admin/lottery/draw/{draw.pk}/change/",
        f"/admin/lottery/draw/{draw.pk}/void/",
        "/admin/accounts/user/?is_staff__exact=0",
    ]:
        page.goto(url)
        assert violations(page, seen) == [], url
    # Alpine ran (its x-cloak comes off) and Chart.js drew: the scripts are not blocked.
    page.goto("/admin/")
    page.wait_for_function(
        "() => window.Alpine && window.Chart && document.querySelector('canvas.chart')"
    )


def test_the_api_docs_render_under_the_csp(new_page: Callable, lottery_defaults: object):
    page = new_page()
    seen = watched(page)

    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock")

    assert violations(page, seen) == []
