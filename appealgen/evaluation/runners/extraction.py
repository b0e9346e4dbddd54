"""extraction: accuracy of each DenialFacts field against the gold labels, per split."""

from __future__ import annotations

from typing import Any

from appealgen.evaluation.context import EvalContext
from appealgen.evaluation.datasets import DenialCase, load_denials
from appealgen.evaluation.metrics import examples, ratio, token_f1
from appealgen.evaluation.runners import runner
from appealgen.evaluation.tasks import Metric, StageOutput, TaskSpec
from appealgen.models import DenialFacts

CODE_TYPES = ("icd10", "hcpcs", "cpt", "ndc", "carc")
FIELDS = (
    "payer",
    "plan_type",
    "state",
    "member_id",
    "claim_number",
    "letter_date",
    "service_date",
    "drug",
    *(f"codes.{c}" for c in CODE_TYPES),
    "denial_reason",
    "stated_deadline_days",
    "urgent",
)
HELD_OUT = "test"


def field_value(facts: dict[str, Any], name: str) -> Any:
    """A DenialFacts JSON field, normalised: codes as sets, plan type "unknown" as null."""
    if name.startswith("codes."):
        return frozenset((facts.get("codes") or {}).get(name.split(".", 1)[1]) or [])
    value = facts.get(name)
    if name == "plan_type" and value == "unknown":
        return None
    if name == "urgent":
        return bool(value)
    return value


def agrees(name: str, predicted: Any, gold: Any, reason_f1: float) -> bool:
    """Whether a predicted field counts as correct."""
    if name == "denial_reason" and predicted is not None and gold is not None:
        return token_f1(predicted, gold) >= reason_f1
    return bool(predicted == gold)


def score_split(
    cases: list[DenialCase], predicted: list[dict[str, Any]], reason_f1: float, show_ids: bool
) -> dict[str, Metric]:
    """Per-field accuracy and the mean over fields for one split."""
    out: dict[str, Metric] = {}
    for name in FIELDS:
        wrong: list[str] = []
        for case, facts in zip(cases, predicted, strict=True):
            got, want = field_value(facts, name), field_value(case.facts, name)
            if not agrees(name, got, want, reason_f1):
                wrong.append(f"{case.id} (got {_short(got)}, want {_short(want)})")
        detail = examples(wrong) if show_ids and wrong else ""
        if wrong and not show_ids:
            detail = "held-out split: per-letter detail withheld"
        out[name] = ratio(len(cases) - len(wrong), len(cases), "letters correct", detail)
    values = [m.value for m in out.values() if m.value is not None]
    out["mean"] = Metric(
        value=round(sum(values) / len(values), 4) if values else None,
        reason=f"mean accuracy over {len(values)} fields",
    )
    return out


def _short(value: Any) -> str:
    text = " ".join(str(sorted(value) if isinstance(value, frozenset) else value).split())
    return text if len(text) <= 60 else text[:57] + "..."


@runner("extract")
def run_extraction(task: TaskSpec, ctx: EvalContext) -> StageOutput:
    """Field accuracy on each split, beside an all-null extractor's."""
    folder = ctx.dataset_dir / task.dataset
    reason_f1 = float(task.params.get("reason_f1", 0.6))
    output = StageOutput(metrics={}, baselines={"all_null": {}})
    bars: dict[str, dict[str, float | None]] = {}
    empty = DenialFacts().model_dump(mode="json")
    for split in task.params.get("splits", ["train", "test"]):
        cases = load_denials(folder, split)
        predicted = [
            ctx.read(c.pdf).facts.model_dump(mode="json", exclude={"spans"}) for c in cases
        ]
        show = split != HELD_OUT
        scored = score_split(cases, predicted, reason_f1, show)
        baseline = score_split(cases, [empty] * len(cases), reason_f1, show)
        output.metrics.update({f"{split}.{k}": v for k, v in scored.items()})
        output.baselines["all_null"].update({f"{split}.{k}": v for k, v in baseline.items()})
        bars[split] = {f: scored[f].value for f in FIELDS}
    output.charts["field_accuracy"] = {"labels": list(FIELDS), "series": bars}
    output.notes.append(
        f"denial_reason counts as correct at token F1 >= {reason_f1}; letters are read from PDF."
    )
    return output
