"""assess: patient facts vs coverage criteria -> met / not met / missing evidence, deterministically."""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date

from appealgen.knowledge.codes import canonical_icd10
from appealgen.knowledge.criteria import CriteriaLibrary, CriteriaSet, Rule
from appealgen.models import Assessment, CriterionResult, CriterionStatus, Lab, PatientFacts

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}
# Factor activity is reported as % of normal or IU/dL: 1% == 1 IU/dL. Other pairs convert by factor.
_UNIT_FACTORS: dict[tuple[str, str], float] = {
    ("%", "iu/dl"): 1.0, ("iu/dl", "%"): 1.0, ("iu/ml", "%"): 100.0, ("%", "iu/ml"): 0.01,
    ("iu/ml", "iu/dl"): 100.0, ("iu/dl", "iu/ml"): 0.01,
    ("mg/dl", "umol/l"): 88.42, ("umol/l", "mg/dl"): 1 / 88.42,  # creatinine
}
Verdict = tuple[CriterionStatus, str]


def assess(facts: PatientFacts, drug: str | None, payer: str | None, library: CriteriaLibrary) -> Assessment:
    """Evaluate every criterion of the (drug, payer) set, falling back to the label set.

    Args:
        facts: the patient's documented facts.
        drug: drug id (brand, lower-case).
        payer: payer id, or None.
        library: the loaded criteria sets.
    """
    chosen = library.find(drug, payer) if drug else None
    if chosen is None:
        return Assessment(unknown_fact_fields=facts.unknown_fields)
    return Assessment(
        criteria_set=chosen.id,
        source="label" if chosen.payer is None else "payer",
        criteria=evaluate_set(chosen, facts),
        unknown_fact_fields=facts.unknown_fields,
    )


def evaluate_set(criteria: CriteriaSet, facts: PatientFacts) -> list[CriterionResult]:
    """Each criterion's status, with what the facts show or which record to attach."""
    results = []
    for c in criteria.criteria:
        status, detail = evaluate(c.rule, facts)
        if status == "missing" and c.record:
            detail = f"{c.record} ({detail})"
        results.append(
            CriterionResult(id=c.id, text=c.text, status=status, evidence=detail, passage_id=c.passage, record=c.record)
        )
    return results


def evaluate(rule: Rule, facts: PatientFacts) -> Verdict:
    """The status of one rule against the facts, with a one-line explanation."""
    kind = rule.kind()
    return _EVALUATORS[kind](rule, facts)


def _all(rule: Rule, facts: PatientFacts) -> Verdict:
    verdicts = [evaluate(r, facts) for r in rule.all or []]
    for wanted in ("not_met", "missing"):
        hits = [d for s, d in verdicts if s == wanted]
        if hits:
            return wanted, "; ".join(hits)
    return "met", "; ".join(d for _, d in verdicts)


def _any(rule: Rule, facts: PatientFacts) -> Verdict:
    verdicts = [evaluate(r, facts) for r in rule.any or []]
    for wanted in ("met", "missing"):
        hits = [d for s, d in verdicts if s == wanted]
        if hits:
            return wanted, hits[0] if wanted == "met" else "; ".join(hits)
    return "not_met", "; ".join(d for _, d in verdicts)


def _not(rule: Rule, facts: PatientFacts) -> Verdict:
    assert rule.not_ is not None
    status, detail = evaluate(rule.not_, facts)
    flipped: dict[str, CriterionStatus] = {"met": "not_met", "not_met": "met", "missing": "missing"}
    return flipped[status], detail


def _diagnosis(rule: Rule, facts: PatientFacts) -> Verdict:
    wanted = [canonical_icd10(c) for c in rule.diagnosis_in or []]
    if not facts.diagnoses:
        return "missing", "no diagnosis codes in the facts"
    have = [canonical_icd10(d) for d in facts.diagnoses]
    match = next((d for d in have if any(d == w or d.startswith(w) for w in wanted)), None)
    if match:
        return "met", f"diagnosis {match} documented"
    return "not_met", f"documented diagnoses {', '.join(have)} are not among {', '.join(wanted)}"


def _sex(rule: Rule, facts: PatientFacts) -> Verdict:
    if not facts.patient.sex:
        return "missing", "sex not documented"
    ok = facts.patient.sex.strip().lower() == (rule.sex or "").lower()
    return ("met" if ok else "not_met"), f"sex documented as {facts.patient.sex}"


def age_on(born: date, when: date) -> int:
    """Whole years between born and when (a birthday counts on its day)."""
    return when.year - born.year - ((when.month, when.day) < (born.month, born.day))


def _age(rule: Rule, facts: PatientFacts) -> Verdict:
    assert rule.age is not None
    if not facts.patient.date_of_birth or not facts.as_of:
        return "missing", "date of birth or as-of date not documented"
    years = age_on(facts.patient.date_of_birth, facts.as_of)
    ok = _OPS[rule.age.op](years, rule.age.value)
    return ("met" if ok else "not_met"), f"age {years} on {facts.as_of.isoformat()} (requires {rule.age.op} {rule.age.value})"


def latest_lab(facts: PatientFacts, name: str) -> Lab | None:
    """The most recent lab with this name (undated labs count as oldest)."""
    labs = [lab for lab in facts.labs if lab.name == name]
    if not labs:
        return None
    return max(labs, key=lambda lab: lab.date or date.min)


