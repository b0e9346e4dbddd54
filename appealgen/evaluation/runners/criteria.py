"""criteria: agreement of the criteria checker with hand-judged statuses, per criterion."""

from __future__ import annotations

from collections import Counter, defaultdict

from appealgen.evaluation.context import EvalContext
from appealgen.evaluation.datasets import CriteriaCase, load_jsonl
from appealgen.evaluation.metrics import examples, ratio
from appealgen.evaluation.runners import runner
from appealgen.evaluation.tasks import Metric, StageOutput, TaskSpec
from appealgen.stages.assess import evaluate_set


@runner("assess")
def run_criteria(task: TaskSpec, ctx: EvalContext) -> StageOutput:
    """Overall and per-set agreement, the worst criterion's, and a majority-status baseline.

    Raises:
        KeyError: when a case names a criteria set or criterion the corpus does not have.
    """
    cases = load_jsonl(ctx.dataset_dir / task.dataset / "cases.jsonl", CriteriaCase)
    sets = {s.id: s for s in ctx.criteria.sets}
    majority = (
        Counter(s for c in cases for s in c.gold.values()).most_common(1)[0][0] if cases else "met"
    )
    agree: dict[str, list[bool]] = defaultdict(list)
    base: dict[str, list[bool]] = defaultdict(list)
    wrong: dict[str, list[str]] = defaultdict(list)
    for case in cases:
        if case.criteria_set not in sets:
            raise KeyError(f"criteria case {case.id}: unknown criteria set {case.criteria_set!r}")
        got = {r.id: r.status for r in evaluate_set(sets[case.criteria_set], case.facts)}
        for criterion, want in case.gold.items():
            if criterion not in got:
                raise KeyError(
                    f"criteria case {case.id}: {case.criteria_set} has no criterion {criterion!r}"
                )
            key = f"{case.criteria_set}.{criterion}"
            agree[key].append(got[criterion] == want)
            base[key].append(majority == want)
            if got[criterion] != want:
                wrong[key].append(f"{case.id} (got {got[criterion]}, want {want})")
    output = StageOutput(metrics={}, baselines={"majority": {}})
    for target, table in (("metrics", agree), ("majority", base)):
        flat = [x for v in table.values() for x in v]
        metrics = {
            "agreement": ratio(
                sum(flat),
                len(flat),
                "criterion judgements agree",
                examples([w for v in wrong.values() for w in v]) if target == "metrics" else "",
            )
        }
        for set_id in sorted({k.split(".")[0] for k in table}):
            rows = [x for k, v in table.items() if k.split(".")[0] == set_id for x in v]
            metrics[f"agreement.{set_id}"] = ratio(sum(rows), len(rows), "judgements agree")
        rates = {k: sum(v) / len(v) for k, v in table.items()}
        worst = min(rates, key=rates.__getitem__) if rates else None
        metrics["min_criterion_agreement"] = Metric(
            value=round(rates[worst], 4) if worst else None,
            reason=f"lowest: {worst} ({sum(table[worst])}/{len(table[worst])})"
            if worst
            else "no criteria",
        )
        if target == "metrics":
            output.metrics = metrics
        else:
            output.baselines["majority"] = metrics
    for key, values in sorted(agree.items()):
        output.extras[key] = ratio(sum(values), len(values), "cases agree", examples(wrong[key], 3))
    output.charts["per_criterion"] = {
        "labels": sorted(agree),
        "series": {"checker": [round(sum(agree[k]) / len(agree[k]), 4) for k in sorted(agree)]},
    }
    output.notes.append(
        f"{len(cases)} hand-judged cases; the majority baseline always answers {majority!r}."
    )
    return output
