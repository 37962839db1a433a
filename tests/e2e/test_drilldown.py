"""Issue 13 in a real browser: a link with filters reproduces the view, and a click on a
number opens the badges behind it (and puts it in the URL, so Back and links work)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.live_server import HUNG, settle, signed_in

pytestmark = pytest.mark.e2e
CHOSEN = "Show the badges with status"


def test_a_link_with_a_status_reopens_the_badges_behind_it(browser: Any, server: str) -> None:
    page = signed_in(browser, server, "hr", "hr")
    page.goto(f"{server}/?status=revoked")  # Overview is the app's first page
    settle(page)
    chosen = page.get_by_role("combobox", name=CHOSEN)
    chosen.wait_for(timeout=HUNG)
    assert chosen.input_value() == "revoked"
    # the badges behind it: Emil Novak's revoked Python badge, with its downloads
    table = page.locator("[data-testid='stDataFrame']").filter(has_text="Emil Novak").first
    table.wait_for(timeout=HUNG)
    page.context.close()


def test_clicking_a_status_bar_opens_its_badges_and_keeps_them_in_the_url(
    browser: Any, server: str
) -> None:
    page = signed_in(browser, server, "hr", "hr")
    page.goto(server)
    settle(page)
    chosen = page.get_by_role("combobox", name=CHOSEN)
    chosen.wait_for(timeout=HUNG)
    assert chosen.input_value() == "(click a bar or choose)"  # nothing chosen yet
    bar = page.locator(".js-plotly-plot .points .point path").first
    bar.wait_for(timeout=HUNG)
    box = bar.bounding_box()
    assert box is not None
    # Plotly listens on its drag layer above the bars: click where the bar is drawn
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    settle(page)
    page.wait_for_url("**status=*", timeout=HUNG)  # the view is now a link
    settle(page)  # the click's rerun has asked by now (it wrote the URL): let it end
    assert chosen.input_value() in ("revoked", "expired", "verified")
    page.context.close()
