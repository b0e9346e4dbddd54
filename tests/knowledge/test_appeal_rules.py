"""The appeal-rules engine: every state row, plan-type routing, date arithmetic."""

from __future__ import annotations

from datetime import date

import pytest

from appealgen.errors import InputError
from appealgen.knowledge.appeal_rules import add_business_days, add_months, deadlines, rules_table

STATES = sorted(rules_table()["states"])


def test_fifty_one_states() -> None:
    assert len(STATES) == 51 and "DC" in STATES


@pytest.mark.parametrize("state", STATES)
def test_state_row_routes_external_review_with_citation(state: str) -> None:
    rows = deadlines("commercial_fully_insured", state, date(2026, 9, 18))
    assert all(r.citation for r in rows)
    internal = next(r for r in rows if r.step == "internal_appeal")
    assert internal.due is not None and internal.due > date(2026, 9, 18)
    row = rules_table()["states"][state]
    if row["external_review"].get("available"):
        ext = [r for r in rows if r.step == "external_review"]
        assert len(ext) == 1 and row["name"] in ext[0].title


def test_medicare_advantage_goes_to_ire_not_state() -> None:
    rows = deadlines("medicare_advantage", "IL", date(2026, 9, 15))
    steps = {r.step for r in rows}
    assert "ire_review" in steps and "external_review" not in steps
    recon = next(r for r in rows if r.step == "reconsideration")
    assert recon.due == date(2026, 9, 15) + (recon.due - date(2026, 9, 15))
    assert (recon.due - date(2026, 9, 15)).days == recon.days


def test_erisa_uses_federal_external_review() -> None:
    ext = [r for r in deadlines("erisa_self_funded", "CA", date(2026, 9, 18)) if r.step == "external_review"]
    assert len(ext) == 1 and "2590.715-2719" in ext[0].citation


def test_business_days_skip_weekends() -> None:
    assert add_business_days(date(2026, 9, 18), 1) == date(2026, 9, 21)  # Friday -> Monday


def test_months_without_matching_day() -> None:
    assert add_months(date(2026, 10, 31), 4) == date(2027, 3, 1)
    assert add_months(date(2026, 9, 18), 4) == date(2027, 1, 18)


def test_bad_inputs() -> None:
    with pytest.raises(InputError):
        deadlines("bogus", "CA", None)
    with pytest.raises(InputError):
        deadlines("commercial_fully_insured", "ZZ", None)


def test_state_cannot_shorten_federal_internal_appeal_window() -> None:
    for state in STATES:
        internal = next(r for r in deadlines("commercial_fully_insured", state, date(2026, 9, 18)) if r.step == "internal_appeal")
        assert internal.days is not None and internal.days >= 180, state
