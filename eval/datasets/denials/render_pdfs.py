"""Render the denial-letter .txt files to letter-size PDFs with fpdf2.

    python eval/datasets/denials/render_pdfs.py              # train/, dev/, dev2/ and test/
    python eval/datasets/denials/render_pdfs.py --split dev  # one split
    python eval/datasets/denials/render_pdfs.py --fixtures   # tests/fixtures/denials/
    python eval/datasets/denials/render_pdfs.py FILE.txt ... # just these files

Each <id>.txt becomes <id>.pdf next to it (overwritten). Letters whose text has
column-aligned tables are set in Courier (so the columns stay aligned); the rest in
Helvetica. Long lines wrap; long letters run onto more pages (footer "Page n of m").
Output is deterministic (fixed creation date), so re-running gives identical files.
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "denials"
SPLITS = ("train", "dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9", "dev10", "dev11", "dev12",
          "dev13", "dev14", "dev15", "dev16", "dev17", "dev18", "dev19", "dev20", "test")
FIXED_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)

# a line with two or more gaps of 2+ spaces between words looks like a table row
TABLE_ROW = re.compile(r"\S {2,}\S.*\S {2,}\S")


class LetterPDF(FPDF):
    def __init__(self, body_font: str):
        super().__init__(orientation="P", unit="pt", format="letter")
        self.body_font = body_font

    def footer(self):
        self.set_y(-30)
        self.set_font("Helvetica", size=8)
        self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")


def pick_font(text: str) -> str:
    rows = sum(1 for ln in text.splitlines() if TABLE_ROW.search(ln))
    return "Courier" if rows >= 2 else "Helvetica"


def render(txt_path: Path) -> Path:
    text = txt_path.read_text(encoding="latin-1")
    font = pick_font(text)
    size, leading = (8.5, 10.5) if font == "Courier" else (10, 12.5)
    pdf = LetterPDF(font)
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(txt_path.stem)
    pdf.set_author("appealgen synthetic evaluation data")
    pdf.set_margins(left=43, top=43, right=43)
    pdf.set_auto_page_break(auto=True, margin=50)
    pdf.add_page()
    first = True
    for line in text.splitlines():
        line = line.rstrip()
        if first and line:
            # letterhead: the first non-blank line, bold
            pdf.set_font(font, style="B", size=size + 3)
            pdf.multi_cell(0, leading + 3, line, new_x="LMARGIN", new_y="NEXT")
            first = False
            continue
        pdf.set_font(font, size=size)
        if not line:
            pdf.ln(leading)
        else:
            pdf.multi_cell(0, leading, line, new_x="LMARGIN", new_y="NEXT")
    out = txt_path.with_suffix(".pdf")
    pdf.output(str(out))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixtures", action="store_true", help="render tests/fixtures/denials/*.txt instead")
    ap.add_argument("--split", choices=SPLITS, action="append", help="render only this split (repeatable)")
    ap.add_argument("files", nargs="*", type=Path)
    args = ap.parse_args(argv)
    if args.files:
        files = args.files
    elif args.fixtures:
        files = sorted(FIXTURES.glob("*.txt"))
    else:
        files = [f for split in args.split or SPLITS for f in sorted(HERE.glob(f"{split}/*.txt"))]
    if not files:
        print("no .txt files found", file=sys.stderr)
        return 1
    for f in files:
        out = render(f)
        print(f"rendered {out.relative_to(REPO) if out.is_relative_to(REPO) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
