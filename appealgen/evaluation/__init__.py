"""The offline evaluation suite: declarative tasks per stage, metrics with reasons, baselines,
thresholds and an HTML report (see eval/README.md)."""

from appealgen.evaluation.context import EvalContext
from appealgen.evaluation.report import write_report
from appealgen.evaluation.suite import Report, compare, load_report, run_suite
from appealgen.evaluation.tasks import load_tasks, load_thresholds

__all__ = [
    "EvalContext",
    "Report",
    "compare",
    "load_report",
    "load_tasks",
    "load_thresholds",
    "run_suite",
    "write_report",
]
