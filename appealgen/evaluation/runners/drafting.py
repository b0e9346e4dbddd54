"""drafting: a deterministic rubric over letters from the whole template pipeline, beside
letters drafted with no retrieval. An LLM judge grades a few letters when one is configured."""

from __future__ import annotations

import re
from statistics import mean

from appealgen.evaluation.context import EvalContext
from appealgen.evaluation.datasets import DenialCase, load_denials, load_fixtures
from appealgen.evaluation.metrics import examples, ratio
from appealgen.evaluation.runners import runner
from appealgen.evaluation.tasks import Metric, StageOutput, TaskSpec
from appealgen.knowledge.drugs import drug_lexicon
from appealgen.models import AppealResult

RUBRIC = (
    "bases_rebutted",
    "criteria_addressed",
    "citations_per_basis",
    "plan_language_cited",
    "law_cited",
    "deadlines_and_urgency",
    "clear_request",
    "supporting_documents",
    "required_elements",
)
_INTERNAL_STEPS = ("internal_appeal", "reconsideration", "redetermination")


def _flat(text: str) -> str:
    return " ".join(text.replace("|", "/").split())


def rubric(result: AppealResult, case: DenialCase, policy_exists: bool) -> dict[str, bool | None]:
    """Each rubric item for one letter: True / False, or None where it does not apply."""
    letter = result.letter_markdown
    flat = _flat(letter)
    sections = result.draft.sections
    basis_sections = [s for s in sections if s.kind == "basis"]
    answered = {s.basis for s in basis_sections}
    kinds = {p.id: p.kind for p in result.passages}
    cited = {c for s in sections for c in s.citations if f"[{c}]" in letter}
    internal = next((d for d in result.deadlines if d.step in _INTERNAL_STEPS and d.due), None)
    stated = bool(internal and internal.due and internal.due.isoformat() in letter) or bool(
        result.facts.stated_deadline_days and f"{result.facts.stated_deadline_days} days" in letter
    )
    urgent_ok = not case.facts.get("urgent") or bool(re.search(r"expedited", letter, re.IGNORECASE))
    request = next((s for s in sections if s.kind == "request"), None)
    enclosures = next((s for s in sections if s.kind == "enclosures"), None)
    criteria = result.assessment.criteria
    return {
        "bases_rebutted": set(case.bases) <= answered,
        "criteria_addressed": (
            any(s.kind == "criteria" for s in sections)
            and all(_flat(c.evidence) in flat for c in criteria)
        )
        if criteria
        else None,
        "citations_per_basis": all(
            any(f"[{c}]" in s.body for c in s.citations) for s in basis_sections
        )
        if basis_sections
        else None,
        "plan_language_cited": any(kinds.get(c) == "policy" for c in cited)
        if policy_exists
        else None,
        "law_cited": any(d.citation in letter for d in result.deadlines),
        "deadlines_and_urgency": stated and urgent_ok,
        "clear_request": bool(
            request and re.search(r"please (?:overturn|approve)", request.body, re.IGNORECASE)
        ),
        "supporting_documents": bool(
            enclosures and re.search(r"^- \S", enclosures.body, re.MULTILINE)
        ),
        "required_elements": not any(f.rule == "required_elements" for f in result.check.findings),
    }