def convert(value: float, unit: str | None, target: str | None) -> float | None:
    """value in unit expressed in target; None when the units cannot be converted."""
    if not target or not unit:
        return value if not target or not unit else None
    a, b = unit.strip().lower(), target.strip().lower()
    if a == b:
        return value
    factor = _UNIT_FACTORS.get((a, b))
    return None if factor is None else value * factor


def _lab(rule: Rule, facts: PatientFacts) -> Verdict:
    assert rule.lab is not None
    spec = rule.lab
    lab = latest_lab(facts, spec.name)
    if lab is None or lab.value is None:
        return "missing", f"no {spec.name} value documented"
    value = convert(lab.value, lab.unit, spec.unit)
    uln = (lab.model_extra or {}).get("uln")
    if value is None and (spec.unit or "").lower() == "xuln" and isinstance(uln, int | float) and uln > 0:
        value = lab.value / uln  # "times the upper limit of normal", from the lab's own reference limit
    if value is None:
        return "missing", f"{spec.name} reported in {lab.unit}, which cannot be compared with {spec.unit}"
    shown = f"{spec.name} {lab.value:g} {lab.unit or ''}".strip() + (f" on {lab.date.isoformat()}" if lab.date else "")
    ok = _OPS[spec.op](value, spec.value)
    return ("met" if ok else "not_met"), f"{shown} (requires {spec.op} {spec.value:g} {spec.unit or ''})".replace(" )", ")")


def _lab_result(rule: Rule, facts: PatientFacts) -> Verdict:
    assert rule.lab_result is not None
    lab = latest_lab(facts, rule.lab_result.name)
    if lab is None or not lab.result:
        return "missing", f"no {rule.lab_result.name} result documented"
    ok = lab.result.strip().lower() == rule.lab_result.result.lower()
    when = f" on {lab.date.isoformat()}" if lab.date else ""
    return ("met" if ok else "not_met"), f"{rule.lab_result.name} {lab.result}{when}"


def _lab_within(rule: Rule, facts: PatientFacts) -> Verdict:
    assert rule.lab_within is not None
    spec = rule.lab_within
    lab = latest_lab(facts, spec.name)
    if lab is None or lab.date is None:
        return "missing", f"no dated {spec.name} test documented"
    if not facts.as_of:
        return "missing", "as-of date not documented"
    age_days = (facts.as_of - lab.date).days
    if 0 <= age_days <= spec.days:
        return "met", f"{spec.name} tested {lab.date.isoformat()}, {age_days} days before {facts.as_of.isoformat()}"
    return "not_met", (
        f"last {spec.name} test {lab.date.isoformat()} is {age_days} days before {facts.as_of.isoformat()} "
        f"(must be within {spec.days})"
    )


def _history_flag(rule: Rule, facts: PatientFacts) -> Verdict:
    name = rule.history_flag or ""
    if name not in facts.history or facts.history[name] is None:
        return "missing", f"{name} not documented"
    value = facts.history[name]
    truthy = value is True or (isinstance(value, str) and value.strip().lower() in {"yes", "true"})
    return ("met" if truthy else "not_met"), f"{name}: {value}"


def _history_count(rule: Rule, facts: PatientFacts) -> Verdict:
    assert rule.history_count is not None
    spec = rule.history_count
    value = facts.history.get(spec.name)
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return "missing", f"{spec.name} not documented"
    ok = _OPS[spec.op](float(value), spec.value)
    return ("met" if ok else "not_met"), f"{spec.name} {value:g} (requires {spec.op} {spec.value:g})"


def _prior_treatments(rule: Rule, facts: PatientFacts) -> Verdict:
    assert rule.prior_treatments is not None
    spec = rule.prior_treatments
    wanted = {d.lower() for d in spec.drugs}
    tried = [t for t in facts.prior_treatments if t.drug.lower() in wanted]
    qualifying = [t for t in tried if (t.outcome or "").lower() in {o.lower() for o in spec.outcomes}]
    if len(qualifying) >= spec.min:
        return "met", "; ".join(f"{t.drug} {t.outcome}" for t in qualifying)
    if not facts.prior_treatments:
        return "missing", "no prior treatments documented"
    return "not_met", f"{len(qualifying)} of {spec.min} required prior treatments with outcome {'/'.join(spec.outcomes)}"


def _prescriber(rule: Rule, facts: PatientFacts) -> Verdict:
    if not facts.prescriber or not facts.prescriber.specialty:
        return "missing", "prescriber specialty not documented"
    ok = facts.prescriber.specialty.lower() in {s.lower() for s in rule.prescriber_specialty or []}
    return ("met" if ok else "not_met"), f"prescriber specialty {facts.prescriber.specialty}"


def _site(rule: Rule, facts: PatientFacts) -> Verdict:
    if not facts.site_of_care or facts.site_of_care.approved_center is None:
        return "missing", "site of care approval not documented"
    ok = facts.site_of_care.approved_center == rule.site_approved
    state = "is" if facts.site_of_care.approved_center else "is not"
    return ("met" if ok else "not_met"), f"site of care {state} an approved center"


_EVALUATORS: dict[str, Callable[[Rule, PatientFacts], Verdict]] = {
    "all": _all, "any": _any, "not": _not, "diagnosis_in": _diagnosis, "sex": _sex, "age": _age,
    "lab": _lab, "lab_result": _lab_result, "lab_within": _lab_within, "history_flag": _history_flag,
    "history_count": _history_count, "prior_treatments": _prior_treatments,
    "prescriber_specialty": _prescriber, "site_approved": _site,
}
