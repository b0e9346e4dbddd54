"""Dates in a denial letter: every common written form, the labels that say what a date is
(letter, service, request received), and the candidates the learned date picker chooses among."""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from appealgen.knowledge.letter_layout import MONEY, line_bounds, match_span, ocr_tolerant
from appealgen.models import Span

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
DATE_RE = re.compile(
    rf"\b(?:(?P<mname>{_MONTH})\s+(?P<md>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<my>\d{{4}})"
    rf"|(?P<dd>\d{{1,2}})(?:\s+|-)(?P<dmname>{_MONTH})(?:\s+|-)(?P<dy>\d{{4}})"
    r"|(?P<iy>\d{4})(?P<isep>[-./])(?P<im>\d{2})(?P=isep)(?P<id>\d{2})"
    r"|(?P<um>\d{1,2})[/.-](?P<ud>\d{1,2})[/.-](?P<uy>\d{4}|\d{2}))\b",
    re.IGNORECASE,
)

_LETTER_DATE_LABEL = re.compile(
    r"\b(?:date of (?:this )?(?:letter|notice)|letter date|notice date|date mailed|mailing date|"
    r"date issued|issue date|date sent|(?:^|(?<=[ \t]{2}))date(?=\s*:))\s*[:\-]?\s*",
    re.IGNORECASE | re.MULTILINE,
)
# A date of service, which wins over the date a request was received (a claim letter may give both).
_SERVICE_DATE_LABEL = re.compile(
    r"\b(?:"
    + ocr_tolerant(r"date\(?s?\)? of service|service dates?|dates? of service")
    + r"|(?-i:DOS)|"
    + ocr_tolerant(
        r"svc date|infusion date|"
        r"scheduled (?:infusion|treatment|service) date|treatment date|date (?:filled|dispensed)|fill date|"
        r"(?:filled|dispensed|given|administered) on|(?:claim for )?services? (?:provided |given |rendered |performed )?on|"
        r"(?:visit|appointment|infusion|injection|dose) on|\b(?:given|administered|infused)(?=[ \t]+\d))\b[ \t]*[:\-]?[ \t]*(?:on[ \t]+)?"),
    re.IGNORECASE,
)
# The date a pre-service or pharmacy request was received.
_RECEIVED_DATE_LABEL = re.compile(
    ocr_tolerant(
        r"\b(?:date of request|request date|date (?:the )?request (?:was )?received|date (?:we|the plan) received the request|"
        r"date received|received on|requested on|date submitted|request received|review of this request on|"
        r"date (?:the )?request came in|request (?:dated|submitted on|sent on|faxed on|made on)|"
        r"(?:request|it) (?:reached us|came in|arrived)(?: on)?|"
        r"date (?:we|the plan) (?:got|received) (?:your |the |this )?request|we (?:got|received) (?:it|your request|the request|this request) on|"
        # "We received your doctor's request on ...", "received a request from Dr. Ames, Center, on ...",
        # "we received Dr. Vargas's request on April 1, 2026"
        r"received (?:your |the |a )?(?:(?:Dr|Mr|Ms|Mrs)\.[ \t]+)?(?:[\w-]+'s |[\w-]+ )?request (?:from (?:[^.]|\b(?:Dr|Mr|Ms|Mrs|St)\.){3,100}? )?on|"
        r"^\s*received|^\s*submitted|(?:received|submitted)(?=[ \t]*:?[ \t]*(?:on[ \t]+)?(?:\d|[A-Z][a-z]{2,8}\.? \d))|"
        r"from\s+(?:your|the)\s+(?:prescriber|doctor|provider|physician)\s+on|"
        # "On March 3, 2026, we received ...", "On or about May 1, 2026, Aetna received a request ..."
        r"\bOn(?:[ \t]+or[ \t]+about)?(?=[ \t]+(?:\d|[A-Z][a-z]{2,8}\.?[ \t]+\d)[^\n]{4,18}?,?[^.]{0,60}?\b(?:received|got)\b)|"
        r"\bOn(?=[ \t][^\n,]{6,20},[^.]{0,80}\b(?:asked|requested|sent|submitted)\b))\b[ \t]*[:\-]?[ \t]*(?:on[ \t]+)?(?:or[ \t]+about[ \t]+)?"),
    re.IGNORECASE | re.MULTILINE,
)


# What the learned date picker (stages/date_picker.py) reads of each date besides its context.
DATE_CUES = (
    "after_service_label", "after_received_label", "claim_row", "position", "is_letter_date", "rules_choice",
    "in_header", "times_given", "earliest", "latest", "after_first_date",
)


class DateCandidate(NamedTuple):
    """A date in the letter's own text: where, what, the words around it, and DATE_CUES."""

    match: re.Match[str]
    value: date
    context: str  # the line before and the date's own line, the date itself replaced by "DATE"
    cues: tuple[float, ...]


def service_dates(text: str, boundary: int, letter_date: date | None, spans: dict[str, Span]) -> tuple[date | None, list[DateCandidate]]:
    """The rules' service date, and every real date before the rights notice as a candidate for it."""
    # A claim line's date is a date of service too, so it wins over the date a request came in.
    rule_date = (
        _labelled_date(_SERVICE_DATE_LABEL, text, "service_date", spans)
        or _claim_row_date(text, spans)
        or _labelled_date(_RECEIVED_DATE_LABEL, text, "service_date", spans)
    )
    return rule_date, _date_candidates(text, boundary, letter_date, rule_date)


