"""draft: DraftInput -> Draft, one section per denial point, behind a Drafter protocol.

The template drafter is deterministic and the offline default. Every identifier, date,
deadline and citation it writes comes from the denial facts, the patient facts, the
criteria assessment, the rules engine or a retrieved passage.
"""

from __future__ import annotations

from typing import Protocol

from appealgen.knowledge.drugs import drug_lexicon
from appealgen.knowledge.payers import payer_directory
from appealgen.models import (
    Assessment,
    CriterionResult,
    DenialBasis,
    Draft,
    DraftInput,
    DraftSection,
    Passage,
)

BASIS_TITLES: dict[str, str] = {
    "medical_necessity": "Medical necessity",
    "experimental_investigational": "Experimental or investigational",
    "off_label": "Use within the FDA-approved indication",
    "step_therapy": "Step therapy",
    "missing_information": "Missing information",
    "prior_authorization_required": "Prior authorization",
    "site_of_care": "Site of care",
    "out_of_network": "Network status",
    "benefit_exclusion": "Benefit exclusion",
    "formulary_exclusion": "Formulary exception",
    "quantity_limit": "Quantity limit",
    "coding_billing_error": "Coding and billing",
    "timely_filing": "Timely filing",
    "eligibility": "Eligibility",
}

_STRATEGY: dict[str, str] = {
    "medical_necessity": (
        "The request meets the coverage criteria that apply to {drug}. Each criterion and the "
        "patient's documented evidence are set out below and in the criteria table."
    ),
    "experimental_investigational": (
        "{drug_title} is not experimental or investigational for this patient: it is an FDA-approved "
        "product, and the patient's condition falls within its labelled indication, as the cited label "
        "passages show."
    ),
    "off_label": (
        "The requested use is within the FDA-approved indication for {drug}. The label passages cited "
        "below state the indication, and the patient's documented diagnosis falls within it."
    ),
    "step_therapy": (
        "The step-therapy requirement should not apply. The patient's prior treatments and their outcomes "
        "are documented below; where state law provides a step-therapy exception, this request asks for it."
    ),
    "missing_information": (
        "The information the plan said it lacked is enclosed with this appeal, item by item, as listed "
        "under Enclosures. Please review the complete record."
    ),
    "prior_authorization_required": (
        "We ask the plan to review this request on its clinical merits now, including retroactive "
        "authorization where the service has been given, under the criteria cited below."
    ),
    "site_of_care": (
        "The site of care should not bar coverage. The plan's site-of-care requirement and the facts "
        "about the treating center are set out below; if no approved center is reasonably available in "
        "network, we ask for a network exception or a single-case agreement."
    ),
    "out_of_network": (
        "We ask the plan to cover this care at the in-network level: the plan's own requirements are cited "
        "below, and if no adequate in-network provider is available we ask for a network gap exception "
        "or a single-case agreement."
    ),
    "benefit_exclusion": (
        "We ask the plan to identify the exact exclusion it relies on and to review coverage under the "
        "drug's labelled indication and the plan's own criteria cited below; if the plan treats the drug "
        "as excluded, we request an exception."
    ),
    "formulary_exclusion": (
        "We request a formulary exception for {drug}. The patient's clinical facts and the labelled "
        "indication cited below support it."
    ),
    "quantity_limit": (
        "The quantity requested follows the FDA-labelled dosing cited below; we ask the plan to approve "
        "the labelled dose."
    ),
    "coding_billing_error": (
        "The coding issue is corrected here. The patient's documented diagnosis is {diagnoses}; the "
        "drug's labelled indication is cited below. We request reprocessing as a corrected claim with the "
        "correct codes."
    ),
    "timely_filing": (
        "We ask the plan to accept this claim or request as timely, or to waive the filing limit for good "
        "cause, given the dates in the record."
    ),
    "eligibility": (
        "We ask the plan to re-verify coverage on the date of service; proof of coverage is enclosed."
    ),
}

STATUS_WORDS = {"met": "Met", "not_met": "Not met", "missing": "Evidence to attach"}


class Drafter(Protocol):
    """Writes a Draft from a DraftInput."""

    name: str

    def draft(self, data: DraftInput) -> Draft:
        """The letter's sections."""
        ...


def draft(data: DraftInput, drafter: Drafter | None = None) -> Draft:
    """Draft the appeal letter with the given drafter (the template drafter by default)."""
    return (drafter or TemplateDrafter()).draft(data)


