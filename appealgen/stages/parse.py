"""parse: a denial letter (PDF bytes or text) -> ParsedDocument, within hard limits.

PDF parsing runs in a forked child process with an address-space limit and a wall-clock
timeout, so a hostile file can neither hang nor exhaust the calling process.

What the bytes are decides how they are read: a PDF must start with its header and end at its
last %%EOF; a PDF header elsewhere (a ZIP or HTML file carrying a PDF) or data after the end
(a PDF carrying a ZIP) is refused as a polyglot, and so is a file whose name says PDF while its
bytes say text, or the reverse. JavaScript in a PDF is never run: its text layer is read and the
script is reported.

The text is cleaned here, once, so every offset downstream (evidence spans, page spans) points
into the clean text: zero-width and bidi control characters are removed, text a reader cannot
see (white, tiny, invisible render mode, off the page) is left out, and sentences that address
a language model ("ignore previous instructions...") are left out. Each removal is kept as a
warning Finding in `ParsedDocument.hidden` (its span is the point in the text where it was).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import math
import multiprocessing as mp
import re
import resource
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pypdf  # imported here so each forked parsing child inherits it instead of re-importing

from appealgen import errors
from appealgen.models import Finding, PageSpan, ParsedDocument, Span
from appealgen.settings import ParseLimits
from appealgen.untrusted import CONTROL_RE, OVERRIDE_RE, instruction_spans

_TEXT_SUFFIXES = {".txt": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown"}
_MIN_CHARS_PER_PAGE = 20
_PDF_MAGIC = b"%PDF-"
_MAX_OUTLINE_DEPTH = 32  # real letters have no outline or a flat one; deeper nesting is hostile
_MAX_OUTLINE_ITEMS = 5000
_MAX_XREF_SECTIONS = 64  # one per incremental update; real letters have a few
_STARTXREF = re.compile(rb"startxref\s+(\d+)")
_PREV = re.compile(rb"/Prev\s+(\d+)")
_MAX_FINDINGS = 20
# Markers for removed content (parse strips these characters from the input first), and the rule of each.
_INVISIBLE, _CONTROL, _OVERRIDE = "\x00", "\x01", "\x02"
_MARKED = {_INVISIBLE: "invisible_text", _CONTROL: "hidden_characters", _OVERRIDE: "reordered_text"}
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
    if head.lstrip(b" \t\r\n").startswith(_PDF_MAGIC):
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
    extra = len(data[end + 5 :].strip(b" \t\r\n\x00"))
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
    text = text.replace(_INVISIBLE, "")
    if _looks_binary(text):
        raise errors.UnsupportedFormatError(_NOT_A_LETTER)
    if len(text) > limits.max_chars:
        raise errors.LimitExceededError(
            f"The text has {len(text):,} characters; the limit is {limits.max_chars:,}."
        )
    text, cuts = _clean(text, [])
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
        hidden=_findings([(1, 0, c) for c in cuts], javascript=False),
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


@dataclass(frozen=True)
class _Cut:
    """Something removed from the text: its kind, where it was (in the clean text) and what it was."""

    kind: str
    at: int
    text: str


def _clean(raw: str, invisible: list[str]) -> tuple[str, list[_Cut]]:
    """Normalised text without control characters, invisible runs or instruction sentences.

    Args:
        raw: page text in which each invisible run was replaced by one _INVISIBLE marker.
        invisible: the invisible runs, in order.
    """
    raw = raw.replace(_CONTROL, "").replace(_OVERRIDE, "")
    overrides = OVERRIDE_RE.findall(raw)
    raw = OVERRIDE_RE.sub(_OVERRIDE, raw)
    controls = CONTROL_RE.findall(raw)
    text = normalize_text(CONTROL_RE.sub(_CONTROL, raw))
    text, cuts = _cut_markers(text, {_INVISIBLE: iter(invisible), _CONTROL: iter(controls), _OVERRIDE: iter(overrides)})
    return _cut_instructions(text, cuts)


def _cut_markers(text: str, removed: dict[str, Any]) -> tuple[str, list[_Cut]]:
    out: list[str] = []
    cuts: list[_Cut] = []
    last = length = 0
    for m in re.finditer(f"[{''.join(_MARKED)}]", text):
        piece = _after_cut(text[last : m.start()], out) if cuts else text[last : m.start()]
        out.append(piece)
        length += len(piece)
        last = m.end()
        cuts.append(_Cut(_MARKED[m.group()], length, next(removed[m.group()], "")))
    out.append(_after_cut(text[last:], out) if cuts else text[last:])
    return _stripped("".join(out), cuts)


def _after_cut(piece: str, out: list[str]) -> str:
    """A run removed between two white spaces (spaces or line ends) leaves one, not two."""
    before = next((p[-1] for p in reversed(out) if p), "\n")
    return piece[1:] if piece[:1] in (" ", "\n") and before in (" ", "\n") else piece


def _stripped(text: str, cuts: list[_Cut]) -> tuple[str, list[_Cut]]:
    """text.strip(), with each cut's position moved to match."""
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    return text, [_Cut(c.kind, min(max(0, c.at - lead), len(text)), c.text) for c in cuts]


