"""report.html renders in a real headless browser: SVG charts present, no console errors."""

from __future__ import annotations

import shutil

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


class TestReportHtml:
    def test_svg_charts_render_without_console_errors(self, eval_run) -> None:
        chromium = shutil.which("chromium")
        if chromium is None:
            pytest.skip("Debian `chromium` is not installed (apt-get install chromium)")
        sync_api = pytest.importorskip(
            "playwright.sync_api", reason="the playwright Python package is not installed"
        )
        _, paths = eval_run
        errors: list[str] = []
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            try:
                page = browser.new_page()
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(paths["html"].resolve().as_uri())
                svgs = page.locator("svg")
                count = svgs.count()
                drawn = page.evaluate(
                    "Array.from(document.querySelectorAll('svg')).filter(s "
                    "=> s.getBBox().width > 0).length"
                )
                scripts = page.locator("script").count()
            finally:
                browser.close()
        assert count > 0
        assert drawn == count, f"{count - drawn} of {count} SVG charts drew nothing"
        assert scripts == 0
        assert errors == []
