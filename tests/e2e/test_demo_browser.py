"""The demo as a newcomer first sees it: dashboard, ballots, a redrawn draw and the players."""

import re
from collections.abc import Callable

import pytest
from django.core.management import call_command

from accounts.models import User
from lottery.models import Draw, RedrawStatus
from tests.e2e.conftest import PASSWORD, log_in, screenshot
from tests.e2e.test_admin_browser import CHART_READY

CHART = "Chart.getChart(document.querySelector('canvas.chart'))"
VIEWPORT = {"width": 1440, "height": 1000}
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_demo_fills_every_page_a_newcomer_opens_first(
    new_page: Callable, lottery_defaults: object, live_server: object
):
    call_command("demo")
    operator = User.objects.get(email="operator@demo.example")
    operator.set_password(PASSWORD)  # the demo prints a random one
    operator.save()
    page = new_page()
    log_in(page, operator.email)

    page.wait_for_function(CHART_READY)
    assert page.locator("#recent-draws tbody tr").count() >= 5
    # The chart's y axis has values; the coming week is on it.
    y_ticks = page.evaluate(f"{CHART}.scales.y.ticks.map(t => String(t.label))")
    assert len(y_ticks) >= 3 and y_ticks[0] == "0"
    assert any("(today)" in label for label in page.evaluate(f"{CHART}.data.labels"))
    for item in page.locator("#attention li").all():  # each says what to do, with a link
        assert item.locator("a").count() == 1 or "Nothing waits" in item.inner_text()
    screenshot(page, "demo-dashboard.png")

    page.set_viewport_size(VIEWPORT)  # screenshot() grew it to the previous page
    page.goto("/admin/lottery/ballot/")
    assert page.locator("#result_list tbody tr").count() >= 50
    assert page.locator("#result_list").get_by_text("demo.example").first.is_visible()
    first_id = page.locator("#result_list tbody tr").first.locator("a").first.inner_text()
    assert len(first_id.strip()) == 8  # the short id, a link to the ballot
    assert page.get_by_test_id("page-position").inner_text() == "page 1"
    # The newest ballots are for coming days: not drawn yet, so pending (not a red cross).
    assert page.locator("#result_list").get_by_text("pending").first.is_visible()
    screenshot(page, "demo-ballots.png")

    redrawn = Draw.objects.get(redraw_requests__status=RedrawStatus.APPROVED)
    page.set_viewport_size(VIEWPORT)  # screenshot() grew it to the previous page
    page.goto(f"/admin/lottery/draw/{redrawn.pk}/change/")
    body = page.locator("body").inner_text()
    assert redrawn.merkle_root in body and bytes(redrawn.seed).hex() in body
    assert "approver@demo.example" in body or "Approved" in body
    day = redrawn.date.isoformat()
    assert f"python -m lottery.verify {live_server.url} {redrawn.game.slug} {day}" in body
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", body)  # times to the second
    screenshot(page, "demo-draw.png")

    page.set_viewport_size(VIEWPORT)  # screenshot() grew it to the previous page
    page.goto("/admin/accounts/user/?q=Hopper")  # one page of 100 rows is too tall to show
    hoppers = User.objects.filter(last_name="Hopper", is_staff=False).count()
    assert page.locator("#result_list tbody tr").count() == hoppers > 5
    assert "staff@" not in page.locator("#result_list").inner_text()  # players only
    assert page.locator("#result_list").get_by_text("demo.example").first.is_visible()
    screenshot(page, "demo-players.png")
