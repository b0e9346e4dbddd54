"""latency: per-stage p50/p95 in milliseconds over whole pipeline runs on the train letters."""

from __future__ import annotations

from appealgen.evaluation.context import STAGES, EvalContext
from appealgen.evaluation.datasets import load_denials
from appealgen.evaluation.metrics import percentile
from appealgen.evaluation.runners import runner
from appealgen.evaluation.tasks import Metric, StageOutput, TaskSpec


@runner("pipeline")
def run_latency(task: TaskSpec, ctx: EvalContext) -> StageOutput:
    """p50 and p95 per stage and for the whole run (the runs are shared with the drafting task)."""
    cases = []
    for split in task.params.get("splits", ["train"]):
        cases += load_denials(ctx.dataset_dir / task.dataset, split)
    runs = [ctx.run(c.pdf, None, True) for c in cases]
    samples = {s: [r.ms[s] for r in runs] for s in STAGES}
    samples["total"] = [sum(r.ms.values()) for r in runs]
    output = StageOutput(metrics={})
    for stage, values in samples.items():
        for q in (50, 95):
            value = percentile(values, q)
            output.metrics[f"{stage}.p{q}_ms"] = Metric(
                value=round(value, 1) if value is not None else None,
                reason=f"p{q} of {len(values)} runs (max {max(values):.0f} ms)"
                if values
                else "no runs",
            )
    output.charts["histograms"] = {s: samples[s] for s in (*STAGES, "total")}
    output.notes.append(
        "Wall-clock times on this machine; 'assess' includes the deadlines engine, "
        "'render' writes md, pdf and docx. Parse runs in a forked child process."
    )
    return output
