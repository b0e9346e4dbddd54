"""The layout of denial letters: sentences, and where the appeal-rights boilerplate is.

Real letters end with rights notices ("you may ask for an external review", "if your
request is urgent..."), which mention bases and deadlines in general terms. Extraction
and classification read the letter's own decision and treat those notices apart.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from appealgen.models import Span

_OCR_LOOKALIKES = {"m": "(?:m|rn)", "i": "[il1]", "l": "(?:[l1]|(?-i:I))", "o": "[o0]"}


def ocr_tolerant(pattern: str) -> str:
    """A regex source that also matches text with common OCR misreadings.

    Scanned letters read "m" as "rn", "i"/"l" as "1" or "l", "l" as a capital "I" (never a
    small "i", which would blur words), and "o" as "0". Only
    literal letters outside character classes, escapes and group names are widened,
    so the pattern keeps its structure (use it with re.IGNORECASE).
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif pattern.startswith("(?P<", i):
            end = pattern.index(">", i)
            out.append(pattern[i : end + 1])
            i = end + 1
            continue
        out.append(_OCR_LOOKALIKES.get(ch, ch) if not in_class and ch != "[" else ch)
        i += 1
    return "".join(out)


_CONTRACTIONS = {
    "can't": "cannot", "won't": "will not", "shan't": "shall not", "ain't": "is not",
    "let's": "let us", "it's": "it is", "that's": "that is", "there's": "there is",
}
_CONTRACTION = re.compile(r"\b(?:\w+n't|can't|won't|it's|that's|there's|let's|\w+'(?:re|ve|ll|d|m))\b", re.IGNORECASE)
_SUFFIXES = {"n't": " not", "'re": " are", "'ve": " have", "'ll": " will", "'d": " would", "'m": " am"}


def expand_contractions(text: str) -> str:
    """Spell contractions out ("doesn't" -> "does not", "we've" -> "we have").

    Letters written in plain language say "we don't have an approval" where others say
    "we do not have an approval"; pattern rules are written for the spelled-out form.
    Curly apostrophes count as straight ones.
    """
    text = text.replace("\u2019", "'")

    def spell(m: re.Match[str]) -> str:
        word = m.group(0)
        whole = _CONTRACTIONS.get(word.lower())
        if whole:
            return whole if word[0].islower() else whole[0].upper() + whole[1:]
        for suffix, out in _SUFFIXES.items():
            if word.lower().endswith(suffix):
                return word[: -len(suffix)] + out
        return word

    return _CONTRACTION.sub(spell, text)


_RIGHTS_HEADINGS = re.compile(ocr_tolerant(
    r"^\s*(?:[#*\-\s]*)(?:"
    r"(?:your(?: child's)?|the member's|important information about your|notice of|summary of your|explanation of your)?\s*"
    r"(?:appeal|grievance|review)\s+rights"
    r"|(?:you have the )?right to (?:appeal|an appeal|external review|ask|request)"
    r"|your rights?(?: to appeal| to request| to ask| and protections| if you disagree)?"
    r"|(?:information|info) (?:on|about) (?:your )?appeals?|what you can do(?: next)?|next steps"
    r"|what (?:if i|you can do if you|to do if you) disagree"
    r"|if you disagree(?: with (?:this|our) decision)?"
    r"|how to (?:file an )?(?:appeal|request an appeal|ask for an appeal)"
    r"|(?:independent|external) (?:medical )?review"
    r"|non-?discrimination(?: notice)?|language assistance|help in other languages"
    r"|(?:fehb )?disputed claims(?: process)?|urgent situations|appeals? (?:process|procedures|information)"
    # a one-word heading on its own line: "Reconsideration", "Appeals:"
    r"|(?:reconsiderations?|redeterminations?|appeals?)(?=[ \t]*:?[ \t]*$)"
    r")\b[^\n]{0,60}$"),
    re.IGNORECASE | re.MULTILINE,
)

