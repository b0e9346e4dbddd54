"""Run evaluation tasks and collect their results into one report; compare two reports."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from appealgen import __version__
from appealgen.errors import InputError
from appealgen.evaluation.context import EvalContext
from appealgen.evaluation.runners import get_runner
from appealgen.evaluation.tasks import TaskResult, TaskSpec, judge


class Comparison(BaseModel):
    """Deltas against an earlier report: task -> metric -> new minus old."""

    against: str
    created_at: datetime | None = None
    deltas: dict[str, dict[str, float | None]] = Field(default_factory=dict)


class Report(BaseModel):
    """Everything one evaluation run measured (report.json)."""

    appealgen_version: str
    created_at: datetime
    seconds: float
    dataset_dir: str
    tasks: list[TaskResult]
    compare: Comparison | None = None

    @property
    def failures(self) -> list[str]:
        """`task/metric: value vs threshold` for every metric on the wrong side of its threshold."""
        return [
            f"{t.name}/{m.name}: {m.value} {'<' if m.direction == 'higher' else '>'} {m.threshold}"
            for t in self.tasks
            for m in t.failures
        ]

    @property
    def passed(self) -> bool:
        """True when no metric is on the wrong side of its threshold."""
        return not self.failures

    def summary(self) -> dict[str, Any]:
        """A compact JSON view: task -> metric -> value."""
        return {
            "passed": self.passed,
            "failures": self.failures,
            "metrics": {t.name: {m.name: m.value for m in t.metrics} for t in self.tasks},
        }


def run_suite(tasks: list[TaskSpec], ctx: EvalContext, thresholds: dict[str, float]) -> Report:
    """Run each task's stage runner and judge its metrics against the thresholds.

    Raises:
        InputError: for a task naming an unknown stage, metric or threshold.
    """
    started = time.perf_counter()
    results = []
    for task in tasks:
        try:
            run = get_runner(task.stage)
        except KeyError as exc:
            raise InputError(f"Task {task.name}: {exc.args[0]}") from None
        task_started = time.perf_counter()
        output = run(task, ctx)
        results.append(judge(task, output, thresholds, time.perf_counter() - task_started))
    return Report(
        appealgen_version=__version__,
        created_at=datetime.now(UTC),
        seconds=round(time.perf_counter() - started, 2),
        dataset_dir=str(ctx.dataset_dir),
        tasks=results,
    )


def load_report(path: Path) -> Report:
    """An earlier report.json.

    Raises:
        InputError: when the file is missing or not a report.
    """
    try:
        return Report.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"Report not found: {path}") from None
    except (ValidationError, json.JSONDecodeError) as exc:
        raise InputError(
            f"{path} is not an appealgen eval report ({type(exc).__name__})."
        ) from None


def compare(new: Report, old: Report, against: str) -> Comparison:
    """Per-metric deltas (new - old) for the metrics both reports have."""
    before = {(t.name, m.name): m.value for t in old.tasks for m in t.metrics}
    deltas: dict[str, dict[str, float | None]] = {}
    for t in new.tasks:
        for m in t.metrics:
            if (t.name, m.name) not in before:
                continue
            prior = before[(t.name, m.name)]
            delta = None if m.value is None or prior is None else round(m.value - prior, 4)
            deltas.setdefault(t.name, {})[m.name] = delta
    return Comparison(against=against, created_at=old.created_at, deltas=deltas)