def score(rows: list[tuple[str, dict[str, bool | None], int, bool]]) -> dict[str, Metric]:
    """Each rubric item's pass rate where it applies, the unsupported-claim count, the mean."""
    out: dict[str, Metric] = {}
    for item in RUBRIC:
        applies = [(cid, r[item]) for cid, r, _, _ in rows if r[item] is not None]
        failed = [cid for cid, ok in applies if not ok]
        out[item] = ratio(
            len(applies) - len(failed),
            len(applies),
            "letters pass",
            f"failed: {examples(failed)}" if failed else "",
        )
    unsupported = [(cid, n) for cid, _, n, _ in rows if n]
    out["unsupported_claims"] = Metric(
        value=float(sum(n for _, n in unsupported)),
        reason=(
            f"facts_supported findings in {len(unsupported)} of {len(rows)} letters: "
            + examples([f"{cid} ({n})" for cid, n in unsupported])
        )
        if unsupported
        else f"no facts_supported findings in {len(rows)} letters",
    )
    passed = sum(1 for *_, ok in rows if ok)
    out["check_passed"] = ratio(passed, len(rows), "letters pass every error-severity check")
    values = [v for v in (out[i].value for i in RUBRIC) if v is not None]
    out["rubric_mean"] = Metric(
        value=round(mean(values), 4) if values else None,
        reason=f"mean pass rate of {len(values)} rubric items",
    )
    return out


def _policy_exists(ctx: EvalContext, case: DenialCase) -> bool:
    payer, drug = case.facts.get("payer"), case.facts.get("drug")
    entry = drug_lexicon().get(drug) if drug else None
    drug_id = entry.id if entry else drug
    return any(
        c.meta.kind == "policy" and c.meta.payer == payer and c.meta.drug in (None, drug_id)
        for c in ctx.corpus_index().chunks
    )


@runner("draft")
def run_drafting(task: TaskSpec, ctx: EvalContext) -> StageOutput:
    """Rubric scores of the template pipeline and of the no-retrieval baseline."""
    cases = load_fixtures(ctx.project_root / task.params.get("fixtures", "tests/fixtures/denials"))
    for split in task.params.get("splits", ["train"]):
        cases += load_denials(ctx.dataset_dir / task.dataset, split)
    output = StageOutput(metrics={})
    bars: dict[str, list[float | None]] = {}
    for label, with_retrieval in (("pipeline", True), ("no_retrieval", False)):
        rows = []
        for case in cases:
            result = ctx.run(case.pdf, case.patient, with_retrieval).result
            unsupported = sum(1 for f in result.check.findings if f.rule == "facts_supported")
            rows.append(
                (
                    case.id,
                    rubric(result, case, _policy_exists(ctx, case)),
                    unsupported,
                    result.check.passed,
                )
            )
        scored = score(rows)
        if with_retrieval:
            output.metrics = scored
        else:
            output.baselines[label] = scored
        bars[label] = [scored[i].value for i in RUBRIC]
    output.charts["rubric"] = {"labels": list(RUBRIC), "series": bars}
    output.notes.append(
        f"{len(cases)} letters: the fixtures (with patient facts) and the train denials (without)."
    )
    if ctx.settings.llm_base_url:
        output.extras.update(_llm_judge(ctx, cases[: int(task.params.get("llm_judge_letters", 5))]))
        output.notes.append(
            "llm_judge.* scores come from the configured LLM endpoint and are not gated."
        )
    else:
        output.notes.append("LLM judge skipped: APPEALGEN_LLM_BASE_URL is not set.")
    return output


def _llm_judge(ctx: EvalContext, cases: list[DenialCase]) -> dict[str, Metric]:
    from appealgen.adapters.llm import OpenAICompatibleChat
    from appealgen.errors import LLMError
    from appealgen.evaluation.judge import ASPECTS, judge_letter

    chat = OpenAICompatibleChat(ctx.settings)
    scores, failures = [], []
    for case in cases:
        result = ctx.run(case.pdf, case.patient, True).result
        try:
            scores.append(judge_letter(chat, result.denial_text, result.letter_markdown))
        except LLMError as exc:
            failures.append(f"{case.id}: {exc.message}")
    why = f"mean of {len(scores)} letters graded 1-5 by {chat.name}" + (
        f"; failed: {examples(failures)}" if failures else ""
    )
    return {
        f"llm_judge.{a}": Metric(
            value=round(mean(getattr(s, a) for s in scores), 2) if scores else None, reason=why
        )
        for a in ASPECTS
    }