# "Date of birth: 09/14/1979", "DOB 3/2/88": a person's birthday is never the date of a service or a request.
_BIRTH_LABEL = re.compile(ocr_tolerant(r"(?:date of birth|birth ?date|\bD\.?O\.?B\.?|\bborn(?: on)?)[ \t]*[:#-]?[ \t]*$"), re.IGNORECASE)


def _date_candidates(text: str, boundary: int, letter_date: date | None, rule_date: date | None) -> list[DateCandidate]:
    found = [(m, v) for m in DATE_RE.finditer(text, 0, boundary)
             if (v := parse_date(m)) and not _BIRTH_LABEL.search(text, max(0, m.start() - 40), m.start())]
    values = [v for _, v in found]
    out = []
    for m, value in found:
        line_start, line_end = line_bounds(text, m.start(), m.end())
        previous_start = text.rfind("\n", 0, max(line_start - 1, 0)) + 1
        context = " ".join((text[previous_start : m.start()][-160:] + " DATE " + text[m.end() : line_end][:80]).split())
        row = bool(re.match(r"[ \t]*(?:\d{1,2}[ \t]+)?$", text[line_start : m.start()])) and bool(MONEY.search(text[line_start:line_end]))
        cues = (
            _label_just_before(_SERVICE_DATE_LABEL, text, m.start(), 120), _label_just_before(_RECEIVED_DATE_LABEL, text, m.start(), 200),
            row, m.start() / max(boundary, 1), value == letter_date, value == rule_date, m.start() < 400,
            values.count(value), value == min(values), value == max(values), value > values[0],
        )
        out.append(DateCandidate(m, value, context, tuple(float(c) for c in cues)))
    return out


def _label_just_before(pattern: re.Pattern[str], text: str, pos: int, reach: int) -> bool:
    """Whether a label of pattern ends within 40 characters before pos, with no other date between."""
    return any(pos - 40 <= label.end() <= pos and not DATE_RE.search(text, label.end(), pos)
               for label in pattern.finditer(text, max(0, pos - reach), pos))


def parse_date(m: re.Match[str]) -> date | None:
    """A date from a DATE_RE match, or None if it is not a real calendar date."""
    g = m.groupdict()
    try:
        if g["mname"]:
            return date(int(g["my"]), _MONTHS[g["mname"].lower().rstrip(".")], int(g["md"]))
        if g["dmname"]:
            return date(int(g["dy"]), _MONTHS[g["dmname"].lower().rstrip(".")], int(g["dd"]))
        if g["iy"]:
            return date(int(g["iy"]), int(g["im"]), int(g["id"]))
        year = int(g["uy"])
        year = year + 2000 if year < 100 else year
        return date(year, int(g["um"]), int(g["ud"]))
    except (ValueError, KeyError):
        return None


def read_letter_date(text: str, boundary: int, spans: dict[str, Span]) -> date | None:
    found = _labelled_date(_LETTER_DATE_LABEL, text, "letter_date", spans)
    if found:
        return found
    head_end = min(len(text), boundary, 800)
    for m in DATE_RE.finditer(text, 0, head_end):
        before = text[max(0, m.start() - 40, text.rfind("\n", 0, m.start()) + 1) : m.start()].lower()
        if re.search(r"service|birth|dob|received|request|effective|from|through|infusion", before):
            continue
        value = parse_date(m)
        if value:
            spans["letter_date"] = match_span(m)
            return value
    return None


def _claim_row_date(text: str, spans: dict[str, Span]) -> date | None:
    """A remittance row's first column (or its from-through range): the first claim line's date of service."""
    for row in re.finditer(r"^[ \t]*(?:\d{1,2}[ \t]+)?(\d{1,2}/\d{1,2}/\d{2,4})(?:[ \t]*-[ \t]*\d{1,2}/\d{1,2}/\d{2,4})?[ \t]+[^\n]*$", text, re.MULTILINE):
        line = row.group(0)
        if MONEY.search(line) and re.search(r"\b(?:[A-V]\d{4}|\d{5})\b", line):
            m = DATE_RE.search(text, row.start(1), row.end(1))
            value = parse_date(m) if m else None
            if m and value:
                spans["service_date"] = match_span(m)
                return value
    return None


def _labelled_date(pattern: re.Pattern[str], text: str, field: str, spans: dict[str, Span]) -> date | None:
    for label in pattern.finditer(text):
        m = _date_after(text, label.end())
        value = parse_date(m) if m else None
        if m and value:
            spans[field] = match_span(m)
            return value
    return None


def _date_after(text: str, pos: int) -> re.Match[str] | None:
    """The date a label at pos introduces: on its line, under it in a table, or on the next line."""
    line_start, line_end = line_bounds(text, pos)
    m = DATE_RE.search(text, pos, min(len(text), pos + 60))  # a date starting within 40 characters, read whole
    m = m if m and m.start() < pos + 40 else None
    if m and m.start() < line_end:
        return m
    if _is_table_header(text[line_start:line_end]):
        # The value sits in the first row under the header (rules of dashes skipped).
        row = re.match(r"\n(?:[ \t]*[-=]{3,}[- \t=]*\n)*([^\n]*)", text[line_end:])
        return DATE_RE.search(text, line_end + row.start(1), line_end + row.end(1)) if row else None
    return m if m and text[pos : m.start()].count("\n") <= 1 else None


def _is_table_header(line: str) -> bool:
    """Column headings: several words, no "label: value" colon, not a sentence."""
    stripped = line.strip()
    return len(stripped.split()) >= 3 and ":" not in stripped and not stripped.endswith(".")
