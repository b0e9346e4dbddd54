"""OCR for image-only (scanned) PDFs: each page's images read by the tesseract CLI.

Called by parse when a PDF has no text layer. The work runs in a forked child, in its own
process group, under the same limits as parsing: an address-space cap (inherited by the
tesseract processes it starts) and one wall-clock timeout for the whole document. Without
tesseract the letter is refused with a message that says how to install it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import multiprocessing as mp
import os
import resource
import shutil
import signal
import subprocess
import time
from multiprocessing.connection import Connection

import pypdf

from appealgen import errors
from appealgen.settings import ParseLimits
from appealgen.stages.parse import _mapped_bytes

INSTALL_HINT = (
    "The PDF has no text layer (it looks scanned) and OCR is not available: install tesseract "
    "(Debian/Ubuntu: apt-get install tesseract-ocr; macOS: brew install tesseract), "
    "or upload a text PDF or the letter's text."
)


def tesseract_path() -> str | None:
    """The tesseract executable on PATH, or None when OCR is not available."""
    return shutil.which("tesseract")


def ocr_pages(data: bytes, limits: ParseLimits) -> list[str]:
    """The text of each page of an image-only PDF, read by tesseract.

    Args:
        data: the PDF bytes (already checked by parse).
        limits: the parse limits; OCR gets its own wall-clock budget of limits.timeout_s.

    Raises:
        ImageOnlyPdfError: tesseract is not installed.
        LimitExceededError: OCR ran past the time or memory limit.
        MalformedPdfError: the page images cannot be read.
    """
    exe = tesseract_path()
    if exe is None:
        raise errors.ImageOnlyPdfError(INSTALL_HINT)
    ctx = mp.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_ocr, args=(exe, data, limits, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.timeout_s):
            raise errors.LimitExceededError(f"OCR of the scanned PDF took longer than {limits.timeout_s:g} s; it was stopped.")
        try:
            outcome = receiver.recv()
        except EOFError:
            raise errors.LimitExceededError("OCR of the scanned PDF exceeded the memory limit; it was stopped.") from None
    finally:
        assert child.pid is not None  # set by start()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)  # the child and any tesseract it started
        child.join(timeout=5)
        receiver.close()
    if outcome[0] == "error":
        raise getattr(errors, outcome[1], errors.MalformedPdfError)(outcome[2])
    return list(outcome[1])


def _child_ocr(exe: str, data: bytes, limits: ParseLimits, sender: Connection) -> None:
    os.setpgrp()
    cap = _mapped_bytes() + limits.memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):  # a platform without RLIMIT_AS
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    logging.getLogger("pypdf").disabled = True
    deadline = time.monotonic() + limits.timeout_s
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        texts = []
        for page in list(reader.pages)[: limits.max_pages]:
            parts = [_tesseract(exe, _png(image.image), deadline) for image in page.images]
            texts.append("\n".join(p for p in parts if p.strip()))
        sender.send(("ok", texts))
    except errors.AppealgenError as exc:
        sender.send(("error", type(exc).__name__, exc.message))
    except MemoryError:
        sender.send(("error", "LimitExceededError", "OCR of the scanned PDF needs more memory than allowed."))
    except Exception as exc:  # noqa: BLE001 - an unreadable image means a damaged file
        sender.send(("error", "MalformedPdfError", f"The scanned PDF's images cannot be read ({type(exc).__name__})."))
    finally:
        sender.close()


def _png(image: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")  # type: ignore[attr-defined]
    return buffer.getvalue()


def _tesseract(exe: str, png: bytes, deadline: float) -> str:
    left = deadline - time.monotonic()
    if left <= 0:
        raise errors.LimitExceededError("OCR of the scanned PDF ran out of time.")
    try:
        done = subprocess.run(  # noqa: S603 - a fixed executable found on PATH, no shell
            [exe, "stdin", "stdout", "-l", "eng", "--psm", "3"],
            input=png,
            capture_output=True,
            timeout=left,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise errors.LimitExceededError("OCR of the scanned PDF ran out of time.") from None
    if done.returncode != 0:
        raise errors.DependencyError("tesseract could not read a page image of the PDF.")
    return done.stdout.decode("utf-8", errors="replace")