def _cut_instructions(text: str, cuts: list[_Cut]) -> tuple[str, list[_Cut]]:
    spans = instruction_spans(text)
    if not spans:
        return text, cuts
    out: list[str] = []
    last = 0
    removed: list[tuple[int, int]] = []
    for start, end in spans:
        out.append(text[last:start])
        last = end + 1 if text[end : end + 1] in (" ", "\n") else end
        removed.append((start, last))
    out.append(text[last:])

    def moved(at: int) -> int:
        return at - sum(min(at, e) - s for s, e in removed if s < at)

    kept = [_Cut(c.kind, moved(c.at), c.text) for c in cuts]
    kept += [_Cut("denial_instructions", moved(s), text[s:e].strip()) for s, e in removed]
    return _stripped("".join(out), sorted(kept, key=lambda c: c.at))


_MESSAGES = {
    "hidden_characters": "Zero-width or bidi control characters ({what}) were removed from the letter text.",
    "reordered_text": "Text under a bidi override, displayed as {what}, was left out: its bytes say something else.",
    "invisible_text": "Text a reader cannot see (white, tiny, invisible or off the page) was left out: {what}",
    "denial_instructions": "The denial contains text addressed to a language model; it was left out: {what}",
}


def _quoted(cut: _Cut) -> str:
    """What a cut removed, for a message: code points, or the text (as displayed, for an override)."""
    if cut.kind == "hidden_characters":
        return ", ".join(sorted({f"U+{ord(ch):04X}" for ch in cut.text}))
    text = CONTROL_RE.sub("", cut.text)
    shown = text[::-1] if cut.text.startswith("\u202e") else text
    return repr(" ".join(shown.split())[:160])


def _findings(cuts: list[tuple[int, int, _Cut]], javascript: bool) -> list[Finding]:
    """Warnings for what cleaning removed; spans are zero-width points in ParsedDocument.text."""
    out = []
    for page, offset, cut in cuts[:_MAX_FINDINGS]:
        out.append(Finding(
            rule=cut.kind, severity="warning", message=f"Page {page}: " + _MESSAGES[cut.kind].format(what=_quoted(cut)),
            span=Span(start=offset + cut.at, end=offset + cut.at, text=""), section="denial",
        ))
    if len(cuts) > _MAX_FINDINGS:
        out.append(Finding(rule="hidden_content", severity="warning", section="denial",
                           message=f"{len(cuts) - _MAX_FINDINGS} more hidden items were removed."))
    if javascript:
        out.append(Finding(rule="pdf_javascript", severity="warning", section="denial",
                           message="The PDF carries JavaScript. It was not run; only the letter's text was read."))
    return out


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
    cuts: list[tuple[int, int, _Cut]] = []
    offset = 0
    for number, (raw, invisible) in enumerate(pages, start=1):
        page_text, page_cuts = _clean(raw, invisible)
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
        hidden=_findings(cuts, javascript),
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
    # The cap is on memory added while parsing: the child starts with the parent's address
    # space (a server with numpy and Chroma loaded can already map most of a GiB).
    cap = _mapped_bytes() + limits.memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):  # a platform without RLIMIT_AS
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    logging.getLogger("pypdf").disabled = True  # its warnings would reach the caller's stderr
    try:
        sender.send(("ok", *_extract_pages(data, limits)))
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


