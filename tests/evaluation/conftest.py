"""One run of the whole evaluation suite per session, on the bundled datasets and session index."""

from __future__ import annotations

from pathlib import Path

import pytest

from appealgen.evaluation import EvalContext, load_tasks, load_thresholds, run_suite, write_report
from appealgen.evaluation.suite import Report
from tests.conftest import ROOT

EVAL = ROOT / "eval"


@pytest.fixture(scope="session")
def eval_run(settings, built_index, tmp_path_factory) -> tuple[Report, dict[str, Path]]:
    """The full suite's report and the paths of report.json / report.html."""
    ctx = EvalContext(settings=settings, dataset_dir=EVAL / "datasets", index=built_index)
    try:
        report = run_suite(
            load_tasks(EVAL / "tasks"), ctx, load_thresholds(EVAL / "thresholds.yaml")
        )
    finally:
        ctx.close()
    return report, write_report(report, tmp_path_factory.mktemp("eval-report"))
