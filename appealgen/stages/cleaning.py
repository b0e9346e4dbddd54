"""parse's cleaning of page text: normalised, with hidden content removed and recorded.

Removed are zero-width and bidi control characters, text under a bidi override (its display
differs from its bytes), runs the PDF reader found invisible (marked with INVISIBLE), and
sentences that address a language model. Each removal becomes a Cut at its position in the
clean text, and `removal_findings` turns Cuts into warnings for `ParsedDocument.hidden`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate

from appealgen.models import Finding, Span
from appealgen.untrusted import CONTROL_RE, OVERRIDE_RE, instruction_spans

# Markers for removed content (the input's own copies of these characters are dropped first).
INVISIBLE, _CONTROL, _OVERRIDE = "\x00", "\x01", "\x02"
_MARKED = {INVISIBLE: "invisible_text", _CONTROL: "hidden_characters", _OVERRIDE: "reordered_text"}
MAX_MARKED = 20  # removals recorded one by one per page (and findings per document)

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
class Cut:
    """Something removed from the text: its kind, where it was (in the clean text) and what it was."""

    kind: str
    at: int
    text: str


def clean_page(raw: str, invisible: list[str]) -> tuple[str, list[Cut]]:
    """Normalised text without control characters, invisible runs or instruction sentences.

    Args:
        raw: page text in which each invisible run was replaced by one INVISIBLE marker.
        invisible: the invisible runs, in order.
    """
    raw = raw.replace(_CONTROL, "").replace(_OVERRIDE, "")
    raw, overrides = _mark(OVERRIDE_RE, _OVERRIDE, raw, MAX_MARKED)
    raw, controls = _mark(CONTROL_RE, _CONTROL, raw, 1)
    text = normalize_text(raw)
    text, cuts = _cut_markers(text, {INVISIBLE: iter(invisible), _CONTROL: iter(controls), _OVERRIDE: iter(overrides)})
    return _cut_instructions(text, cuts)


def _mark(pattern: re.Pattern[str], marker: str, raw: str, most: int) -> tuple[str, list[str]]:
    """Replace the first `most` matches by `marker` and remove the rest; the last marker stands for the rest.

    Bounding the markers keeps a page of a million hidden characters as cheap as a clean one.
    """
    found: list[str] = []

    def replace(m: re.Match[str]) -> str:
        found.append(m.group())
        return marker if len(found) <= most else ""

    raw = pattern.sub(replace, raw)
    if len(found) > most:
        found[most - 1 :] = ["".join(found[most - 1 :])]
    return raw, found


def _cut_markers(text: str, removed: dict[str, Iterator[str]]) -> tuple[str, list[Cut]]:
    out: list[str] = []
    cuts: list[Cut] = []
    last = length = 0
    before = "\n"  # the last character kept so far
    for m in re.finditer(f"[{''.join(_MARKED)}]", text):
        piece = _after_cut(text[last : m.start()], before) if cuts else text[last : m.start()]
        out.append(piece)
        before = piece[-1] if piece else before
        length += len(piece)
        last = m.end()
        cuts.append(Cut(_MARKED[m.group()], length, next(removed[m.group()], "")))
    out.append(_after_cut(text[last:], before) if cuts else text[last:])
    return _stripped("".join(out), cuts)


def _after_cut(piece: str, before: str) -> str:
    """A run removed between two white spaces (spaces or line ends) leaves one, not two."""
    return piece[1:] if piece[:1] in (" ", "\n") and before in (" ", "\n") else piece


def _stripped(text: str, cuts: list[Cut]) -> tuple[str, list[Cut]]:
    """text.strip(), with each cut's position moved to match."""
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    return text, [Cut(c.kind, min(max(0, c.at - lead), len(text)), c.text) for c in cuts]


def _cut_instructions(text: str, cuts: list[Cut]) -> tuple[str, list[Cut]]:
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
    starts = [s for s, _ in removed]
    gone = list(accumulate((e - s for s, e in removed), initial=0))  # characters removed before each span

    def moved(at: int) -> int:
        i = bisect_left(starts, at)  # spans starting before `at`; `at` never falls inside one but the last
        inside = min(at, removed[i - 1][1]) - removed[i - 1][0] if i else 0
        return at - gone[i - 1] - inside if i else at

    kept = [Cut(c.kind, moved(c.at), c.text) for c in cuts]
    kept += [Cut("denial_instructions", moved(s), text[s:e].strip()) for s, e in removed]
    return _stripped("".join(out), sorted(kept, key=lambda c: c.at))


_MESSAGES = {
    "hidden_characters": "Zero-width or bidi control characters were removed from the letter text ({what}); "
    "the first was here.",
    "reordered_text": "Text under a bidi override, displayed as {what}, was left out: its bytes say something else.",
    "invisible_text": "Text a reader cannot see (white, tiny, invisible or off the page) was left out: {what}",
    "denial_instructions": "The denial contains text addressed to a language model; it was left out: {what}",
}


def _quoted(cut: Cut) -> str:
    """What a cut removed, for a message: code points, or the text (as displayed, for an override)."""
    if cut.kind == "hidden_characters":
        return f"{len(cut.text):,}: " + ", ".join(sorted({f"U+{ord(ch):04X}" for ch in cut.text}))
    text = CONTROL_RE.sub("", cut.text)
    shown = text[::-1] if cut.text.startswith("\u202e") else text
    return repr(" ".join(shown.split())[:160])


def removal_findings(cuts: list[tuple[int, int, Cut]], javascript: bool) -> list[Finding]:
    """Warnings for what cleaning removed; spans are zero-width points in ParsedDocument.text."""
    out = []
    for page, offset, cut in cuts[:MAX_MARKED]:
        out.append(Finding(
            rule=cut.kind, severity="warning", message=f"Page {page}: " + _MESSAGES[cut.kind].format(what=_quoted(cut)),
            span=Span(start=offset + cut.at, end=offset + cut.at, text=""), section="denial",
        ))
    if len(cuts) > MAX_MARKED:
        out.append(Finding(rule="hidden_content", severity="warning", section="denial",
                           message=f"{len(cuts) - MAX_MARKED} more hidden items were removed."))
    if javascript:
        out.append(Finding(rule="pdf_javascript", severity="warning", section="denial",
                           message="The PDF carries JavaScript. It was not run; only the letter's text was read."))
    return out
