"""The PDF side of parse, run inside its forked, capped child: structure checks, then visible text.

Refused before any text is read: a cross-reference chain that loops or runs long, an outline
that nests too deep, is too long or loops, too many pages, a password. Text a reader cannot
see (white, tiny, invisible render mode, off the page) is cut out and returned apart.
"""

from __future__ import annotations

import io
import math
import re
from typing import Any

import pypdf

from appealgen import errors
from appealgen.settings import ParseLimits
from appealgen.stages.cleaning import INVISIBLE, MAX_MARKED

_MAX_OUTLINE_DEPTH = 32  # real letters have no outline or a flat one; deeper nesting is hostile
_MAX_OUTLINE_ITEMS = 5000
_MAX_XREF_SECTIONS = 64  # one per incremental update; real letters have a few
_STARTXREF = re.compile(rb"startxref\s+(\d+)")
_PREV = re.compile(rb"/Prev\s+(\d+)")

def extract_pages(data: bytes, limits: ParseLimits) -> tuple[list[tuple[str, list[str]]], bool]:
    """Each page's text (invisible runs replaced by a marker) with those runs, and whether there is JavaScript."""
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    _check_xref_chain(data)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                unlocked = bool(reader.decrypt(""))  # PasswordType.NOT_DECRYPTED is 0
            except Exception:  # noqa: BLE001 - unsupported crypto counts as locked
                unlocked = False
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
_FILL_PATH = {b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"}
_END_PATH = {b"n", b"S", b"s"}
_HIDING_MODES = {3, 7}  # Tr 3: neither fill nor stroke; Tr 7: clip only
_TINY_PT = 3.0
_PAGE_MARGIN = 36.0


class _Ink:
    """Follows the content stream's graphics state to tell whether shown text can be seen.

    Text counts as invisible when it is filled near-white (unless it starts on a rectangle
    filled in another colour), drawn in an invisible render mode (not on a page with images,
    where that is how OCR layers sit over a scan), under 3 pt, or outside the page. Not seen:
    white text on a dark image, text covered by a later shape or image, clipping. The finding
    quotes what was left out so a person can check.
    """

    def __init__(self, page: Any) -> None:
        box = page.mediabox
        self.box = (float(box.left), float(box.bottom), float(box.right), float(box.top))
        self.has_images = bool(_page_images(page))
        self.white = False
        self.mode = 0
        self.saved: list[tuple[bool, int]] = []
        self.path: list[tuple[float, float, float, float]] = []
        self.filled: list[tuple[float, float, float, float]] = []  # rectangles filled in a non-white colour
        self.pending: list[str] = []  # per text-showing operator: "mode", "white" or ""
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
        elif op == b"re" and len(args) == 4:
            self.path.append(_box(cm, *(float(a) for a in args)))
        elif op in _FILL_PATH or op in _END_PATH:
            if op in _FILL_PATH and not self.white:
                self.filled += self.path
            self.path = []
        elif op in _SHOW_TEXT:
            hiding_mode = self.mode in _HIDING_MODES and not self.has_images
            self.pending.append("mode" if hiding_mode else "white" if self.white else "")

    def text(self, text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        """visitor_text: file the flushed text as visible or invisible."""
        text = text.replace(INVISIBLE, "")
        if not text.strip():
            self.fragments.append((text, False))
            return
        x, y = _origin(cm, tm)
        on_colour = any(x0 <= x <= x1 and y0 <= y <= y1 for x0, y0, x1, y1 in self.filled)
        unseen = bool(self.pending) and all(self.pending) and not (on_colour and "mode" not in self.pending)
        self.pending = []
        self.fragments.append((text, unseen or self._tiny(cm, tm, size) or self._off_page(cm, tm)))

    def _tiny(self, cm: list[float], tm: list[float], size: float) -> bool:
        a, b, c, d = (tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3],
                      tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3])
        return abs(size) * math.sqrt(abs(a * d - b * c)) < _TINY_PT

    def _off_page(self, cm: list[float], tm: list[float]) -> bool:
        x, y = _origin(cm, tm)
        left, bottom, right, top = self.box
        return not (left - _PAGE_MARGIN <= x <= right + _PAGE_MARGIN and bottom - _PAGE_MARGIN <= y <= top + _PAGE_MARGIN)

    def result(self) -> tuple[str, list[str]]:
        """The page text with each invisible run replaced by one marker, and the runs."""
        parts: list[str] = []
        runs: list[str] = []
        for text, unseen in self.fragments:
            if unseen and ((parts and parts[-1] == INVISIBLE) or len(runs) >= MAX_MARKED):
                runs[-1] += text  # the last marker stands for the rest, so a hostile page stays cheap
            elif unseen:
                parts.append(INVISIBLE)
                runs.append(text)
            else:
                parts.append(text)
        return "".join(parts), runs


def _origin(cm: list[float], tm: list[float]) -> tuple[float, float]:
    """Where text starts on the page (the text matrix's origin in default user space)."""
    return tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]


def _box(cm: list[float], x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
    """A rectangle in user space mapped to default user space, as (left, bottom, right, top)."""
    xs, ys = zip(*((cm[0] * px + cm[2] * py + cm[4], cm[1] * px + cm[3] * py + cm[5])
                   for px, py in ((x, y), (x + w, y), (x, y + h), (x + w, y + h))), strict=True)
    return min(xs), min(ys), max(xs), max(ys)


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
