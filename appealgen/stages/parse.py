"""parse: a denial letter (PDF bytes or text) -> ParsedDocument, within hard limits.

PDF parsing runs in a child process with an address-space limit and a wall-clock timeout, so
a hostile file can neither hang nor exhaust the calling process. The child is forked from a
lean parse server (stages/parse_server.py) where one can run, else from the caller.

What the bytes are decides how they are read: a PDF must start with its header and end at its
last %%EOF; a PDF header elsewhere (a ZIP or HTML file carrying a PDF) or data after the end
(a PDF carrying a ZIP) is refused as a polyglot, and so is a file whose name says PDF while its
bytes say text, or the reverse. JavaScript in a PDF is never run: its text layer is read and the
script is reported. The PDF side (structure checks, visible text) is stages/pdf_reader.py.

The text is cleaned here (stages/cleaning.py), once, so every offset downstream (evidence spans, page spans) points
into the clean text: zero-width and bidi control characters are removed, text a reader cannot
see (white, tiny, invisible render mode, off the page) is left out, and sentences that address
a language model ("ignore previous instructions...") are left out. Each removal is kept as a
warning Finding in `ParsedDocument.hidden` (its span is the point in the text where it was).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import multiprocessing as mp
import os
import resource
import signal
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pypdf  # imported here so each parsing child inherits it instead of re-importing

from appealgen import errors
from appealgen.models import PageSpan, ParsedDocument
from appealgen.settings import ParseLimits
from appealgen.stages import parse_server
from appealgen.stages.cleaning import INVISIBLE, Cut, clean_page, removal_findings
from appealgen.stages.cleaning import normalize_text as normalize_text  # part of parse's interface
from appealgen.stages.pdf_reader import extract_pages

_TEXT_SUFFIXES = {".txt": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown"}
_MIN_CHARS_PER_PAGE = 20
_PDF_MAGIC = b"%PDF-"
_NOT_A_LETTER = "The file is neither a PDF nor a text document. Upload the denial letter as PDF or text."


def parse(
    source: bytes | str | Path,
    *,
    name: str | None = None,
    limits: ParseLimits | None = None,
) -> ParsedDocument:
    """Read a PDF or text document into clean text with page offsets.

    Args:
        source: a path, raw bytes, or already-decoded text.
        name: the file name; its suffix must agree with the bytes (.pdf, .txt, .md).
        limits: hard limits for untrusted input.

    Raises:
        DocumentError: (a subclass of) for unreadable, empty, encrypted, image-only,
            malformed, oversized, polyglot or misnamed input.
    """
    limits = limits or ParseLimits()
    if isinstance(source, Path):
        name = name or source.name
        data = _read_file(source, limits)
    elif isinstance(source, str):
        data = source.encode("utf-8")
    else:
        data = source
    if len(data) > limits.max_bytes:
        raise errors.LimitExceededError(
            f"The file is {len(data):,} bytes; the limit is {limits.max_bytes:,} bytes."
        )
    if not data.strip():
        raise errors.EmptyDocumentError("The document is empty.")
    digest = hashlib.sha256(data).hexdigest()
    is_pdf = _sniff_pdf(data)
    _check_name(name, is_pdf)
    if is_pdf:
        return _parse_pdf(data, digest, name, limits)
    return _parse_text(data, digest, name, limits)


def _sniff_pdf(data: bytes) -> bool:
    """Whether the bytes are a PDF; a PDF hidden inside another format is refused."""
    head = data[:1024]
    if head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").startswith(_PDF_MAGIC):  # a BOM proves nothing else
        _check_pdf_end(data)
        return True
    if _PDF_MAGIC in head:
        raise errors.UnsupportedFormatError(
            "The file holds a PDF inside another format (a polyglot). Upload the letter as a plain PDF."
        )
    return False


def _check_pdf_end(data: bytes) -> None:
    end = data.rfind(b"%%EOF")
    if end < 0:
        raise errors.MalformedPdfError("The PDF is truncated: it has no end-of-file marker.")
    extra = len(data[end + 5 :].strip(b" \t\r\n\x00\x1a"))  # padding and a DOS end-of-file byte are harmless
    if extra:
        raise errors.UnsupportedFormatError(
            f"The PDF has {extra:,} bytes of other data after its end, so it may be two files in one "
            "(a polyglot). Upload the letter as a plain PDF."
        )


def _check_name(name: str | None, is_pdf: bool) -> None:
    suffix = Path(name).suffix.lower() if name else ""
    if suffix == ".pdf" and not is_pdf:
        raise errors.UnsupportedFormatError("The file is named .pdf but is not a PDF. Upload the letter itself.")
    if suffix in _TEXT_SUFFIXES and is_pdf:
        raise errors.UnsupportedFormatError(
            f"The file is named {suffix} but is a PDF. Rename it to .pdf or upload the letter's text."
        )


def _read_file(path: Path, limits: ParseLimits) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise errors.DocumentError(f"File not found: {path}") from None
    except OSError as exc:
        raise errors.DocumentError(f"Cannot read {path}: {exc.strerror}") from None
    if path.is_dir():
        raise errors.DocumentError(f"{path} is a folder, not a file.")
    if size > limits.max_bytes:
        raise errors.LimitExceededError(
            f"The file is {size:,} bytes; the limit is {limits.max_bytes:,} bytes."
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise errors.DocumentError(f"Cannot read {path}: {exc.strerror}") from None


def _parse_text(data: bytes, digest: str, name: str | None, limits: ParseLimits) -> ParsedDocument:
    if b"\x00" in data[:4096]:
        raise errors.UnsupportedFormatError(_NOT_A_LETTER)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    text = text.replace(INVISIBLE, "")
    if _looks_binary(text):
        raise errors.UnsupportedFormatError(_NOT_A_LETTER)
    if len(text) > limits.max_chars:
        raise errors.LimitExceededError(
            f"The text has {len(text):,} characters; the limit is {limits.max_chars:,}."
        )
    text, cuts = clean_page(text, [])
    if not text.strip():
        raise errors.EmptyDocumentError("The document has no text.")
    suffix = Path(name).suffix.lower() if name else ""
    media = _TEXT_SUFFIXES.get(suffix, "text/plain")
    return ParsedDocument(
        text=text,
        media_type=media,
        page_count=1,
        pages=[PageSpan(page=1, start=0, end=len(text))],
        sha256=digest,
        source_name=name,
        hidden=removal_findings([(1, 0, c) for c in cuts], javascript=False),
    )


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    odd = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return odd / len(sample) > 0.05


def _parse_pdf(data: bytes, digest: str, name: str | None, limits: ParseLimits) -> ParsedDocument:
    outcome = _run_bounded(data, limits)
    if outcome[0] == "error":
        _, kind, message = outcome
        raise getattr(errors, kind, errors.MalformedPdfError)(message)
    pages, javascript = outcome[1], outcome[2]
    # A scanned letter has (almost) no text layer: read its page images with OCR instead.
    ocr = sum(len(raw.strip()) for raw, _ in pages) < _MIN_CHARS_PER_PAGE * max(1, len(pages)) / 2
    if ocr:
        from appealgen.stages.ocr import ocr_pages  # imported here: ocr imports this module

        pages = [(page, []) for page in ocr_pages(data, limits)]
    parts: list[str] = []
    spans: list[PageSpan] = []
    cuts: list[tuple[int, int, Cut]] = []
    offset = 0
    for number, (raw, invisible) in enumerate(pages, start=1):
        page_text, page_cuts = clean_page(raw, invisible)
        if parts:
            offset += 2  # the "\n\n" joining pages
        spans.append(PageSpan(page=number, start=offset, end=offset + len(page_text)))
        cuts += [(number, offset, c) for c in page_cuts]
        parts.append(page_text)
        offset += len(page_text)
    text = "\n\n".join(parts)
    if len(text.strip()) < _MIN_CHARS_PER_PAGE * max(1, len(pages)) / 2:
        raise errors.ImageOnlyPdfError(
            "OCR found no readable text in the scanned PDF. Upload a clearer scan, a text PDF or the letter's text."
        )
    if len(text) > limits.max_chars:
        raise errors.LimitExceededError(
            f"The PDF text has {len(text):,} characters; the limit is {limits.max_chars:,}."
        )
    return ParsedDocument(
        text=text,
        media_type="application/pdf",
        page_count=len(pages),
        pages=spans,
        sha256=digest,
        ocr=ocr,
        source_name=name,
        hidden=removal_findings(cuts, javascript),
    )


def _run_bounded(data: bytes, limits: ParseLimits) -> tuple[Any, ...]:
    """Extract page texts in a child process under memory and time limits."""
    server = parse_server.current()
    if server is not None:
        try:
            conn = server.connect()
        except OSError:
            conn = None
        if conn is not None:
            return _ask_server(conn, data, limits)
    return _run_forked(data, limits)


def _ask_server(conn: Connection, data: bytes, limits: ParseLimits) -> tuple[Any, ...]:
    """Send the PDF to a fresh child of the parse server and wait for its answer, within limits.

    The child announces its pid before it reads the request, so the request is only sent to a
    running child, and a child that overruns the time limit can be killed.
    """
    deadline = time.monotonic() + limits.timeout_s  # one limit for the whole exchange

    def answered() -> bool:
        return conn.poll(max(0.0, deadline - time.monotonic()))

    try:
        if not answered():
            raise _timed_out(limits)
        _, pid = conn.recv()
        conn.send((data, limits))
        if not answered():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)  # still running (it has not answered), so the pid is its own
            raise _timed_out(limits)
        return tuple(conn.recv())
    except (EOFError, ConnectionError):
        raise _reader_died() from None
    finally:
        conn.close()


def _timed_out(limits: ParseLimits) -> errors.LimitExceededError:
    return errors.LimitExceededError(f"Reading the PDF took longer than {limits.timeout_s:g} s; it was stopped.")


def _reader_died() -> errors.LimitExceededError:
    return errors.LimitExceededError("Reading the PDF exceeded the memory limit or crashed the reader; it was stopped.")


def serve_one(conn: Connection) -> None:
    """In a child of the parse server: announce this process, read one request, answer it."""
    conn.send(("pid", os.getpid()))
    data, limits = conn.recv()
    _child_extract(data, limits, conn)


def _run_forked(data: bytes, limits: ParseLimits) -> tuple[Any, ...]:
    """Extract page texts in a fork of this process under memory and time limits."""
    ctx = mp.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_extract, args=(data, limits, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.timeout_s):
            raise _timed_out(limits)
        try:
            return tuple(receiver.recv())
        except EOFError:
            raise _reader_died() from None
    finally:
        if child.is_alive():
            child.kill()
        child.join(timeout=5)
        receiver.close()


def _child_extract(data: bytes, limits: ParseLimits, sender: Connection) -> None:
    # The cap is on memory added while parsing: the child starts with the parent's address
    # space (a server with numpy and Chroma loaded can already map most of a GiB).
    cap = _mapped_bytes() + limits.memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):  # a platform without RLIMIT_AS
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    logging.getLogger("pypdf").setLevel(logging.CRITICAL + 1)  # its warnings would reach the caller's stderr
    try:
        sender.send(("ok", *extract_pages(data, limits)))
    except errors.AppealgenError as exc:
        sender.send(("error", type(exc).__name__, exc.message))
    except MemoryError:
        sender.send(("error", "LimitExceededError", "The PDF needs more memory than allowed."))
    except RecursionError:
        sender.send(("error", "MalformedPdfError", "The PDF structure is too deeply nested."))
    except pypdf.errors.LimitReachedError:
        sender.send(("error", "LimitExceededError", "The PDF declares or inflates to more data than allowed."))
    except Exception as exc:  # noqa: BLE001 - any pypdf failure means a malformed file
        sender.send(("error", "MalformedPdfError", f"The PDF is damaged or not a valid PDF ({type(exc).__name__})."))
    finally:
        sender.close()


def _mapped_bytes() -> int:
    """This process's mapped address space (0 where /proc is not available)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0
