"""Declarative evaluation tasks (eval/tasks/*.yaml), thresholds, and the results they produce.

A task names its stage, its dataset and the metrics it reports; each metric has a direction
and may point at a threshold in eval/thresholds.yaml (`threshold: task/metric`). Runners
compute values; this module only loads specs and judges values against thresholds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError

from appealgen.errors import InputError

Direction = Literal["higher", "lower"]


class MetricSpec(BaseModel):
    """One metric a task reports: its name, which way is better, and its threshold reference."""

    name: str
    direction: Direction = "higher"
    threshold: str | None = Field(
        default=None, description="`task/metric` key in thresholds.yaml; none = report only"
    )
    description: str | None = None


class TaskSpec(BaseModel):
    """An evaluation task as written in eval/tasks/<name>.yaml."""

    name: str
    stage: str = Field(
        description="Which runner computes it: extract, classify, retrieve, assess, ..."
    )
    dataset: str = Field(description="Folder under the dataset root (--dataset DIR)")
    description: str = ""
    params: dict[str, Any] = Field(default_factory=dict)
    metrics: list[MetricSpec]


class Metric(BaseModel):
    """A computed value and the reason behind it (what was counted, what went wrong)."""

    value: float | None
    reason: str
    skipped: bool = Field(
        default=False, description="Not computed this run (e.g. its data is absent); never gated"
    )


class StageOutput(BaseModel):
    """What a runner returns: declared metrics, baselines' metrics, chart data, notes."""

    metrics: dict[str, Metric]
    baselines: dict[str, dict[str, Metric]] = Field(default_factory=dict)
    extras: dict[str, Metric] = Field(
        default_factory=dict, description="Informational, never gated"
    )
    charts: dict[str, Any] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)


class MetricResult(BaseModel):
    """A metric judged against its threshold, with its baselines' values beside it."""

    name: str
    value: float | None
    reason: str
    direction: Direction
    threshold: float | None = None
    threshold_ref: str | None = None
    passed: bool | None = None
    skipped: bool = False
    baselines: dict[str, float | None] = Field(default_factory=dict)


class TaskResult(BaseModel):
    """One task's outcome in the report."""

    name: str
    stage: str
    dataset: str
    description: str = ""
    seconds: float
    metrics: list[MetricResult]
    extras: dict[str, Metric] = Field(default_factory=dict)
    charts: dict[str, Any] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)

    @property
    def failures(self) -> list[MetricResult]:
        """Metrics on the wrong side of their threshold."""
        return [m for m in self.metrics if m.passed is False]


def load_task(path: Path) -> TaskSpec:
    """Read and validate one task file.

    Raises:
        InputError: when the file is not valid YAML or not a task.
    """
    try:
        return TaskSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(
            f"{path}: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
        ) from None


def load_tasks(folder: Path, names: list[str] | None = None) -> list[TaskSpec]:
    """Every task in folder (sorted by file name), or only the named ones, in the order given.

    Raises:
        InputError: for an unknown task name or a bad task file.
    """
    tasks = {t.name: t for t in (load_task(p) for p in sorted(folder.glob("*.yaml")))}
    if not names:
        return list(tasks.values())
    unknown = [n for n in names if n not in tasks]
    if unknown:
        raise InputError(f"Unknown task {unknown[0]!r}; known: {', '.join(sorted(tasks))}")
    return [tasks[n] for n in names]


def load_thresholds(path: Path) -> dict[str, float]:
    """thresholds.yaml as flat `task/metric` -> value.

    Raises:
        InputError: when a threshold is not a number.
    """
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    flat: dict[str, float] = {}
    for task, metrics in data.items():
        for metric, value in (metrics or {}).items():
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise InputError(f"{path}: {task}/{metric} must be a number, got {value!r}")
            flat[f"{task}/{metric}"] = float(value)
    return flat


def judge(
    task: TaskSpec, output: StageOutput, thresholds: dict[str, float], seconds: float
) -> TaskResult:
    """Attach thresholds and baselines to the declared metrics.

    Raises:
        InputError: when a declared metric was not computed or its threshold is not defined.
    """
    results: list[MetricResult] = []
    for spec in task.metrics:
        metric = output.metrics.get(spec.name)
        if metric is None:
            raise InputError(
                f"Task {task.name}: the {task.stage} runner has no metric {spec.name!r}"
            )
        limit = None
        if spec.threshold:
            if spec.threshold not in thresholds:
                raise InputError(
                    f"Task {task.name}: threshold {spec.threshold!r} is not in thresholds.yaml"
                )
            limit = thresholds[spec.threshold]
        passed = None
        if limit is not None and not metric.skipped:
            passed = metric.value is not None and (
                metric.value >= limit if spec.direction == "higher" else metric.value <= limit
            )
        results.append(
            MetricResult(
                name=spec.name,
                value=metric.value,
                reason=metric.reason,
                direction=spec.direction,
                threshold=limit,
                threshold_ref=spec.threshold,
                passed=passed,
                skipped=metric.skipped,
                baselines={
                    b: m[spec.name].value for b, m in output.baselines.items() if spec.name in m
                },
            )
        )
    return TaskResult(
        name=task.name,
        stage=task.stage,
        dataset=task.dataset,
        description=task.description,
        seconds=round(seconds, 2),
        metrics=results,
        extras=output.extras,
        charts=output.charts,
        notes=output.notes,
    )
