"""The criteria language and the deterministic checker: every boundary."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appealgen.corpus import chunk_corpus, load_corpus
from appealgen.errors import KnowledgeError
from appealgen.knowledge.criteria import CriteriaLibrary, Rule, load_criteria_file
from appealgen.models import PatientFacts
from appealgen.stages.assess import age_on, assess, evaluate
from tests.conftest import FIXTURES, ROOT


def facts(**kw) -> PatientFacts:
    return PatientFacts.model_validate({"as_of": "2026-09-22", **kw})


def status(rule: dict, f: PatientFacts) -> str:
    return evaluate(Rule.model_validate(rule), f)[0]


class TestPredicates:
    def test_threshold_equal_is_met(self) -> None:
        f = facts(labs=[{"name": "factor_ix_activity", "value": 2, "unit": "%"}])
        assert status({"lab": {"name": "factor_ix_activity", "op": "<=", "value": 2, "unit": "%"}}, f) == "met"
        assert status({"lab": {"name": "factor_ix_activity", "op": "<", "value": 2, "unit": "%"}}, f) == "not_met"

    def test_unit_conversion_iu_dl(self) -> None:
        f = facts(labs=[{"name": "factor_ix_activity", "value": 1.5, "unit": "IU/dL"}])
        assert status({"lab": {"name": "factor_ix_activity", "op": "<=", "value": 2, "unit": "%"}}, f) == "met"
        f = facts(labs=[{"name": "factor_ix_activity", "value": 0.03, "unit": "IU/mL"}])
        assert status({"lab": {"name": "factor_ix_activity", "op": "<=", "value": 2, "unit": "%"}}, f) == "not_met"

    def test_missing_lab_vs_failing_lab(self) -> None:
        rule = {"lab_result": {"name": "factor_ix_inhibitor", "result": "negative"}}
        assert status(rule, facts()) == "missing"
        assert status(rule, facts(labs=[{"name": "factor_ix_inhibitor", "result": "positive"}])) == "not_met"

    @pytest.mark.parametrize(("days_before", "expected"), [(0, "met"), (30, "met"), (31, "not_met"), (-1, "not_met")])
    def test_window_edges(self, days_before: int, expected: str) -> None:
        when = (date(2026, 9, 22) - timedelta(days=days_before)).isoformat()
        f = facts(labs=[{"name": "factor_ix_inhibitor", "result": "negative", "date": when}])
        assert status({"lab_within": {"name": "factor_ix_inhibitor", "days": 30}}, f) == expected

    @pytest.mark.parametrize(("dob", "expected"), [("2008-09-22", "met"), ("2008-09-23", "not_met")])
    def test_eighteenth_birthday(self, dob: str, expected: str) -> None:
        f = facts(patient={"date_of_birth": dob})
        assert status({"age": {"op": ">=", "value": 18}}, f) == expected

    def test_any_of_each_branch(self) -> None:
        rule = {"any": [{"history_flag": "current_prophylaxis"}, {"history_flag": "life_threatening_hemorrhage"}]}
        assert status(rule, facts(history={"current_prophylaxis": True})) == "met"
        assert status(rule, facts(history={"current_prophylaxis": False, "life_threatening_hemorrhage": True})) == "met"
        assert status(rule, facts(history={"current_prophylaxis": False, "life_threatening_hemorrhage": False})) == "not_met"
        assert status(rule, facts(history={"current_prophylaxis": False})) == "missing"

    def test_not_keeps_missing(self) -> None:
        rule = {"not": {"history_flag": "prior_gene_therapy"}}
        assert status(rule, facts()) == "missing"
        assert status(rule, facts(history={"prior_gene_therapy": False})) == "met"

    def test_unknown_predicate_rejected(self, tmp_path: Path) -> None:
        bad = tmp_path / "x.yaml"
        bad.write_text("id: x\ndrug: d\ntitle: t\nsource_doc: s\ncriteria:\n- {id: a, text: t, rule: {lab_over: 3}}\n")
        with pytest.raises(KnowledgeError, match="x.yaml"):
            load_criteria_file(bad)

    @given(st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)), st.integers(min_value=0, max_value=400))
    def test_age_is_monotonic(self, born: date, days: int) -> None:
        later = born + timedelta(days=days)
        assert 0 <= age_on(born, later) <= age_on(born, later + timedelta(days=1)) <= days // 365 + 1

    @given(st.floats(min_value=0, max_value=200, allow_nan=False), st.floats(min_value=0, max_value=200, allow_nan=False))
    def test_lab_compare_matches_python(self, value: float, threshold: float) -> None:
        f = facts(labs=[{"name": "x", "value": value, "unit": "%"}])
        expected = "met" if value <= threshold else "not_met"
        assert status({"lab": {"name": "x", "op": "<=", "value": threshold, "unit": "%"}}, f) == expected


class TestCriteriaLibrary:
    def test_all_sets_load_and_cite_existing_passages(self) -> None:
        library = CriteriaLibrary.load(ROOT / "corpus" / "criteria")
        ids = {c.id for c in chunk_corpus(load_corpus(ROOT / "corpus"))}
        assert len(library.sets) >= 10
        for s in library.sets:
            for c in s.criteria:
                assert c.passage is None or c.passage in ids, f"{s.id}:{c.id} cites {c.passage}"

    def test_payer_then_label_fallback(self) -> None:
        library = CriteriaLibrary.load(ROOT / "corpus" / "criteria")
        assert library.find("hemgenix", "cigna").payer == "cigna"
        fallback = library.find("zolgensma", "cigna")
        assert fallback is not None and fallback.payer is None

    def test_fixture_patient_meets_diagnosis(self) -> None:
        library = CriteriaLibrary.load(ROOT / "corpus" / "criteria")
        patient = PatientFacts.model_validate_json((FIXTURES / "cigna_ca_medical_necessity.facts.json").read_text())
        result = assess(patient, "hemgenix", "cigna", library)
        by_id = {c.id: c.status for c in result.criteria}
        assert by_id["diagnosis"] == "met"
        assert result.source == "payer"


class TestUpperLimitOfNormal:
    RULE = {"lab": {"name": "alt", "op": "<=", "value": 3, "unit": "xULN"}}

    def test_times_uln_from_reference_limit(self) -> None:
        assert status(self.RULE, facts(labs=[{"name": "alt", "value": 120, "unit": "U/L", "uln": 40}])) == "met"
        assert status(self.RULE, facts(labs=[{"name": "alt", "value": 121, "unit": "U/L", "uln": 40}])) == "not_met"

    def test_without_reference_limit_is_missing(self) -> None:
        assert status(self.RULE, facts(labs=[{"name": "alt", "value": 30, "unit": "U/L"}])) == "missing"
