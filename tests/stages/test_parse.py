"""parse: real pypdf on real and hostile files; text input; typed errors."""

from __future__ import annotations

import io

import pytest
from fpdf import FPDF
from pypdf import PdfWriter

from appealgen import errors
from appealgen.settings import ParseLimits
from appealgen.stages.parse import normalize_text, parse
from tests.conftest import FIXTURES


def _pdf(pages: list[str]) -> bytes:
    pdf = FPDF()
    for text in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


class TestParse:
    def test_fixture_pdf_text_and_pages(self) -> None:
        doc = parse(FIXTURES / "cigna_ca_medical_necessity.pdf")
        assert doc.media_type == "application/pdf"
        assert "U7302948816" in doc.text
        assert doc.pages[0].start == 0 and doc.pages[-1].end == len(doc.text)

    def test_page_offsets_point_into_text(self) -> None:
        doc = parse(_pdf(["first page words", "second page words"]))
        assert doc.page_count == 2
        assert doc.text[doc.pages[1].start : doc.pages[1].end] == "second page words"

    def test_text_input(self) -> None:
        doc = parse(b"Dear member,\r\nyour request was denied.", name="x.txt")
        assert doc.media_type == "text/plain" and "\r" not in doc.text

    def test_hyphenation_mended(self) -> None:
        assert normalize_text("the treat-\nment was denied") == "the treatment was denied"

    @pytest.mark.parametrize("data", [b"", b"   \n  "])
    def test_empty(self, data: bytes) -> None:
        with pytest.raises(errors.EmptyDocumentError):
            parse(data)

    def test_binary_not_pdf(self) -> None:
        with pytest.raises(errors.UnsupportedFormatError):
            parse(bytes(range(256)) * 20)

    def test_truncated_pdf(self) -> None:
        data = _pdf(["some text here"])
        with pytest.raises(errors.DocumentError):
            parse(data[: len(data) // 3])

    def test_encrypted_pdf(self) -> None:
        writer = PdfWriter()
        writer.add_blank_page(200, 200)
        writer.encrypt(user_password="secret", owner_password="owner")
        buf = io.BytesIO()
        writer.write(buf)
        with pytest.raises(errors.EncryptedPdfError):
            parse(buf.getvalue())

    def test_image_only_pdf(self) -> None:
        writer = PdfWriter()
        writer.add_blank_page(612, 792)
        buf = io.BytesIO()
        writer.write(buf)
        with pytest.raises(errors.ImageOnlyPdfError):
            parse(buf.getvalue())

    def test_page_limit(self) -> None:
        with pytest.raises(errors.LimitExceededError):
            parse(_pdf(["page"] * 6), limits=ParseLimits(max_pages=5))

    def test_byte_limit(self) -> None:
        with pytest.raises(errors.LimitExceededError):
            parse(b"a" * 2000, limits=ParseLimits(max_bytes=1000))

    def test_missing_file(self, tmp_path) -> None:
        with pytest.raises(errors.DocumentError):
            parse(tmp_path / "nope.pdf")
