"""Fast checks of the evaluation building blocks: metrics, task specs, baselines, charts, CLI."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from appealgen.errors import InputError
from appealgen.evaluation import charts
from appealgen.evaluation.baselines import EmptyRetriever, keyword_classify
from appealgen.evaluation.cli import add_parser
from appealgen.evaluation.datasets import CriteriaCase, DeadlineCase, load_jsonl
from appealgen.evaluation.metrics import (
    multilabel_f1,
    ndcg_at_k,
    percentile,
    recall_at_k,
    reciprocal_rank,
    token_f1,
)
from appealgen.evaluation.tasks import (
    Metric,
    StageOutput,
    TaskSpec,
    judge,
    load_tasks,
    load_thresholds,
)
from appealgen.settings import Settings
from tests.conftest import ROOT

EVAL = ROOT / "eval"


class TestMetrics:
    def test_token_f1_mends_line_break_hyphenation(self) -> None:
        assert token_f1("is not medically necessary", "is not medi-\ncally necessary") == 1.0
        assert token_f1("denied", "the request is denied because") == pytest.approx(1 / 3)

    def test_ranking(self) -> None:
        hits = [set(), {0}, set(), {1}]
        assert (
            recall_at_k(hits, 2, 1) == 0
            and recall_at_k(hits, 2, 3) == 0.5
            and recall_at_k(hits, 2, 10) == 1
        )
        assert reciprocal_rank(hits) == 0.5
        assert ndcg_at_k([{0}, {1}], 2) == pytest.approx(1.0)
        assert ndcg_at_k([{0}, {0}], 2) < 1.0  # a relevant item earns its gain once

    def test_multilabel_f1(self) -> None:
        scores = multilabel_f1([{"a"}, {"a", "b"}], [{"a"}, {"a"}], ["a", "b", "c"])
        assert scores["a"] == 1.0 and scores["b"] == 0.0 and scores["c"] is None
        assert scores["macro"] == 0.5 and scores["micro"] == pytest.approx(0.8)

    def test_percentile(self) -> None:
        assert percentile([1, 2, 3, 4], 50) == 2.5 and percentile([], 95) is None


class TestTasks:
    def test_every_task_file_loads_and_every_threshold_exists(self) -> None:
        thresholds = load_thresholds(EVAL / "thresholds.yaml")
        tasks = load_tasks(EVAL / "tasks")
        assert {t.name for t in tasks} >= {
            "extraction",
            "classification",
            "retrieval",
            "criteria",
            "deadlines",
            "drafting",
            "latency",
        }
        refs = [m.threshold for t in tasks for m in t.metrics if m.threshold]
        assert refs and all(r in thresholds for r in refs)

    def test_judge_applies_direction(self) -> None:
        spec = TaskSpec.model_validate(
            {
                "name": "t",
                "stage": "s",
                "dataset": "d",
                "metrics": [
                    {"name": "up", "threshold": "t/up"},
                    {"name": "down", "direction": "lower", "threshold": "t/down"},
                ],
            }
        )
        out = StageOutput(
            metrics={"up": Metric(value=0.5, reason=""), "down": Metric(value=5, reason="")},
            baselines={"naive": {"up": Metric(value=0.1, reason="")}},
        )
        result = judge(spec, out, {"t/up": 0.6, "t/down": 10}, 1.0)
        assert [m.passed for m in result.metrics] == [False, True]
        assert result.metrics[0].baselines == {"naive": 0.1}

    def test_unknown_task_name(self) -> None:
        with pytest.raises(InputError):
            load_tasks(EVAL / "tasks", ["nope"])


class TestDatasets:
    def test_hand_judged_datasets_have_enough_cases(self) -> None:
        assert len(load_jsonl(EVAL / "datasets/criteria/cases.jsonl", CriteriaCase)) >= 30
        assert len(load_jsonl(EVAL / "datasets/deadlines/cases.jsonl", DeadlineCase)) >= 25


class TestBaselines:
    def test_keyword_classifier_reads_the_rights_notice_too(self) -> None:
        text = "Quantity limit exceeded. You may appeal if you think it is medically necessary."
        assert keyword_classify(text) == ["quantity_limit", "medical_necessity"]

    def test_empty_retriever(self) -> None:
        assert EmptyRetriever().search("anything") == []


class TestJudge:
    def test_reply_parsed_into_scores_and_bad_reply_is_an_error(self) -> None:
        from appealgen.adapters.llm import FakeChat
        from appealgen.errors import LLMError
        from appealgen.evaluation.judge import judge_letter

        reply = '{"responsive": 4, "grounded": 5, "clear": 3, "comment": "ok"}'
        good = FakeChat(lambda s, u: reply)
        assert judge_letter(good, "denial", "letter").grounded == 5
        assert "letter" in good.calls[0][1]
        with pytest.raises(LLMError):
            judge_letter(FakeChat(lambda s, u: "great letter!"), "denial", "letter")


class TestCharts:
    def test_labels_are_escaped(self) -> None:
        svg = charts.bar_chart(["<b>&"], {"s": [0.5]}, "t")
        assert "<b>&" not in svg and "&lt;b&gt;&amp;" in svg and svg.startswith("<svg")
        assert charts.histogram([], "empty").count("<svg") == 1


class TestCli:
    def _run(self, argv: list[str]) -> int:
        parser = argparse.ArgumentParser()
        add_parser(parser.add_subparsers())
        args = parser.parse_args(["eval", *argv])
        return args.fn(args, Settings())

    def test_exit_codes_follow_thresholds(self, tmp_path: Path) -> None:
        ok = tmp_path / "ok.yaml"
        ok.write_text(
            "deadlines: {case_exact: 0.5, step_agreement: 0.5, dated_step_agreement: 0.5}\n"
        )
        assert (
            self._run(
                ["--tasks", "deadlines", "--thresholds", str(ok), "--report", str(tmp_path / "r")]
            )
            == 0
        )
        strict = tmp_path / "strict.yaml"
        strict.write_text(
            "deadlines: {case_exact: 1.01, step_agreement: 0.5, dated_step_agreement: 0.5}\n"
        )
        old = tmp_path / "r" / "report.json"
        code = self._run(
            ["--tasks", "deadlines", "--thresholds", str(strict), "--compare", str(old), "--json"]
        )
        assert code == 1
        assert json.loads(old.read_text())["tasks"][0]["name"] == "deadlines"