_RIGHTS_SENTENCE = re.compile(ocr_tolerant(
    r"\b(?:you|your (?:doctor|provider|prescriber|representative)|an? provider|providers|members?)\s+(?:also\s+)?"
    # "could" offers a right only with the right's verb: "the help you could expect" offers nothing.
    r"(?:may|can|could(?= (?:also )?(?:ask|request|appeal|file|call|contact|submit|write|send)\b)|have the right to|has the right to|are entitled to)\b"
    r"(?! not\b| (?:safely |still )?(?:take|tolerate|use|try|switch|fill|continue)\b)"
    r"|\b(?:may|can) (?:also )?be (?:requested|filed|submitted|reviewed|appealed)\b"
    r"|\b(?:can|may|will) (?:also )?review (?:decisions|denials|claims denied)\b"
    r"|\b(?:appeals?|decisions?|denials?) (?:about|involving|related to) (?:whether|medical|the medical)\b"
    r"|\bif you (?:disagree|believe|think|want|are not satisfied|would like|need|have questions)\b"
    r"|\bif (?:your|the) (?:health|life) (?:could|would|is)\b"
    r"|\b(?:to (?:file|request|submit|ask for) an? (?:appeal|grievance|external review|expedited))\b"
    r"|\bif (?:your|the) (?:provider|doctor|physician|prescriber) (?:believes|thinks|feels|disagrees)\b"
    r"|\bdecisions? (?:based on|about|involving|on) medical necessity\b"
    r"|\bwill (?:be )?(?:decide|made|make|respond|review)\w*\b[^.]{0,60}\b(?:\d+|seventy-two) (?:hours|days)\b"
    r"|\b(?:a |the )?decision on an? (?:expedited|urgent|fast)\b"
    r"|\bfree of charge\b|\bTTY\b|\bnon-?discrimination\b|\b(?:appeal|review) rights\b"
    # "Denials for lack of medical necessity ... are clinical appeals": a statement about kinds of decisions.
    r"|^(?:[-*\u2022] ?)?(?:denials|decisions|appeals|disputes|determinations) (?:for|based on|about|of|involving|related to)\b"
    r"|^(?:[-*\u2022] ?)?(?:reconsiderations?|appeals?|reviews?|requests?) (?:of|for) (?:denials|decisions|determinations)\b"
    r"|\b(?:reviews?|handles?|decides?) (?:disputes|appeals|decisions|denials|claims) (?:involving|about|based on)\b").replace(" ", r"\s+"),
    re.IGNORECASE,
)

# "You may appeal ...", "a provider may request reconsideration ...": an offer of appeal
# rights, which only the rights notice makes.
_APPEAL_OFFER = re.compile(ocr_tolerant(
    r"\b(?:may|can|have the right to|has the right to|you have \w+ (?:calendar )?days)\b[^.]{0,60}?"
    r"\b(?:appeal|reconsider(?:ation)?|redetermination|grievance|external review|(?:fair|state) hearing)"
    # "A provider appeal must be filed within 180 days": the deadline is part of the offer.
    r"|\b(?:appeals?|reconsiderations?|redeterminations?|disputes?) (?:must|should) be "
    r"(?:filed|requested|submitted|received)").replace(" ", r"\s+"),
    re.IGNORECASE,
)

# A full stop after a title or a short abbreviation ("Dr. Okafor", "U.S. Food"), or after the
# number that opens a list item ("1. Your plan covers ..."), ends no sentence.
_NOT_AN_END = "".join(rf"(?<!\b{a})" for a in (r"Dr\.", r"Mr\.", r"Ms\.", r"Mrs\.", r"St\.", r"Jr\.", r"Sr\.", r"U\.S\.", r"vs\.", r"No\.")) + (
    r"(?<!^\d\.)(?<!^\d\d\.)(?<!^ \d\.)(?<!^  \d\.)")
_SENTENCE_END = re.compile(
    r"(?<=[.!?])" + _NOT_AN_END + r"[\"')\]]*\s+(?=[A-Z0-9(\"'\[])|\n\s*\n|\n(?=\s*[-*\u2022]|\s*\d+[.)]\s)"
    # Letter-layout lines end a unit too: a "Label: value" field next, or a short line (address, heading).
    r"|\n(?=[ \t]*[A-Z][\w /#&().'-]{0,40}:[ \t])",
    re.MULTILINE,
)
_FIELD_LINE = re.compile(r"^[A-Z][\w /#&().'-]{0,40}:[ \t]")
# "Your plan's rule for this drug reads: ...": a label that introduces a quotation is prose, not a field.
_QUOTING_LABEL = re.compile(r"^[^:]{0,40}\b(?:reads|says|states|provides|specifies|as follows)[ \t]*:", re.IGNORECASE)
_REASON_FIELD = re.compile(
    ocr_tolerant(
        r"^(?:the |our |main |denial )*(?:reasons?|explanation|decision|determination|outcome|finding|rationale|remarks?|notes?|basis|why)"
        # a label that names the decision ("Claim denied:", "We marked the reason that applies:")
        r"|^[^:]{0,40}\b(?:denied|denial|reasons?|determination|decision|explanation|rationale)\b[^:]{0,20}:"
    ),
    re.IGNORECASE,
)