def _extract_pages(data: bytes, limits: ParseLimits) -> tuple[list[tuple[str, list[str]]], bool]:
    """Each page's text (invisible runs replaced by a marker) with those runs, and whether there is JavaScript."""
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    _check_xref_chain(data)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
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
        catalog = reader.trailer["/Root"].get_object()
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
    _check_outline(catalog)
    pages: list[tuple[str, list[str]]] = []
    total = 0
    for page in reader.pages:
        text, invisible = _visible_text(page)
        total += len(text) + sum(map(len, invisible))
        if total > limits.max_chars:
            raise errors.LimitExceededError(
                f"The PDF text exceeds {limits.max_chars:,} characters."
            )
        pages.append((text, invisible))
    return pages, _has_javascript(catalog)


def _check_xref_chain(data: bytes) -> None:
    """Refuse a cross-reference chain (startxref, then each section's /Prev) that loops or runs too long.

    pypdf notices a loop and reads on, but a file built that way is hostile, not a letter.
    """
    last = list(_STARTXREF.finditer(data, max(0, len(data) - 4096)))
    offset: int | None = int(last[-1].group(1)) if last else None
    seen: set[int] = set()
    while offset is not None and offset < len(data):
        if offset in seen:
            raise errors.MalformedPdfError("The PDF's cross-reference chain (/Prev) loops back on itself.")
        if len(seen) >= _MAX_XREF_SECTIONS:
            raise errors.MalformedPdfError(f"The PDF has more than {_MAX_XREF_SECTIONS} cross-reference sections.")
        seen.add(offset)
        end = data.find(b"startxref", offset)
        prev = _PREV.search(data, offset, end if end >= 0 else len(data))
        offset = int(prev.group(1)) if prev else None


def _check_outline(catalog: Any) -> None:
    """Refuse an outline (bookmarks) that nests too deep, is too long or loops."""
    from pypdf.generic import DictionaryObject, IndirectObject

    stack = [(catalog.raw_get("/Outlines"), 0)] if "/Outlines" in catalog else []
    seen: set[tuple[int, int]] = set()
    while stack:
        ref, depth = stack.pop()
        if isinstance(ref, IndirectObject):
            if (ref.idnum, ref.generation) in seen:
                raise errors.MalformedPdfError("The PDF's outline (bookmarks) loops back on itself.")
            seen.add((ref.idnum, ref.generation))
        if depth > _MAX_OUTLINE_DEPTH or len(seen) > _MAX_OUTLINE_ITEMS:
            raise errors.MalformedPdfError(
                f"The PDF's outline (bookmarks) is deeper than {_MAX_OUTLINE_DEPTH} levels or longer than "
                f"{_MAX_OUTLINE_ITEMS:,} items; it is not a letter."
            )
        node = ref.get_object() if ref is not None else None
        if isinstance(node, DictionaryObject):
            stack += [(node.raw_get(key), depth + step) for key, step in (("/First", 1), ("/Next", 0)) if key in node]


def _has_javascript(catalog: Any) -> bool:
    names = catalog.get("/Names")
    action = catalog.get("/OpenAction")
    in_names = bool(names) and "/JavaScript" in names.get_object()
    in_action = hasattr(action, "get") and action.get("/S") == "/JavaScript"
    return in_names or in_action


