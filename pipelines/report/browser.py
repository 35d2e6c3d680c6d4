"""Headless Chromium for the report: the browser test opens it offline, the screenshots in docs/ come from it."""

from __future__ import annotations

import shutil
from pathlib import Path

INSTALL_COMMAND = "apt-get update && apt-get install -y chromium"
# No network: the report must not need it, and a browser phoning home would hide a report that does.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


class NoBrowser(RuntimeError):
    pass


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise NoBrowser(f"No Chromium on this machine: install it with `{INSTALL_COMMAND}` (Debian).")


def launch(playwright):
    """One headless Chromium through Playwright, the system's browser (Playwright downloads none)."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=FLAGS, headless=True)


def load_report(browser, report: Path, *, width: int = 1300):
    """Open `report` with every request that is not the file itself refused; wait until each chart settled.
    Returns (page, console messages, refused requests)."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    messages: list[tuple[str, str]] = []
    refused: list[str] = []
    page.on("console", lambda m: messages.append((m.type, m.text)))
    page.on("pageerror", lambda e: messages.append(("pageerror", str(e))))

    def route(request_route):
        url = request_route.request.url
        if url.startswith("file://") or url.startswith("data:"):
            request_route.continue_()
        else:
            refused.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.goto(report.resolve().as_uri())
    page.wait_for_selector("body[data-charts-done]", timeout=120_000)
    return page, messages, refused


SECTIONS = ("header", "scorecard", "adoption", "silos", "value-chain", "sentiment")


def screenshots(report: Path, out_dir: Path) -> list[Path]:
    """A PNG of each section of `report` (for docs/report.md)."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page, _, _ = load_report(browser, report)
            for section in SECTIONS:
                path = out_dir / f"report-{section}.png"
                page.locator(f'[data-section="{section}"]').first.screenshot(path=str(path))
                paths.append(path)
        finally:
            browser.close()
    return paths


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 3:
        sys.exit("usage: python -m pipelines.report.browser REPORT.html OUT_DIR  (a PNG per report section)")
    for written in screenshots(Path(sys.argv[1]), Path(sys.argv[2])):
        print(written)
