"""classification: multi-label F1 per basis, primary-basis accuracy and the confusion matrix,
beside a naive keyword classifier that reads the whole letter."""

from __future__ import annotations

from appealgen.evaluation.baselines import keyword_classify
from appealgen.evaluation.context import EvalContext
from appealgen.evaluation.datasets import DenialCase, load_denials
from appealgen.evaluation.metrics import confusion, examples, multilabel_f1, ratio
from appealgen.evaluation.runners import runner
from appealgen.evaluation.tasks import Metric, StageOutput, TaskSpec
from appealgen.models import BASIS_IDS

NONE = "(none)"
HELD_OUT = "test"


def score(
    cases: list[DenialCase], predicted: list[list[str]], show_ids: bool
) -> tuple[dict[str, Metric], dict[str, float | None]]:
    """Micro/macro F1, primary accuracy; and per-basis F1."""
    gold_sets = [set(c.bases) for c in cases]
    pred_sets = [set(p) for p in predicted]
    f1 = multilabel_f1(gold_sets, pred_sets, BASIS_IDS)
    wrong = [
        f"{c.id} (got {p[0] if p else NONE}, want {c.bases[0]})"
        for c, p in zip(cases, predicted, strict=True)
        if (p[0] if p else NONE) != c.bases[0]
    ]
    exact = sum(1 for g, p in zip(gold_sets, pred_sets, strict=True) if g == p)
    detail = (
        (examples(wrong) if show_ids else "held-out split: per-letter detail withheld")
        if wrong
        else ""
    )
    metrics = {
        "micro_f1": Metric(
            value=f1["micro"], reason=f"micro F1 over {len(cases)} letters, {len(BASIS_IDS)} bases"
        ),
        "macro_f1": Metric(
            value=f1["macro"], reason="mean F1 of the bases that occur in gold or predictions"
        ),
        "primary_accuracy": ratio(
            len(cases) - len(wrong), len(cases), "primary bases right", detail
        ),
        "exact_set": ratio(exact, len(cases), "letters with exactly the gold set of bases"),
    }
    return metrics, {b: f1[b] for b in BASIS_IDS}


@runner("classify")
def run_classification(task: TaskSpec, ctx: EvalContext) -> StageOutput:
    """Scores on each split for the classifier and the keyword baseline."""
    folder = ctx.dataset_dir / task.dataset
    output = StageOutput(metrics={}, baselines={"keyword": {}})
    labels = [*BASIS_IDS, NONE]
    gold_primary: list[str] = []
    pred_primary: list[str] = []
    per_basis: dict[str, dict[str, float | None]] = {}
    for split in task.params.get("splits", ["train", "test"]):
        cases = load_denials(folder, split)
        reads = [ctx.read(c.pdf) for c in cases]
        predicted: list[list[str]] = [[str(b.id) for b in r.bases] for r in reads]
        baseline = [keyword_classify(r.text) for r in reads]
        show = split != HELD_OUT
        scored, basis_f1 = score(cases, predicted, show)
        base_scored, base_f1 = score(cases, baseline, show)
        output.metrics.update({f"{split}.{k}": v for k, v in scored.items()})
        output.baselines["keyword"].update({f"{split}.{k}": v for k, v in base_scored.items()})
        per_basis[f"{split} classifier"] = basis_f1
        per_basis[f"{split} keyword"] = base_f1
        gold_primary += [c.bases[0] for c in cases]
        pred_primary += [p[0] if p else NONE for p in predicted]
    used = [label for label in labels if label in gold_primary or label in pred_primary]
    output.charts["confusion"] = {
        "labels": used,
        "matrix": confusion(gold_primary, pred_primary, used),
    }
    output.charts["per_basis_f1"] = {
        "labels": list(BASIS_IDS),
        "series": {k: [v[b] for b in BASIS_IDS] for k, v in per_basis.items()},
    }
    output.notes.append(
        "Confusion matrix: gold primary basis (rows) "
        "against predicted primary (columns), all splits."
    )
    return output
