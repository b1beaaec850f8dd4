"""The demo page in a real browser: a crisis typed in the participant's pane reaches the
therapist's pane as an alert, whose Acknowledge button changes every copy.

A screenshot of the page is kept in test-artifacts/ (not in git) for whoever reads the run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.demo import RunningDemo
from tests.demo.browser import ARTIFACTS, chromium_path, why_no_browser

REASON = why_no_browser()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

CRISIS = "I have saved up pills and I will take them all tonight"


@pytest.fixture
async def page(demo: RunningDemo) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(), headless=True)
        try:
            page = await browser.new_page(viewport={"width": 1500, "height": 900})
            await page.goto(demo.url)
            await page.wait_for_selector("body[data-ready=true]")
            yield page
        finally:
            await browser.close()


async def jump(page: Any, button: str, presses: int = 8) -> None:
    """Press a clock button, and again while the walk pauses on the way (a night with the
    therapist's briefs and digest sends more than a walk sends before pausing)."""
    from playwright.async_api import expect

    status = page.locator("#status")
    for _ in range(presses):
        await page.get_by_role("button", name=button).click()
        await expect(status).to_contain_text("sent on the way", timeout=60_000)
        if "press again" not in (await status.text_content() or ""):
            return
    raise AssertionError(f"{button!r} still paused after {presses} presses")


class TestCrisisInTheBrowser:
    async def test_a_crisis_reaches_the_therapist_and_acknowledging_changes_the_alert(
        self, page: Any
    ) -> None:
        from playwright.async_api import expect

        participant = page.locator("[data-pane=participant]")
        therapist = page.locator("[data-pane=therapist]")
        coordinator = page.locator("[data-pane=coordinator]")
        await expect(participant.locator(".msg").last).to_contain_text("all set")
        await expect(participant.locator(".who")).to_contain_text("P-0142")

        await participant.locator("input").fill(CRISIS)
        await participant.locator("input").press("Enter")
        await expect(participant.locator(".msg.me").last).to_contain_text(CRISIS)
        # the participant is answered at once, with crisis resources
        await expect(participant.locator(".msg").last).to_contain_text("TelefonSeelsorge")
        # commands in the bot's words are drawn as Telegram draws them: tappable
        await expect(participant.locator(".msg .command", has_text="/help").first).to_be_visible()

        alert = therapist.locator(".msg", has_text="CRISIS alert for P-0142")
        await expect(alert).to_be_visible()
        button = alert.get_by_role("button", name="Acknowledge")
        await expect(button).to_be_visible()
        await button.click()

        await expect(alert).to_contain_text("Acknowledged by")
        await expect(alert.get_by_role("button", name="Acknowledge")).to_have_count(0)
        await expect(alert.locator(".meta")).to_contain_text("edited")
        await expect(therapist.locator(".msg").last).to_contain_text("is acknowledged")
        # the coordinator is not alerted at once for a crisis: escalation only
        await expect(coordinator.locator(".msg", has_text="CRISIS")).to_have_count(0)

        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "demo-crisis-acknowledged.png"))
        assert (ARTIFACTS / "demo-crisis-acknowledged.png").stat().st_size > 10_000

    async def test_the_clock_jumps_to_the_next_prompt_and_its_buttons_answer_it(
        self, page: Any
    ) -> None:
        from playwright.async_api import expect

        participant = page.locator("[data-pane=participant]")
        clock = page.locator("#clock")
        await expect(clock).to_contain_text("17:30")
        await jump(page, "Integration session")
        await expect(clock).to_contain_text("10:00")
        await page.get_by_role("button", name="Next due").click()
        await expect(clock).to_contain_text("19:00")
        prompt = participant.locator(".msg", has_text="How are you feeling right now?")
        await expect(prompt).to_be_visible()
        await prompt.get_by_role("button", name="7", exact=True).click()
        await expect(participant.locator(".msg").last).to_contain_text("You chose 7")

        menu_button = participant.get_by_role("button", name="/")
        await menu_button.click()
        await participant.locator(".menu li", has_text="/crisis").click()
        await expect(participant.locator(".msg").last).to_contain_text("TelefonSeelsorge")
