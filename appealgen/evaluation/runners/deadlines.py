"""deadlines: exact due-date agreement of the appeal-rules engine with hand-computed dates."""

from __future__ import annotations

from datetime import date

from appealgen.evaluation.context import EvalContext
from appealgen.evaluation.datasets import DeadlineCase, load_jsonl
from appealgen.evaluation.metrics import examples, ratio
from appealgen.evaluation.runners import runner
from appealgen.evaluation.tasks import StageOutput, TaskSpec
from appealgen.knowledge.appeal_rules import deadlines


def predicted(case: DeadlineCase) -> dict[str, date | None]:
    """The engine's step -> due date for a case (a step listed twice keeps its first date)."""
    out: dict[str, date | None] = {}
    for d in deadlines(case.plan_type, case.state, case.letter_date):
        out.setdefault(d.step, d.due)
    return out


@runner("deadlines")
def run_deadlines(task: TaskSpec, ctx: EvalContext) -> StageOutput:
    """Case-level exact agreement (same steps, same dates) and step-level agreement."""
    cases = load_jsonl(ctx.dataset_dir / task.dataset / "cases.jsonl", DeadlineCase)
    exact = 0
    steps_ok = steps_total = 0
    dated_ok = dated_total = 0
    wrong: list[str] = []
    for case in cases:
        got = predicted(case)
        problems = []
        for step in sorted(set(got) | set(case.gold)):
            want = case.gold.get(step, "absent")
            have = got.get(step, "absent")
            steps_total += 1
            if want is not None and want != "absent":
                dated_total += 1
                dated_ok += have == want
            if have == want:
                steps_ok += 1
            else:
                problems.append(f"{step} got {have}, want {want}")
        exact += not problems
        if problems:
            wrong.append(f"{case.id}: {', '.join(problems)}")
    return StageOutput(
        metrics={
            "case_exact": ratio(
                exact, len(cases), "cases with every step and due date right", examples(wrong)
            ),
            "step_agreement": ratio(
                steps_ok, steps_total, "steps agree (due date, or no due date)"
            ),
            "dated_step_agreement": ratio(
                dated_ok, dated_total, "steps with a gold due date right"
            ),
        },
        notes=[
            f"{len(cases)} hand-computed cases; a step the "
            "engine lists but the gold lacks counts as wrong."
        ],
    )
