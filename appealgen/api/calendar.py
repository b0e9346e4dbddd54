"""Appeal deadlines as an iCalendar file (RFC 5545): one all-day VEVENT per dated deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from appealgen import __version__
from appealgen.models import Deadline


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Split a content line into lines of at most 75 octets, continuations starting with a space."""
    out: list[str] = []
    current = ""
    for ch in line:
        limit = 75 if not out else 74
        if len((current + ch).encode("utf-8")) > limit:
            out.append(current)
            current = ch
        else:
            current += ch
    out.append(current)
    return [out[0], *(" " + part for part in out[1:])]


def deadlines_ics(case_id: str, deadlines: list[Deadline], now: datetime | None = None) -> str:
    """The deadlines that have a due date as an iCalendar document (CRLF line ends).

    Events carry the step's title, its legal citation and where to file: never patient data.

    Args:
        case_id: the appeal's id (makes each event's UID stable).
        deadlines: the case's deadlines; those without a due date are left out.
        now: the DTSTAMP (defaults to the current time).
    """
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//appealgen//appealgen {__version__}//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Appeal deadlines",
    ]
    for d in deadlines:
        if d.due is None:
            continue
        description = [f"Step: {d.step}", f"Legal basis: {d.citation}"]
        if d.file_with:
            description.append(f"File with: {d.file_with}")
        if d.decision_timeframe:
            description.append(f"Decision timeframe: {d.decision_timeframe}")
        if not d.verified:
            description.append("This rule is not yet verified against its source.")
        lines += [
            "BEGIN:VEVENT",
            f"UID:{case_id}-{d.step}@appealgen",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{d.due:%Y%m%d}",
            f"DTEND;VALUE=DATE:{d.due + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape('Deadline: ' + d.title)}",
            f"DESCRIPTION:{_escape(chr(10).join(description))}",
        ]
        if d.source_url:
            lines.append(f"URL:{d.source_url}")
        lines += [
            "TRANSP:TRANSPARENT",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{_escape('Appeal deadline in 7 days: ' + d.title)}",
            "TRIGGER:-P7D",
            "END:VALARM",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))
