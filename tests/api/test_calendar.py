"""deadlines_ics: RFC 5545 structure, folding and escaping."""

from __future__ import annotations

from datetime import UTC, date, datetime

from appealgen.api.calendar import deadlines_ics
from appealgen.models import Deadline

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def deadline(step: str, due: date | None, **kw: object) -> Deadline:
    return Deadline(
        step=step,
        title=kw.pop("title", f"{step} title"),
        due=due,
        citation="45 CFR 147.136(b)",
        **kw,
    )  # type: ignore[arg-type]


class TestDeadlinesIcs:
    def test_one_event_per_dated_deadline(self) -> None:
        ics = deadlines_ics(
            "abc",
            [deadline("internal_appeal", date(2027, 3, 17)), deadline("external_review", None)],
            NOW,
        )
        assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
        assert ics.count("BEGIN:VEVENT") == 1
        assert "DTSTART;VALUE=DATE:20270317\r\n" in ics and "DTEND;VALUE=DATE:20270318\r\n" in ics
        assert (
            "UID:abc-internal_appeal@appealgen\r\n" in ics and "DTSTAMP:20261001T120000Z\r\n" in ics
        )

    def test_no_deadlines_is_an_empty_calendar(self) -> None:
        ics = deadlines_ics("abc", [deadline("external_review", None)], NOW)
        assert "BEGIN:VEVENT" not in ics and "VERSION:2.0" in ics

    def test_lines_are_folded_and_text_escaped(self) -> None:
        title = "Internal appeal; to the plan, with a very long title " + "x" * 120
        ics = deadlines_ics(
            "abc",
            [
                deadline(
                    "internal_appeal", date(2027, 1, 2), title=title, file_with="Plan, appeals unit"
                )
            ],
            NOW,
        )
        lines = ics.split("\r\n")
        assert all(len(line.encode()) <= 75 for line in lines)
        unfolded = ics.replace("\r\n ", "")
        assert (
            "SUMMARY:Deadline: Internal appeal\\; to the plan\\, with a very long title" in unfolded
        )
        assert "File with: Plan\\, appeals unit" in unfolded
