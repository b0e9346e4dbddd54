"""render: Draft -> the letter as Markdown, PDF and DOCX, plus result.json."""

from __future__ import annotations

import re
from pathlib import Path

from appealgen.errors import InputError
from appealgen.models import AppealResult, Draft

FORMATS = ("md", "pdf", "docx")


def to_markdown(d: Draft) -> str:
    """The letter as Markdown: the opening as plain text, every other section under a heading."""
    parts = []
    for s in d.sections:
        parts.append(s.body if s.kind == "opening" else f"## {s.heading}\n\n{s.body}")
    return "\n\n".join(parts).strip() + "\n"


def render(result: AppealResult, out_dir: Path, formats: tuple[str, ...] = ("md",)) -> dict[str, str]:
    """Write the letter in each format and result.json into out_dir; returns format -> path.

    Args:
        result: the pipeline's result (its letter_markdown is what is rendered).
        out_dir: the folder to write into (created).
        formats: any of md, pdf, docx.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise InputError(f"Unknown format {unknown[0]!r}; use md, pdf or docx.")
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    if "md" in formats:
        path = out_dir / "letter.md"
        path.write_text(result.letter_markdown, encoding="utf-8")
        files["md"] = str(path)
    if "pdf" in formats:
        path = out_dir / "letter.pdf"
        path.write_bytes(markdown_to_pdf(result.letter_markdown))
        files["pdf"] = str(path)
    if "docx" in formats:
        path = out_dir / "letter.docx"
        markdown_to_docx(result.letter_markdown, path)
        files["docx"] = str(path)
    result.files = files
    (out_dir / "result.json").write_text(result.model_dump_json(indent=2), encoding="utf-8")
    files["json"] = str(out_dir / "result.json")
    return files


def _blocks(markdown: str) -> list[tuple[str, str]]:
    """(kind, text) blocks: heading, bullet, table, paragraph."""
    out: list[tuple[str, str]] = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        lines = block.split("\n")
        if lines[0].startswith("## "):
            out.append(("heading", lines[0][3:].strip()))
            lines = lines[1:]
            if not lines:
                continue
        if all(line.startswith("|") for line in lines):
            out.append(("table", "\n".join(lines)))
        elif all(line.startswith("- ") for line in lines):
            out.extend(("bullet", line[2:]) for line in lines)
        else:
            out.extend(("para", line) for line in lines)
    return out


def _table_rows(table: str) -> list[list[str]]:
    rows = []
    for line in table.split("\n"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if all(re.fullmatch(r"-+", c) for c in cells):
            continue
        rows.append(cells)
    return rows


def _latin1(text: str) -> str:
    swaps = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u2265": ">=", "\u2264": "<=", "\u2022": "-"}
    for a, b in swaps.items():
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def markdown_to_pdf(markdown: str) -> bytes:
    """The letter as a PDF (fpdf2, core fonts)."""
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for kind, text in _blocks(markdown):
        if kind == "heading":
            pdf.ln(3)
            pdf.set_font("Helvetica", "B", 12)
            pdf.multi_cell(width, 6, _latin1(text))
        elif kind == "table":
            pdf.set_font("Helvetica", "", 8)
            with pdf.table(col_widths=(40, 15, 45, 30), line_height=4) as table:
                for cells in _table_rows(text):
                    row = table.row()
                    for cell in cells:
                        row.cell(_latin1(cell))
        else:
            pdf.set_font("Helvetica", "", 10)
            prefix = "- " if kind == "bullet" else ""
            pdf.multi_cell(width, 5, _latin1(prefix + text))
    return bytes(pdf.output())


def markdown_to_docx(markdown: str, path: Path) -> None:
    """The letter as a Word document (python-docx)."""
    from docx import Document

    doc = Document()
    for kind, text in _blocks(markdown):
        if kind == "heading":
            doc.add_heading(text, level=2)
        elif kind == "table":
            rows = _table_rows(text)
            table = doc.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, cells in enumerate(rows):
                for c, cell in enumerate(cells[: len(rows[0])]):
                    table.cell(r, c).text = cell
        elif kind == "bullet":
            doc.add_paragraph(text, style="List Bullet")
        else:
            doc.add_paragraph(text)
    doc.save(str(path))