class TemplateDrafter:
    """The deterministic drafter: a strategy per basis, facts and citations filled in."""

    name = "template"

    def draft(self, data: DraftInput) -> Draft:
        """All sections of the letter."""
        sections = [self.opening(data)]
        for n, basis in enumerate(data.bases, start=1):
            sections.append(self.basis_section(data, basis, n))
        if data.assessment.criteria:
            sections.append(self.criteria_section(data))
        sections.append(self.deadlines_section(data))
        sections.append(self.request_section(data))
        sections.append(self.enclosures_section(data))
        sections.append(self.closing(data))
        return Draft(drafter=self.name, sections=sections)

    def opening(self, d: DraftInput) -> DraftSection:
        """Who, what and which denial."""
        f = d.facts
        lines = [f"Date: {d.today.isoformat()}", ""]
        lines.append(f"To: {_payer_name(f.payer)} Appeals Department")
        ref = [f"Member ID: {f.member_id}" if f.member_id else "Member ID: (see enclosed denial notice)"]
        if f.claim_number:
            ref.append(f"Claim/reference number: {f.claim_number}")
        if f.letter_date:
            ref.append(f"Date of denial notice: {f.letter_date.isoformat()}")
        if f.service_date:
            ref.append(f"Date of service/request: {f.service_date.isoformat()}")
        lines += [f"Re: Appeal of the denial of {_drug_title(f.drug)}", *ref, ""]
        expedited = (
            " Because this is urgent, I request an expedited (fast) review of this appeal."
            if f.urgent else ""
        )
        when = f" dated {f.letter_date.isoformat()}" if f.letter_date else ""
        lines.append(
            f"I am writing to appeal the denial{when} of coverage for {_drug_title(f.drug)}. The denial "
            f"gives {len(d.bases)} reason(s); this letter answers each one in turn, with the plan's own "
            f"criteria, the FDA label and the patient's records.{expedited}"
        )
        return DraftSection(kind="opening", heading="Appeal of coverage denial", body="\n".join(lines))

    def basis_section(self, d: DraftInput, basis: DenialBasis, n: int) -> DraftSection:
        """Answer one denial point: their reason, the criterion, the evidence, the citation."""
        f = d.facts
        passages = _passages_for(d.passages, basis.id)
        quote = " ".join(basis.evidence.text.split())
        diagnoses = ", ".join(d.patient_facts.diagnoses) if d.patient_facts and d.patient_facts.diagnoses else "documented in the enclosed records"
        strategy = _STRATEGY[basis.id].format(
            drug=_drug_title(f.drug), drug_title=_drug_title(f.drug), diagnoses=diagnoses
        )
        parts = [f'The denial states: "{quote}"', "", strategy]
        relevant = criteria_for(d.assessment, basis.id)
        if relevant:
            parts.append("")
            for c in relevant:
                cite = f" [{c.passage_id}]" if c.passage_id and _known(d.passages, c.passage_id) else ""
                parts.append(f"- {c.text} {STATUS_WORDS[c.status]}: {c.evidence}.{cite}")
        cited = [p.id for p in passages[:2]]
        if cited:
            parts.append("")
            for p in passages[:2]:
                parts.append(f"See {p.title}, \"{p.section}\" [{p.id}].")
        if f.urgent and basis.id == "prior_authorization_required":
            parts.append("Given the urgency, please decide this point on an expedited basis.")
        citations = cited + [c.passage_id for c in relevant if c.passage_id and _known(d.passages, c.passage_id)]
        return DraftSection(
            kind="basis",
            heading=f"Point {n}: {BASIS_TITLES[basis.id]}",
            body="\n".join(parts),
            basis=basis.id,
            citations=list(dict.fromkeys(citations)),
        )

    def criteria_section(self, d: DraftInput) -> DraftSection:
        """The criteria table: criterion, status, evidence, source."""
        rows = ["| Criterion | Status | Evidence | Source |", "| --- | --- | --- | --- |"]
        cites: list[str] = []
        for c in d.assessment.criteria:
            src = f"[{c.passage_id}]" if c.passage_id and _known(d.passages, c.passage_id) else "criteria set"
            if c.passage_id and _known(d.passages, c.passage_id):
                cites.append(c.passage_id)
            rows.append(f"| {_cell(c.text)} | {STATUS_WORDS[c.status]} | {_cell(c.evidence)} | {src} |")
        origin = "the plan's coverage criteria" if d.assessment.source == "payer" else "the FDA-label criteria"
        intro = f"How the patient's documented facts compare with {origin} for {_drug_title(d.facts.drug)}:"
        return DraftSection(kind="criteria", heading="Coverage criteria", body=intro + "\n\n" + "\n".join(rows),
                            citations=list(dict.fromkeys(cites)))

    def deadlines_section(self, d: DraftInput) -> DraftSection:
        """The appeal deadline and the routes that follow, each with its citation."""
        lines = []
        internal = next((x for x in d.deadlines if x.step in ("internal_appeal", "reconsideration", "redetermination")), None)
        if internal and internal.due:
            span = f"{internal.days} days" if internal.days else f"{internal.months} months"
            lines.append(
                f"This appeal is filed within the {span} allowed to appeal the denial, which ends on "
                f"{internal.due.isoformat()} ({internal.citation})."
            )
        elif d.facts.stated_deadline_days:
            lines.append(f"The denial notice allows {d.facts.stated_deadline_days} days to appeal; this appeal is filed within that time.")
        if d.facts.urgent:
            fast = next((x for x in d.deadlines if x.step.startswith("expedited")), None)
            if fast:
                lines.append(f"Expedited review is requested: {fast.decision_timeframe or fast.title} ({fast.citation}).")
        ext = next((x for x in d.deadlines if x.step in ("external_review", "ire_review", "fair_hearing", "opm_review")), None)
        if ext:
            lines.append(f"If the plan upholds its denial, the next step is: {ext.title} ({ext.citation}).")
        return DraftSection(kind="deadlines", heading="Deadlines and appeal rights", body=" ".join(lines) or "See the enclosed denial notice for the appeal deadline.")

    def request_section(self, d: DraftInput) -> DraftSection:
        """What we ask the plan to do."""
        drug = _drug_title(d.facts.drug)
        ask = f"Please overturn the denial and approve coverage of {drug}"
        if any(b.id == "coding_billing_error" for b in d.bases):
            ask += ", and reprocess the claim with the corrected codes"
        ask += "."
        if d.facts.urgent:
            ask += " Please decide this appeal on an expedited basis."
        ask += " If the plan does not overturn the denial, please send the specific criteria and the reviewer's credentials relied on, and all documents relevant to this claim."
        return DraftSection(kind="request", heading="Request", body=ask)

    def enclosures_section(self, d: DraftInput) -> DraftSection:
        """The records to attach: the denial, then every record a criterion still needs."""
        items = ["A copy of the denial notice"]
        for c in d.assessment.criteria:
            if c.status != "met" and c.record and c.record not in items:
                items.append(c.record)
        items += ["The prescriber's letter of medical necessity", "The relevant clinical notes and laboratory reports"]
        return DraftSection(kind="enclosures", heading="Enclosures", body="\n".join(f"- {i}" for i in items))

    def closing(self, d: DraftInput) -> DraftSection:
        """Signature block."""
        prescriber = d.patient_facts.prescriber if d.patient_facts else None
        cc = f"\n\ncc: {prescriber.name}, prescribing physician" if prescriber and prescriber.name else ""
        body = "Sincerely,\n\n______________________________\nPatient or authorized representative (signature and date)" + cc
        return DraftSection(kind="closing", heading="Signature", body=body)