_SHOW_TEXT = {b"Tj", b"TJ", b"'", b'"'}
_INVISIBLE_MODES = {3, 7}  # Tr 3: neither fill nor stroke; Tr 7: clip only
_TINY_PT = 3.0
_PAGE_MARGIN = 36.0


class _Ink:
    """Follows the content stream's graphics state to tell whether shown text can be seen.

    Text counts as invisible when it is filled near-white, drawn in an invisible render mode
    (not on a page with images, where that is how OCR layers sit over a scan), under 3 pt, or
    outside the page. White text on a dark box is visible yet counts as invisible here; the
    finding quotes what was left out so a person can check.
    """

    def __init__(self, page: Any) -> None:
        box = page.mediabox
        self.box = (float(box.left), float(box.bottom), float(box.right), float(box.top))
        self.has_images = bool(_page_images(page))
        self.white = False
        self.mode = 0
        self.saved: list[tuple[bool, int]] = []
        self.pending: list[bool] = []
        self.fragments: list[tuple[str, bool]] = []

    def operator(self, op: bytes, args: list[Any], cm: list[float], tm: list[float]) -> None:
        """visitor_operand_before: track q/Q, fill colour, render mode and each text-showing operator."""
        if op == b"q":
            self.saved.append((self.white, self.mode))
        elif op == b"Q" and self.saved:
            self.white, self.mode = self.saved.pop()
        elif op in (b"g", b"rg", b"k", b"sc", b"scn"):
            self.white = _is_white(op, args)
        elif op == b"Tr" and args:
            self.mode = int(args[0]) if isinstance(args[0], int | float) else 0
        elif op in _SHOW_TEXT:
            self.pending.append(self.white or (self.mode in _INVISIBLE_MODES and not self.has_images))

    def text(self, text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        """visitor_text: file the flushed text as visible or invisible."""
        text = text.replace(_INVISIBLE, "")
        if not text.strip():
            self.fragments.append((text, False))
            return
        unseen = bool(self.pending) and all(self.pending)
        self.pending = []
        self.fragments.append((text, unseen or self._tiny(cm, tm, size) or self._off_page(cm, tm)))

    def _tiny(self, cm: list[float], tm: list[float], size: float) -> bool:
        a, b, c, d = (tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3],
                      tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3])
        return abs(size) * math.sqrt(abs(a * d - b * c)) < _TINY_PT

    def _off_page(self, cm: list[float], tm: list[float]) -> bool:
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        left, bottom, right, top = self.box
        return not (left - _PAGE_MARGIN <= x <= right + _PAGE_MARGIN and bottom - _PAGE_MARGIN <= y <= top + _PAGE_MARGIN)

    def result(self) -> tuple[str, list[str]]:
        """The page text with each invisible run replaced by one marker, and the runs."""
        parts: list[str] = []
        runs: list[str] = []
        for text, unseen in self.fragments:
            if unseen and parts and parts[-1] == _INVISIBLE:
                runs[-1] += text
            elif unseen:
                parts.append(_INVISIBLE)
                runs.append(text)
            else:
                parts.append(text)
        return "".join(parts), runs


def _is_white(op: bytes, args: list[Any]) -> bool:
    try:
        values = [float(a) for a in args]
    except (TypeError, ValueError):
        return False  # a pattern or named colour
    if op == b"k" or len(values) == 4:
        return bool(values) and all(v <= 0.05 for v in values)
    return bool(values) and all(v >= 0.95 for v in values)


def _page_images(page: Any) -> list[Any]:
    try:
        xobjects = page["/Resources"]["/XObject"]
        return [x for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image"]
    except (KeyError, TypeError, AttributeError):
        return []


def _visible_text(page: Any) -> tuple[str, list[str]]:
    ink = _Ink(page)
    page.extract_text(visitor_operand_before=ink.operator, visitor_text=ink.text)
    return ink.result()
