"""OCR of image-only PDFs: a denial letter rendered to a scan is read back through tesseract."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from appealgen import errors
from appealgen.settings import ParseLimits
from appealgen.stages.classify import classify
from appealgen.stages.extract import extract
from appealgen.stages.ocr import ocr_pages, tesseract_path
from appealgen.stages.parse import parse

Image = pytest.importorskip("PIL.Image")
ImageDraw = pytest.importorskip("PIL.ImageDraw")
ImageFont = pytest.importorskip("PIL.ImageFont")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "denials"
LETTER = "cigna_ca_medical_necessity"
FONTS = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/Library/Fonts/Arial.ttf"),
]
# OCR of a page on a loaded 2-core machine takes seconds; the default 20 s limit is for one upload.
LIMITS = ParseLimits(timeout_s=120)


def _scan(text: str) -> bytes:
    """The letter drawn as a 300 dpi US-letter image, wrapped in an image-only PDF (no text layer)."""
    font_path = next((f for f in FONTS if f.is_file()), None)
    if font_path is None:
        pytest.skip("no TrueType font to draw the scan with")
    font = ImageFont.truetype(str(font_path), 34)
    pages, y = [Image.new("L", (2550, 3300), 255)], 150
    for line in text.splitlines():
        if y > 3300 - 200:
            pages.append(Image.new("L", (2550, 3300), 255))
            y = 150
        ImageDraw.Draw(pages[-1]).text((150, y), line, font=font, fill=0)
        y += 50
    buf = io.BytesIO()
    pages[0].save(buf, format="PDF", resolution=300, save_all=True, append_images=pages[1:])
    return buf.getvalue()


@pytest.fixture(scope="module")
def scan() -> bytes:
    return _scan((FIXTURES / f"{LETTER}.txt").read_text(encoding="latin-1"))


@pytest.fixture(scope="module")
def gold() -> dict:
    return json.loads((FIXTURES / f"{LETTER}.json").read_text(encoding="utf-8"))


needs_tesseract = pytest.mark.skipif(tesseract_path() is None, reason="tesseract is not installed")


class TestOcr:
    def test_scan_has_no_text_layer(self, scan: bytes) -> None:
        from pypdf import PdfReader

        assert all(not (page.extract_text() or "").strip() for page in PdfReader(io.BytesIO(scan)).pages)

    @needs_tesseract
    def test_scanned_letter_is_read(self, scan: bytes, gold: dict) -> None:
        doc = parse(scan, limits=LIMITS)
        facts = extract(doc)
        bases = [b.id for b in classify(doc, facts)]
        assert doc.ocr is True
        assert facts.member_id == gold["facts"]["member_id"]
        assert facts.payer == gold["facts"]["payer"]
        assert gold["bases"][0] in bases
        assert all(doc.text[b.evidence.start : b.evidence.end] == b.evidence.text for b in classify(doc, facts))

    @needs_tesseract
    def test_ocr_stops_at_the_time_limit(self, scan: bytes) -> None:
        with pytest.raises(errors.LimitExceededError):
            ocr_pages(scan, ParseLimits(timeout_s=0.05))

    def test_without_tesseract_the_refusal_says_how_to_install(
        self, scan: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no tesseract on PATH
        with pytest.raises(errors.ImageOnlyPdfError) as caught:
            parse(scan, limits=LIMITS)
        assert "apt-get install tesseract-ocr" in caught.value.message
        assert caught.value.exit_code == 2
