"""Take the README's picture of `ember demo` (docs/demo.png) with the system Chromium.

    .venv/bin/python scripts/demo_screenshot.py [--out docs/demo.png]

Starts the demo, walks to the evening after the first integration session, answers the
mood question, writes something worrying as the participant, acknowledges the alert as the
therapist and asks for /stats as the coordinator; then photographs the page. Needs the
`dev` extras (Playwright) and a Chromium on PATH (or $EMBER_TEST_CHROMIUM).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
from pathlib import Path

from playwright.async_api import async_playwright, expect

from bot.demo import running_demo

WORRY = "Feeling very low tonight. Honestly I don't want to be here anymore."


def chromium() -> str:
    for candidate in (os.environ.get("EMBER_TEST_CHROMIUM"), shutil.which("chromium")):
        if candidate:
            return candidate
    sys.exit("no Chromium found: apt-get install chromium, or set EMBER_TEST_CHROMIUM")


async def main(out: Path) -> None:
    async with running_demo() as demo, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium(), headless=True)
        page = await browser.new_page(viewport={"width": 1500, "height": 860})
        await page.goto(demo.url)
        await page.wait_for_selector("body[data-ready=true]")
        participant = page.locator("[data-pane=participant]")
        therapist = page.locator("[data-pane=therapist]")
        coordinator = page.locator("[data-pane=coordinator]")

        status = page.locator("#status")
        for _ in range(8):  # pressed again while the walk pauses on the way
            await page.get_by_role("button", name="Integration session").click()
            await expect(status).to_contain_text("sent on the way", timeout=60_000)
            if "press again" not in (await status.text_content() or ""):
                break
        await expect(page.locator("#clock")).to_contain_text("10:00")
        await page.get_by_role("button", name="Next due").click()
        prompt = participant.locator(".msg", has_text="How are you feeling right now?")
        await prompt.get_by_role("button", name="3", exact=True).click()
        await expect(participant.locator(".msg").last).to_contain_text("You chose 3")

        await participant.locator("input").fill(WORRY)
        await participant.locator("input").press("Enter")
        alert = therapist.locator(".msg", has_text="alert for P-0142")
        await alert.get_by_role("button", name="Acknowledge").click()
        await expect(alert).to_contain_text("Acknowledged by")

        await coordinator.locator("input").fill("/stats")
        await coordinator.locator("input").press("Enter")
        await expect(coordinator.locator(".msg").last).not_to_contain_text("Welcome")
        await page.wait_for_timeout(500)
        out.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(out))
        await browser.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/demo.png"))
    asyncio.run(main(parser.parse_args().out))
