"""render: Draft -> the letter and the appeal packet as Markdown, PDF and DOCX, plus result.json."""

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
    """Write the letter and the appeal packet in each format, and result.json, into out_dir.

    Args:
        result: the pipeline's result (its letter_markdown is what is rendered).
        out_dir: the folder to write into (created).
        formats: any of md, pdf, docx.

    Returns:
        format -> path for the letter ("md", "pdf", "docx"), the packet ("packet.md", ...) and "json".
    """
    from appealgen.stages.packet import build_packet

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise InputError(f"Unknown format {unknown[0]!r}; use md, pdf or docx.")
    out_dir.mkdir(parents=True, exist_ok=True)
    files = write_formats(result.letter_markdown, out_dir / "letter", formats)
    packet = write_formats(build_packet(result), out_dir / "packet", formats)
    files.update({f"packet.{fmt}": path for fmt, path in packet.items()})
    result.files = files
    (out_dir / "result.json").write_text(result.model_dump_json(indent=2), encoding="utf-8")
    files["json"] = str(out_dir / "result.json")
    return files


def write_formats(markdown: str, stem: Path, formats: tuple[str, ...]) -> dict[str, str]:
    """Write one Markdown document as stem.md / stem.pdf / stem.docx for the formats asked; format -> path."""
    files: dict[str, str] = {}
    for fmt in (f for f in FORMATS if f in formats):
        path = stem.with_suffix(f".{fmt}")
        if fmt == "md":
            path.write_text(markdown, encoding="utf-8")
        elif fmt == "pdf":
            path.write_bytes(markdown_to_pdf(markdown))
        else:
            markdown_to_docx(markdown, path)
        files[fmt] = str(path)
    return files


def _blocks(markdown: str) -> list[tuple[str, str]]:
    """(kind, text) blocks: title (#), heading (##), page break (---), bullet, table, paragraph."""
    out: list[tuple[str, str]] = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        lines = block.split("\n")
        if lines == ["---"]:
            out.append(("pagebreak", ""))
            continue
        for prefix, kind in (("# ", "title"), ("## ", "heading")):
            if lines[0].startswith(prefix):
                out.append((kind, lines[0][len(prefix):].strip()))
                lines = lines[1:]
                break
        if not lines:
            continue
        if all(line.startswith("|") for line in lines):
            out.append(("table", "\n".join(lines)))
        else:
            out.extend(("bullet", line[2:]) if line.startswith("- ") else ("para", line) for line in lines)
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
    swaps = {
        "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
        "\u2265": ">=", "\u2264": "<=", "\u2022": "-",
    }
    for a, b in swaps.items():
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def _col_widths(rows: list[list[str]], total_mm: float) -> tuple[float, ...]:
    """Column widths in mm: each column gets room for its longest word, the rest goes to the longest text."""
    mm_per_char = 1.6  # Helvetica 8 pt, average character
    columns = [[r[c] if c < len(r) else "" for r in rows] for c in range(len(rows[0]))]
    floors = [min(50.0, mm_per_char * max((len(w) for cell in col for w in cell.split()), default=1)) for col in columns]
    wants = [max(f, min(110.0, mm_per_char * max(len(cell) for cell in col))) for f, col in zip(floors, columns, strict=True)]
    spare, growth = total_mm - sum(floors), sum(w - f for f, w in zip(floors, wants, strict=True))
    if spare <= 0 or growth <= 0:
        return tuple(floors)
    return tuple(f + (w - f) * min(1.0, spare / growth) for f, w in zip(floors, wants, strict=True))


def markdown_to_pdf(markdown: str) -> bytes:
    """A Markdown letter or packet as a PDF (fpdf2, core fonts)."""
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for kind, text in _blocks(markdown):
        if kind in ("title", "heading"):
            pdf.ln(3)
            pdf.set_font("Helvetica", "B", 16 if kind == "title" else 12)
            pdf.multi_cell(width, 8 if kind == "title" else 6, _latin1(text))
        elif kind == "pagebreak":
            pdf.add_page()
        elif kind == "table":
            pdf.set_font("Helvetica", "", 8)
            rows = _table_rows(text)
            with pdf.table(col_widths=_col_widths(rows, width), line_height=4) as table:
                for cells in rows:
                    row = table.row()
                    for cell in cells[: len(rows[0])]:
                        row.cell(_latin1(cell))
        else:
            pdf.set_font("Helvetica", "", 10)
            prefix = "- " if kind == "bullet" else ""
            pdf.multi_cell(width, 5, _latin1(prefix + text))
    return bytes(pdf.output())


def markdown_to_docx(markdown: str, path: Path) -> None:
    """A Markdown letter or packet as a Word document (python-docx)."""
    from docx import Document
    from docx.enum.text import WD_BREAK

    doc = Document()
    for kind, text in _blocks(markdown):
        if kind in ("title", "heading"):
            doc.add_heading(text, level=1 if kind == "title" else 2)
        elif kind == "pagebreak":
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
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
