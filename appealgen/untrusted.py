"""What untrusted letter text can hide: invisible control characters and instructions aimed at a model.

A denial letter is data. parse cleans it (see `appealgen.stages.parse`) and check reports what
was found (see `appealgen.stages.check`); both use the patterns here so they agree.
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width characters and bidirectional controls: they hide words from a reader ("Hem\u200bgenix")
# or reorder what is displayed (U+202E shows the rest of a line backwards).
# A bidi override (LRO/RLO up to PDF or the line end) makes what is displayed differ from the bytes.
OVERRIDE_RE = re.compile("[\u202d\u202e][^\u202c\n]*\u202c?")
CONTROL_RE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]+")

# Phrases that address a language model rather than a patient or provider. Kept narrow on purpose:
# a denial's own wording ("the records do not state that the member...", "your appeal should state
# why...") must not match, since parse leaves matching sentences out of the letter text.
INSTRUCTION_RE = re.compile(
    r"\b(?:ignore|disregard|forget|override) (?:all |any |the )?(?:of )?(?:your |the )?"
    r"(?:previous|prior|above|earlier|preceding|original) (?:instructions|directions|prompts?|rules|guidance)"
    r"|\bsystem prompt\b|\bdeveloper (?:message|mode)\b|\bnew instructions\s*:"
    r"|\byou are (?:now )?(?:an? )?(?:AI|assistant|language model|LLM|chatbot|ChatGPT)\b"
    r"|\b(?:as an?|dear|attention,?) (?:AI|assistant|language model|LLM)\b"
    r"|\b(?:AI|assistant|language model|LLM)s?,? (?:must|should|shall|will) (?:now )?"
    r"(?:write|say|state|ignore|include|output|respond)"
    r"|(?:^|(?<=[.!?:]\s)|\b(?:and|then|please) )(?:write|state|say|conclude|admit|concede) that the "
    r"(?:patient|member|claimant|enrollee)\b"
    r"|\bthe appeal (?:letter )?(?:should|must|shall) (?:admit|concede|agree that)"
    r"|<\|?(?:im_start|im_end|system|endoftext)\|?>|\[/?INST\]|###\s*(?:instruction|system)",
    re.IGNORECASE | re.MULTILINE,
)
_SENTENCE_EDGE = re.compile(r"[.!?](?=\s)|\n")
_WINDOW = 1000


def instruction_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each sentence or line in `text` that carries an instruction-like phrase."""
    spans: list[tuple[int, int]] = []
    for m in INSTRUCTION_RE.finditer(_folded(text)):
        if spans and m.start() < spans[-1][1]:
            continue
        spans.append(_sentence_around(text, m.start(), m.end()))
    return spans


def _folded(text: str) -> str:
    """Compatibility forms folded one character at a time (fullwidth "Ｉｇｎｏｒｅ" reads "Ignore"), keeping offsets."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        folded = ch if ch.isascii() else unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    # Look at most _WINDOW characters either side, so a text full of matches stays linear.
    left = _left_edge(text, start)
    right_edge = _SENTENCE_EDGE.search(text, end, end + _WINDOW)
    right = right_edge.end() if right_edge else min(len(text), end + _WINDOW)
    while left < right and text[left].isspace():
        left += 1
    while right > left and text[right - 1].isspace():
        right -= 1
    return left, right


def _left_edge(text: str, start: int) -> int:
    """Where the sentence holding `start` begins: after the nearest line end or [.!?] before white space."""
    floor = max(0, start - _WINDOW)
    for i in range(start - 1, floor - 1, -1):
        if text[i] == "\n" or (text[i] in ".!?" and text[i + 1 : i + 2].isspace()):
            return i + 1
    return floor
