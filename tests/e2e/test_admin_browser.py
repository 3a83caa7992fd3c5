"""The back office in a real browser: log in, dashboard chart, ballot filters, a full redraw."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from lottery.dashboard import CHART_AHEAD, CHART_DAYS
from lottery.models import AuditAction, AuditEntry, Ballot, PickKind, RedrawRequest, RedrawStatus
from tests.e2e.conftest import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHART_READY = f"""() => {{
    const canvas = document.querySelector("canvas.chart");
    const chart = canvas && window.Chart && Chart.getChart(canvas);
    return Boolean(chart) && chart.data.labels.length === {CHART_DAYS + CHART_AHEAD}
        && canvas.width > 0;
}}"""


def test_staff_member_logs_in_and_the_dashboard_draws_its_chart(
    new_page: Callable, staff_member: Callable, season: dict
):
    auditor = staff_member("auditor@lottery.test", "Auditors")
    page = new_page()

    log_in(page, auditor.email)

    page.wait_for_function(CHART_READY)
    today_draw = season["draws"][-1]
    ballots_today = page.locator("[data-testid=ballots-today]").first.inner_text()
    assert int(ballots_today) == Ballot.objects.filter(draw=today_draw).count()
    assert page.locator("#recent-draws tbody tr").count() == 7
    screenshot(page, "dashboard.png")


def test_ballots_are_filtered_by_a_draw_date_range(
    new_page: Callable, staff_member: Callable, season: dict
):
    operator = staff_member("operator@lottery.test", "Operators")
    first, last = season["today"] - timedelta(days=5), season["today"] - timedelta(days=4)
    expected = Ballot.objects.filter(draw__date__range=(first, last)).count()
    assert 0 < expected <= 50
    page = new_page()
    log_in(page, operator.email)

    page.goto("/admin/lottery/ballot/")
    page.locator("a:has-text('Filters')").first.click()
    page.fill("#id_draw__date_from", first.isoformat())
    page.fill("#id_draw__date_to", last.isoformat())
    page.get_by_role("button", name="Apply Filters").click()

    page.wait_for_url("**draw__date_from=*")
    assert page.locator("#result_list tbody tr").count() == expected
    screenshot(page, "ballots-filtered.png")


def test_redraw_requested_by_one_member_approved_by_another_and_found_in_the_audit_log(
    new_page: Callable, staff_member: Callable, season: dict
):
    operator = staff_member("operator@lottery.test", "Operators")
    approver = staff_member("approver@lottery.test", "Approvers")
    draw = season["draws"][-2]
    winner = draw.picks.get(kind=PickKind.WINNER)

    asking = new_page()
    log_in(asking, operator.email)
    asking.goto(f"/admin/lottery/draw/{draw.pk}/change/")
    asking.get_by_role("link", name="Request redraw").click()
    asking.select_option("select[name=pick]", str(winner.pk))
    asking.fill("textarea[name=reason]", "The winner played from a banned account")
    asking.get_by_role("button", name="Request redraw").click()
    asking.get_by_text("another staff member must approve it").wait_for()
    request = RedrawRequest.objects.get(draw=draw)
    assert request.status == RedrawStatus.PENDING

    deciding = new_page()
    log_in(deciding, approver.email)
    deciding.locator(f"#attention a[href$='/redrawrequest/{request.pk}/change/']").click()
    deciding.get_by_role("link", name="Approve").click()
    deciding.fill("textarea[name=note]", "Confirmed with compliance")
    deciding.get_by_role("button", name="Approve redraw").click()
    deciding.get_by_text("Redraw approved").first.wait_for()
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (RedrawStatus.APPROVED, approver)

    deciding.goto(f"/admin/lottery/draw/{draw.pk}/change/")
    deciding.get_by_text(draw.commitment).wait_for()
    screenshot(deciding, "draw.png")

    deciding.goto("/admin/lottery/auditentry/")
    deciding.locator("a:has-text('Filters')").first.click()
    deciding.select_option("select[name=action__exact]", AuditAction.REDRAW_APPROVE, force=True)
    deciding.get_by_role("button", name="Apply Filters").click()
    deciding.wait_for_url("**action__exact=redraw_approve*")
    rows = deciding.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert approver.email in rows.first.inner_text()
    assert AuditEntry.objects.filter(action=AuditAction.REDRAW_APPROVE, actor=approver).exists()
