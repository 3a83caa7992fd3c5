"""The demo as a newcomer first sees it: dashboard, ballots, a redrawn draw and the players."""

from collections.abc import Callable

import pytest
from django.core.management import call_command

from accounts.models import User
from lottery.models import Draw, RedrawStatus
from tests.e2e.conftest import PASSWORD, log_in, screenshot
from tests.e2e.test_admin_browser import CHART_READY

VIEWPORT = {"width": 1440, "height": 1000}
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_demo_fills_every_page_a_newcomer_opens_first(
    new_page: Callable, lottery_defaults: object
):
    call_command("demo")
    operator = User.objects.get(email="operator@demo.example")
    operator.set_password(PASSWORD)  # the demo prints a random one
    operator.save()
    page = new_page()
    log_in(page, operator.email)

    page.wait_for_function(CHART_READY)
    assert page.locator("#recent-draws tbody tr").count() >= 5
    screenshot(page, "demo-dashboard.png")

    page.set_viewport_size(VIEWPORT)  # screenshot() grew it to the previous page
    page.goto("/admin/lottery/ballot/")
    assert page.locator("#result_list tbody tr").count() >= 50
    assert page.locator("#result_list").get_by_text("demo.example").first.is_visible()
    screenshot(page, "demo-ballots.png")

    redrawn = Draw.objects.get(redraw_requests__status=RedrawStatus.APPROVED)
    page.set_viewport_size(VIEWPORT)  # screenshot() grew it to the previous page
    page.goto(f"/admin/lottery/draw/{redrawn.pk}/change/")
    body = page.locator("body").inner_text()
    assert redrawn.merkle_root in body and bytes(redrawn.seed).hex() in body
    assert "approver@demo.example" in body or "Approved" in body
    screenshot(page, "demo-draw.png")

    page.set_viewport_size(VIEWPORT)  # screenshot() grew it to the previous page
    page.goto("/admin/accounts/user/?q=Hopper")  # one page of 100 rows is too tall to show
    hoppers = User.objects.filter(last_name="Hopper").count()
    assert page.locator("#result_list tbody tr").count() == hoppers > 5
    assert page.locator("#result_list").get_by_text("demo.example").first.is_visible()
    screenshot(page, "demo-players.png")
