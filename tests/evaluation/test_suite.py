"""The evaluation suite on the bundled datasets: every gated metric meets its threshold."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from appealgen.evaluation.context import STAGES, traced_run
from appealgen.evaluation.suite import compare
from appealgen.knowledge.criteria import CriteriaLibrary
from appealgen.pipeline import Pipeline
from tests.conftest import FIXTURES

pytestmark = [pytest.mark.integration, pytest.mark.slow]
TASKS = {
    "extraction",
    "classification",
    "retrieval",
    "criteria",
    "deadlines",
    "drafting",
    "latency",
}


class TestSuite:
    def test_every_task_ran(self, eval_run) -> None:
        report, _ = eval_run
        assert {t.name for t in report.tasks} == TASKS
        assert all(m.value is not None for t in report.tasks for m in t.metrics if not m.skipped)

    def test_metrics_meet_thresholds(self, eval_run) -> None:
        report, _ = eval_run
        assert report.passed, "below threshold:\n" + "\n".join(report.failures)

    def test_baselines_beside_stages(self, eval_run) -> None:
        report, _ = eval_run
        tasks = {t.name: t for t in report.tasks}
        assert set(tasks["retrieval"].metrics[0].baselines) == {"dense", "bm25"}
        assert "keyword" in tasks["classification"].metrics[0].baselines
        assert "no_retrieval" in tasks["drafting"].metrics[0].baselines

    def test_report_json_round_trips_and_compares(self, eval_run) -> None:
        report, paths = eval_run
        data = json.loads(paths["json"].read_text())
        assert {t["name"] for t in data["tasks"]} == TASKS
        deltas = compare(report, report, "itself").deltas
        assert deltas["criteria"]["agreement"] == 0


class TestTracedRun:
    def test_letter_matches_pipeline_run(self, settings, built_index) -> None:
        pdf = FIXTURES / "cigna_ca_medical_necessity.pdf"
        from appealgen.patient_facts import load_patient_facts

        patient = load_patient_facts(FIXTURES / "cigna_ca_medical_necessity.facts.json")
        expected = Pipeline(settings, retriever=built_index).run(pdf, patient)
        traced = traced_run(
            settings,
            pdf,
            patient,
            built_index,
            CriteriaLibrary.load(settings.corpus_dir / "criteria"),
            Path(tempfile.mkdtemp()),
        )
        assert (
            traced.result.letter_markdown.split("\n", 1)[1]
            == expected.letter_markdown.split("\n", 1)[1]
        )
        assert set(traced.ms) == set(STAGES)
        assert all(v >= 0 for v in traced.ms.values())
