"""The appeal-rules engine: which appeal steps apply, when each is due, and the law behind it.

Federal rules set the floor by plan type; a state's external-review program replaces the
federal process only for state-regulated plans (fully insured and marketplace). ERISA
self-funded plans use federal external review; Medicare and FEHB appeals never go to
the state. Steps counted from a later decision (e.g. the final internal decision) have
no due date until that decision exists.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import cache
from typing import Any

from appealgen.errors import InputError
from appealgen.knowledge._data import load_yaml
from appealgen.models import PLAN_TYPES, Deadline

STATE_REGULATED = {"commercial_fully_insured", "aca_marketplace"}
# Federal rows that a state's own external-review program replaces.
_REPLACED_BY_STATE = {"aca-federal-external-review", "aca-state-external-review-floor"}
# Initial decisions by the plan, not appeal steps.
_NOT_APPEALS = {"organization_determination", "coverage_determination"}


@cache
def rules_table() -> dict[str, Any]:
    """The bundled rules table (federal rows and 51 state rows)."""
    return dict(load_yaml("appeal_rules.yaml"))


def add_business_days(start: date, days: int) -> date:
    """start + days, counting Monday to Friday only."""
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def add_months(start: date, months: int) -> date:
    """The same day N months later; without that day, the first day of the month after."""
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    month += 1
    if start.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, start.day)
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return date(year, month, 1)


def due_date(start: date, days: int | None, months: int | None, day_type: str) -> date | None:
    """When a step counted from start is due."""
    if days is not None:
        return add_business_days(start, days) if day_type == "business" else start + timedelta(days=days)
    if months is not None:
        return add_months(start, months)
    return None


def deadlines(plan_type: str | None, state: str | None, letter_date: date | None) -> list[Deadline]:
    """The appeal steps for a plan type and state, with due dates counted from the letter date.

    Args:
        plan_type: one of the DESIGN.md plan types (None or "unknown" gives the ACA floor).
        state: two-letter state code, or None.
        letter_date: the denial notice date; None leaves due dates empty.

    Raises:
        InputError: for an unknown plan type or state.
    """
    table = rules_table()
    plan = plan_type or "unknown"
    if plan not in PLAN_TYPES:
        raise InputError(f"Unknown plan type {plan!r}; use one of: {', '.join(PLAN_TYPES)}")
    st = state.upper() if state else None
    if st and st not in table["states"]:
        raise InputError(f"Unknown state {state!r}; use a two-letter code such as CA or IL")
    # An unknown plan type gets the ACA floor, which covers most commercial coverage.
    lookup = "commercial_fully_insured" if plan == "unknown" else plan
    state_row = table["states"].get(st) if st else None
    use_state = bool(state_row and lookup in STATE_REGULATED and state_row["external_review"].get("available"))
    rows = [
        r for r in table["federal"]
        if lookup in r["plan_types"] and r["step"] not in _NOT_APPEALS
        and not (use_state and r["id"] in _REPLACED_BY_STATE)
    ]
    # Where a row written for this plan type alone exists for a step, it replaces the shared one.
    specific = {r["step"] for r in rows if r["plan_types"] == [lookup]}
    rows = [r for r in rows if r["plan_types"] == [lookup] or r["step"] not in specific]
    out: list[Deadline] = []
    for row in rows:
        days, citation, verified = row.get("days"), row["citation"], row.get("verified", False)
        override = (state_row or {}).get("internal_appeal") if lookup in STATE_REGULATED else None
        # A state may lengthen the federal internal-appeal window, never shorten it.
        if override and row["step"] == "internal_appeal" and override.get("days") and override["days"] > (days or 0):
            days, citation = override["days"], f"{override['citation']} (state); {row['citation']}"
            verified = bool(override.get("verified", False))
        out.append(_deadline(row, days, citation, verified, letter_date))
    if use_state and state_row:
        er = state_row["external_review"]
        out.append(
            _deadline(
                {
                    **er,
                    "step": "external_review",
                    "title": f"{er.get('program_name') or 'External review'} ({state_row['name']})",
                    "decision_timeframe": "; ".join(
                        x
                        for x in (
                            er.get("standard_decision"),
                            er.get("expedited_decision") and f"expedited: {er['expedited_decision']}",
                        )
                        if x
                    ) or None,
                    "file_with": er.get("administered_by"),
                },
                er.get("days"),
                er.get("citation") or "state external review law (citation not confirmed)",
                bool(er.get("verified", False)),
                letter_date,
            )
        )
    return out


def _deadline(row: dict[str, Any], days: int | None, citation: str, verified: bool, letter_date: date | None) -> Deadline:
    counted_from = row.get("counted_from") or "denial_notice"
    months = row.get("months") if days is None else None
    due = None
    if letter_date and counted_from == "denial_notice":
        due = due_date(letter_date, days, months, row.get("day_type") or "calendar")
    return Deadline(
        step=row["step"],
        title=row["title"],
        due=due,
        days=days,
        months=months,
        day_type=row.get("day_type") or "calendar",
        counted_from=counted_from,
        decision_timeframe=row.get("decision_timeframe"),
        file_with=row.get("file_with"),
        citation=citation,
        source_url=row.get("source_url"),
        verified=verified,
    )


def state_contacts(state: str | None) -> list[dict[str, Any]]:
    """The state regulator and consumer-assistance contacts."""
    if not state:
        return []
    row = rules_table()["states"].get(state.upper())
    return list(row.get("contacts") or []) if row else []