def _payer_name(payer: str | None) -> str:
    entry = payer_directory().get(payer) if payer else None
    return entry.name if entry else "Health Plan"


def _drug_title(drug: str | None) -> str:
    if not drug:
        return "the prescribed treatment"
    entry = drug_lexicon().get(drug)
    if entry and entry.id == drug.lower():
        return f"{entry.id.capitalize()} ({entry.generic[0]})"
    return drug


def _passages_for(passages: list[Passage], basis: str) -> list[Passage]:
    return [p for p in passages if basis in p.bases]


def _known(passages: list[Passage], pid: str) -> bool:
    return any(p.id == pid for p in passages)


_BASIS_CRITERIA_WORDS: dict[str, tuple[str, ...]] = {
    "site_of_care": ("site", "center", "prescrib", "facility"),
    "missing_information": (),
    "coding_billing_error": ("diagnos",),
    "step_therapy": ("prior", "prophylaxis", "tried", "therapy"),
    "off_label": ("diagnos", "age", "indication"),
    "experimental_investigational": ("diagnos", "indication"),
}


def criteria_for(assessment: Assessment, basis: str) -> list[CriterionResult]:
    """The criteria that bear on a denial point (all of them for medical necessity)."""
    if basis == "medical_necessity":
        return list(assessment.criteria)
    if basis == "missing_information":
        return [c for c in assessment.criteria if c.status != "not_met"]
    words = _BASIS_CRITERIA_WORDS.get(basis)
    if not words:
        return []
    return [c for c in assessment.criteria if any(w in (c.id + " " + c.text).lower() for w in words)]


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "/").split())
