"""parse: a denial letter (PDF bytes or text) -> ParsedDocument, within hard limits.

PDF parsing runs in a forked child process with an address-space limit and a wall-clock
timeout, so a hostile file can neither hang nor exhaust the calling process.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing as mp
import re
import resource
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pypdf  # imported here so each forked parsing child inherits it instead of re-importing

from appealgen import errors
from appealgen.models import PageSpan, ParsedDocument
from appealgen.settings import ParseLimits

_TEXT_SUFFIXES = {".txt": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown"}
_MIN_CHARS_PER_PAGE = 20


def parse(
    source: bytes | str | Path,
    *,
    name: str | None = None,
    limits: ParseLimits | None = None,
) -> ParsedDocument:
    """Read a PDF or text document into text with page offsets.

    Args:
        source: a path, raw bytes, or already-decoded text.
        name: the file name, used to tell Markdown from plain text.
        limits: hard limits for untrusted input.

    Raises:
        DocumentError: (a subclass of) for unreadable, empty, encrypted, image-only,
            malformed or oversized input.
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
    if data[:1024].lstrip().startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return _parse_pdf(data, digest, name, limits)
    return _parse_text(data, digest, name, limits)


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
        raise errors.UnsupportedFormatError(
            "The file is neither a PDF nor a text document. Upload the denial letter as PDF or text."
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if _looks_binary(text):
        raise errors.UnsupportedFormatError(
            "The file is neither a PDF nor a text document. Upload the denial letter as PDF or text."
        )
    text = normalize_text(text)
    if len(text) > limits.max_chars:
        raise errors.LimitExceededError(
            f"The text has {len(text):,} characters; the limit is {limits.max_chars:,}."
        )
    if not text.strip():
        raise errors.EmptyDocumentError("The document has no text.")
    suffix = Path(name).suffix.lower() if name else ""
    media = _TEXT_SUFFIXES.get(suffix, "text/plain")
    return ParsedDocument(
        text=text,
        media_type=media,  # type: ignore[arg-type]
        page_count=1,
        pages=[PageSpan(page=1, start=0, end=len(text))],
        sha256=digest,
        source_name=name,
    )


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    odd = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return odd / len(sample) > 0.05


_HYPHEN_BREAK = re.compile(r"(\w)-\n[ \t]*([a-z])")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANKS = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """Mend line-end hyphenation, unify newlines and collapse runs of spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", text).strip()


def _parse_pdf(data: bytes, digest: str, name: str | None, limits: ParseLimits) -> ParsedDocument:
    outcome = _run_bounded(data, limits)
    if outcome[0] == "error":
        _, kind, message = outcome
        raise getattr(errors, kind, errors.MalformedPdfError)(message)
    page_texts: list[str] = outcome[1]
    parts: list[str] = []
    spans: list[PageSpan] = []
    offset = 0
    for number, raw in enumerate(page_texts, start=1):
        page_text = normalize_text(raw)
        if parts:
            offset += 2  # the "\n\n" joining pages
        spans.append(PageSpan(page=number, start=offset, end=offset + len(page_text)))
        parts.append(page_text)
        offset += len(page_text)
    text = "\n\n".join(parts)
    if len(text.strip()) < _MIN_CHARS_PER_PAGE * max(1, len(page_texts)) / 2:
        raise errors.ImageOnlyPdfError(
            "The PDF has no text layer (it looks scanned). Install tesseract-ocr for OCR, "
            "or upload a text PDF or the letter's text."
        )
    if len(text) > limits.max_chars:
        raise errors.LimitExceededError(
            f"The PDF text has {len(text):,} characters; the limit is {limits.max_chars:,}."
        )
    return ParsedDocument(
        text=text,
        media_type="application/pdf",
        page_count=len(page_texts),
        pages=spans,
        sha256=digest,
        source_name=name,
    )


def _run_bounded(data: bytes, limits: ParseLimits) -> tuple[Any, ...]:
    """Extract page texts in a child process under memory and time limits."""
    ctx = mp.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_extract, args=(data, limits, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.timeout_s):
            raise errors.LimitExceededError(
                f"Reading the PDF took longer than {limits.timeout_s:g} s; it was stopped."
            )
        try:
            return tuple(receiver.recv())
        except EOFError:
            raise errors.LimitExceededError(
                "Reading the PDF exceeded the memory limit or crashed the reader; it was stopped."
            ) from None
    finally:
        if child.is_alive():
            child.kill()
        child.join(timeout=5)
        receiver.close()


def _child_extract(data: bytes, limits: ParseLimits, sender: Connection) -> None:
    cap = limits.memory_mb * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ValueError, OSError):  # pragma: no cover - platform without RLIMIT_AS
        pass
    try:
        sender.send(("ok", _extract_pages(data, limits)))
    except errors.AppealgenError as exc:
        sender.send(("error", type(exc).__name__, exc.message))
    except MemoryError:
        sender.send(("error", "LimitExceededError", "The PDF needs more memory than allowed."))
    except RecursionError:
        sender.send(("error", "MalformedPdfError", "The PDF structure is too deeply nested."))
    except Exception as exc:  # noqa: BLE001 - any pypdf failure means a malformed file
        sender.send(("error", "MalformedPdfError", f"The PDF is damaged or not a valid PDF ({type(exc).__name__})."))
    finally:
        sender.close()


def _extract_pages(data: bytes, limits: ParseLimits) -> list[str]:
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    PdfReader = pypdf.PdfReader
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")
            except Exception:  # noqa: BLE001 - unsupported crypto counts as locked
                unlocked = 0
            if not unlocked:
                raise errors.EncryptedPdfError(
                    "The PDF is password-protected. Remove the password (print to PDF) and upload it again."
                )
        count = len(reader.pages)
    except FileNotDecryptedError as exc:
        raise errors.EncryptedPdfError("The PDF is password-protected.") from exc
    except PdfReadError as exc:
        raise errors.MalformedPdfError(f"The PDF is damaged or truncated ({exc}).") from exc
    if count == 0:
        raise errors.EmptyDocumentError("The PDF has no pages.")
    if count > limits.max_pages:
        raise errors.LimitExceededError(
            f"The PDF has {count:,} pages; the limit is {limits.max_pages:,}."
        )
    texts: list[str] = []
    total = 0
    for page in reader.pages:
        text = page.extract_text() or ""
        total += len(text)
        if total > limits.max_chars:
            raise errors.LimitExceededError(
                f"The PDF text exceeds {limits.max_chars:,} characters."
            )
        texts.append(text)
    return texts
