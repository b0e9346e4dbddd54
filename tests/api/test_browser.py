"""The upload page in a real browser (Debian's chromium, driven by Playwright) on a live server."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.api.conftest import CIGNA, LiveServer
from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed: `apt-get install chromium` "
        "(`make setup` does it when run as root on Debian)",
    ),
]
FAKE_CITATION = "[fake-doc#nothing-1]"


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    """Where screenshots go: out/test-artifacts/ (kept) and a copy in the test's tmp dir."""
    folder = ROOT / "out" / "test-artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shot(page, artifacts: Path, tmp_path: Path, name: str) -> None:  # noqa: ANN001
    png = page.screenshot(full_page=True)
    (artifacts / name).write_bytes(png)
    (tmp_path / name).write_bytes(png)
    # Debian's Chromium hit-tests at stale offsets after a full-page capture of a scrolled page
    # (a click on a button lands on its form); a scroll resets it.
    page.evaluate("window.scrollTo(0, 0)")


def test_upload_edit_and_download(live_server: LiveServer, artifacts: Path, tmp_path: Path) -> None:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed"
    )
    expect = sync_api.expect
    with sync_api.sync_playwright() as p:
        # Root in a container needs --no-sandbox; no browser is downloaded, Debian's is used.
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            page = browser.new_page(accept_downloads=True, viewport={"width": 1100, "height": 900})
            calls: list[str] = []
            page.on("response", lambda r: calls.append(f"{r.request.method} {r.url} {r.status}"))
            page.goto(live_server.url + "/")
            page.set_input_files("#denial-file", str(CIGNA.with_suffix(".pdf")))
            expect(page.locator("#denial-chosen")).to_contain_text("cigna_ca_medical_necessity.pdf")
            # A wrong key gives a plain message taken from the problem+json answer.
            page.get_by_label("Your API key").fill("agk_wrong")
            page.get_by_role("button", name="Draft the appeal").click()
            expect(page.locator("#error")).to_contain_text("API key was not accepted")
            page.get_by_label("Your API key").fill(live_server.key_a)
            page.get_by_label("Sex").select_option("male")
            page.get_by_label("Date of birth").fill("1986-04-12")
            page.get_by_label("Diagnosis codes (ICD-10, comma separated)").fill("D67")
            page.get_by_label("Factor IX activity (%)").fill("1")
            page.get_by_label("Factor IX inhibitor result").select_option("negative")
            shot(page, artifacts, tmp_path, "1-form.png")

            page.get_by_role("button", name="Draft the appeal").click()
            try:
                expect(page.locator("#results")).to_be_visible(timeout=180_000)
            except AssertionError:
                shot(page, artifacts, tmp_path, "2-failed.png")
                server_log = live_server.log.read_text(errors="replace")[-2000:]
                pytest.fail(f"no result; responses: {calls}\nserver log:\n{server_log}")
            expect(page.locator("#bases")).to_contain_text("medical necessity")
            expect(page.locator("#criteria tbody tr").first).to_be_visible()
            expect(page.locator("#deadlines tbody")).to_contain_text("CFR")
            letter = page.locator("#letter")
            assert "Medical necessity" in letter.input_value()
            shot(page, artifacts, tmp_path, "2-result.png")

            letter.focus()
            letter.press("Control+End")
            letter.press_sequentially(f"\nSee also {FAKE_CITATION}.", delay=5)
            finding = page.locator("#findings-list li", has_text="fake-doc#nothing-1")
            expect(finding).to_be_visible(timeout=30_000)
            expect(page.locator("#save-status")).to_contain_text("Saved version")
            shot(page, artifacts, tmp_path, "3-finding.png")

            with page.expect_download(timeout=60_000) as download:
                page.get_by_role("button", name="Letter (PDF)").click()
            saved = tmp_path / "letter.pdf"
            download.value.save_as(saved)
            data = saved.read_bytes()
            assert data.startswith(b"%PDF-")
            text = "".join(pg.extract_text() for pg in PdfReader(io.BytesIO(data)).pages)
            assert "fake-doc#nothing-1" in text, "the PDF is of the edited letter"
            assert page.locator("#error").is_hidden()

            page.reload()
            assert (
                page.get_by_label("Your API key").input_value() == live_server.key_a
            )  # kept in localStorage
        finally:
            browser.close()
