"""Stage runners, registered by stage name: `runner("extract")` marks the function that
computes a task's metrics from its spec and the shared context."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from appealgen.evaluation.context import EvalContext
from appealgen.evaluation.tasks import StageOutput, TaskSpec

Runner = Callable[[TaskSpec, EvalContext], StageOutput]
RUNNERS: dict[str, Runner] = {}
_MODULES = (
    "extraction",
    "classification",
    "retrieval",
    "criteria",
    "deadlines",
    "drafting",
    "latency",
)


def runner(stage: str) -> Callable[[Runner], Runner]:
    """Register the runner of a stage."""

    def wrap(fn: Runner) -> Runner:
        RUNNERS[stage] = fn
        return fn

    return wrap


def get_runner(stage: str) -> Runner:
    """The runner for a stage (importing the runner modules on first use).

    Raises:
        KeyError: for a stage no runner handles.
    """
    if not RUNNERS:
        for name in _MODULES:
            import_module(f"appealgen.evaluation.runners.{name}")
    if stage not in RUNNERS:
        raise KeyError(
            f"no evaluation runner for stage {stage!r}; known: {', '.join(sorted(RUNNERS))}"
        )
    return RUNNERS[stage]