class Sentence(BaseModel):
    """A sentence (or list item) with its offsets in the letter."""

    start: int
    end: int
    text: str
    in_rights_notice: bool
    is_field: bool = False


# "Below we explain why, and how you can appeal": a preview of the rights notice, not the notice.
_PREVIEW = re.compile(r"\b(?:how|where|when)\s+(?:you|your \w+|to)\s*$", re.IGNORECASE)


def line_bounds(text: str, start: int, end: int | None = None) -> tuple[int, int]:
    """Where the line(s) holding text[start:end] begin and end (the newline is not included)."""
    line_end = text.find("\n", start if end is None else end)
    return text.rfind("\n", 0, start) + 1, len(text) if line_end < 0 else line_end


def rights_notice_start(text: str) -> int:
    """Offset where the appeal-rights boilerplate starts (len(text) when there is none).

    It starts at a rights heading, or at the first sentence that offers an appeal when
    the notice has no heading. Only the latter part of the letter counts, so a letter
    that opens with "Your appeal rights are described below" keeps its decision text.
    """
    floor = min(len(text) // 4, 300)
    heading = next(
        (m.start() for m in _RIGHTS_HEADINGS.finditer(text) if m.start() >= floor and not _continues_sentence(text, m.start())),
        len(text),
    )
    # "... so that you and your doctor can decide whether to appeal" explains the letter; it offers nothing.
    offers = (m.start() for m in _APPEAL_OFFER.finditer(text, floor, heading) if not re.search(r"\bwhether\b", m.group()))
    offer = next((o for o in offers if not _PREVIEW.search(text[max(0, o - 30) : o])), heading)
    if offer == heading:
        return heading
    # Back up to the start of the sentence that makes the offer.
    cut = max(text.rfind(". ", 0, offer), text.rfind(".\n", 0, offer), text.rfind(": ", 0, offer), text.rfind("\n\n", 0, offer))
    return cut + 2 if cut >= 0 else offer


def _continues_sentence(text: str, line_start: int) -> bool:
    """Whether the line at line_start carries on the sentence of the line before ("This letter
    explains why, and\nwhat you can do if you disagree."): then it is no heading."""
    before = text[max(0, line_start - 200) : line_start]
    if not before.strip() or re.search(r"\n[ \t]*\n[ \t]*$", before):
        return False  # a blank line before it: a heading may start here
    last = before.rstrip()[-1]
    return last.islower() or last == ","


def sentences(text: str, boundary: int | None = None) -> list[Sentence]:
    """Split a letter into sentences, marking those in the rights notice or reading as one.

    Args:
        text: the letter.
        boundary: rights_notice_start(text), when the caller has it already.
    """
    boundary = rights_notice_start(text) if boundary is None else boundary
    out: list[Sentence] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        _append(out, text, start, m.start(), boundary)
        start = m.end()
    _append(out, text, start, len(text), boundary)
    return out


def _append(out: list[Sentence], text: str, start: int, end: int, boundary: int) -> None:
    # A short line (address, heading, table row) ends its own unit.
    cut = start
    for m in re.finditer(r"\n", text[start:end]):
        # Measure the whole printed line: the tail of a long line after a full stop is not short.
        line_start = text.rfind("\n", 0, start + m.start()) + 1
        if start + m.start() - line_start < 45:
            _append_one(out, text, cut, start + m.start(), boundary)
            cut = start + m.end()
    _append_one(out, text, cut, end, boundary)


def _append_one(out: list[Sentence], text: str, start: int, end: int, boundary: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return
    lead = len(chunk) - len(chunk.lstrip())
    s = start + lead
    e = s + len(stripped)
    boiler = s >= boundary or bool(_RIGHTS_SENTENCE.search(stripped))
    field = bool(_FIELD_LINE.match(stripped)) and not (_REASON_FIELD.match(stripped) or _QUOTING_LABEL.match(stripped))
    out.append(Sentence(start=s, end=e, text=stripped, in_rights_notice=boiler, is_field=field))


# An amount of money, as on a claim row: "$3,500,000.00", "412.00".
MONEY = re.compile(r"\$\s?\d|(?<![\d.])\d{1,3}(?:,\d{3})*\.\d{2}(?![\d.])")


def match_span(m: re.Match[str], group: int | str = 0) -> Span:
    """The span of a match (or one of its groups) in the text it searched."""
    return Span(start=m.start(group), end=m.end(group), text=m.group(group))
