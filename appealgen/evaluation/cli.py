"""`appealgen eval`: run the evaluation tasks, print a summary, write the report.

The lead wires it into appealgen/cli.py with `add_parser(sub)`; the handler follows the
other commands' `fn(args, settings) -> exit code` convention. Exit code 1 when any metric
is on the wrong side of its threshold.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from appealgen.settings import PROJECT_ROOT, Settings

EVAL_DIR = PROJECT_ROOT / "eval"


def add_parser(subparsers: Any) -> None:
    """Register the `eval` subcommand on an argparse subparsers object."""
    p = subparsers.add_parser(
        "eval", help="the evaluation suite: metrics per stage, thresholds, report"
    )
    p.add_argument(
        "--dataset",
        type=Path,
        default=EVAL_DIR / "datasets",
        help="dataset root (default eval/datasets)",
    )
    p.add_argument(
        "--tasks",
        nargs="+",
        metavar="NAME",
        help="run only these tasks (default: all in eval/tasks)",
    )
    p.add_argument(
        "--report", type=Path, metavar="DIR", help="write DIR/report.json and DIR/report.html"
    )
    p.add_argument(
        "--compare",
        type=Path,
        metavar="OLD_REPORT_JSON",
        help="show deltas against an earlier report",
    )
    p.add_argument(
        "--index",
        type=Path,
        metavar="DIR",
        help="reuse a built index folder instead of building one",
    )
    p.add_argument("--tasks-dir", type=Path, default=EVAL_DIR / "tasks", help=argparse.SUPPRESS)
    p.add_argument(
        "--thresholds", type=Path, default=EVAL_DIR / "thresholds.yaml", help=argparse.SUPPRESS
    )
    p.add_argument("--json", action="store_true", help="print task -> metric -> value as JSON")
    p.set_defaults(fn=run_eval_command)


def run_eval_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run the suite; 0 when every gated metric meets its threshold, else 1."""
    from appealgen.evaluation.context import EvalContext
    from appealgen.evaluation.report import write_report
    from appealgen.evaluation.suite import compare, load_report, run_suite
    from appealgen.evaluation.tasks import load_tasks, load_thresholds

    tasks = load_tasks(args.tasks_dir, args.tasks)
    thresholds = load_thresholds(args.thresholds)
    old = load_report(args.compare) if args.compare else None
    ctx = EvalContext(settings=settings, dataset_dir=args.dataset, index_dir=args.index)
    try:
        report = run_suite(tasks, ctx, thresholds)
    finally:
        ctx.close()
    if old is not None:
        report.compare = compare(report, old, str(args.compare))
    if args.report:
        paths = write_report(report, args.report)
    if args.json:
        print(json.dumps(report.summary(), indent=2))
    else:
        _print_summary(report)
        if args.report:
            print(f"Report: {paths['html']} and {paths['json']}")
    return 0 if report.passed else 1


def _print_summary(report: Any) -> None:
    deltas = report.compare.deltas if report.compare else {}
    for task in report.tasks:
        print(f"{task.name} ({task.stage}, {task.seconds:.0f} s)")
        for m in task.metrics:
            mark = {True: "ok  ", False: "FAIL", None: "    "}[m.passed]
            base = "  ".join(f"{b}={v:.3g}" for b, v in m.baselines.items() if v is not None)
            delta = deltas.get(task.name, {}).get(m.name)
            shown = "n/a" if m.value is None else f"{m.value:.4g}"
            extra = (f"  [{base}]" if base else "") + (f"  delta {delta:+.4g}" if delta else "")
            print(f"  {mark} {m.name:34} {shown:>9}{extra}")
    print(f"{'PASSED' if report.passed else 'FAILED'} in {report.seconds:.0f} s")
    for failure in report.failures:
        print(f"  below threshold: {failure}")
