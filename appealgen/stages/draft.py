"""draft: DraftInput -> Draft, one section per denial point, behind a Drafter protocol.

The template drafter is deterministic and the offline default. Every identifier, date,
deadline and citation it writes comes from the denial facts, the patient facts, the
criteria assessment, the rules engine or a retrieved passage.
"""

from __future__ import annotations

from typing import Protocol

from appealgen.models import (
    Assessment,
    CriterionResult,
    DenialBasis,
    Draft,
    DraftInput,
    DraftSection,
    Passage,
)
from appealgen.stages.strategies import ARGUMENT, details, drug_title, flat, payer_name, records_to_attach

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

INTERNAL_STEPS = ("internal_appeal", "reconsideration", "redetermination")
EXTERNAL_STEPS = ("external_review", "ire_review", "fair_hearing", "opm_review")
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
        lines.append(f"To: {payer_name(f.payer)} Appeals Department")
        ref = [f"Member ID: {f.member_id}" if f.member_id else "Member ID: (see enclosed denial notice)"]
        if f.claim_number:
            ref.append(f"Claim/reference number: {f.claim_number}")
        if f.letter_date:
            ref.append(f"Date of denial notice: {f.letter_date.isoformat()}")
        if f.service_date:
            ref.append(f"Date of service/request: {f.service_date.isoformat()}")
        lines += [f"Re: Appeal of the denial of {drug_title(f.drug)}", *ref, ""]
        expedited = (
            " Because this is urgent, I request an expedited (fast) review of this appeal."
            if f.urgent else ""
        )
        when = f" dated {f.letter_date.isoformat()}" if f.letter_date else ""
        lines.append(
            f"I am writing to appeal the denial{when} of coverage for {drug_title(f.drug)}. The denial "
            f"gives {len(d.bases)} reason(s); this letter answers each one in turn, with the plan's own "
            f"criteria, the FDA label and the patient's records.{expedited}"
        )
        return DraftSection(kind="opening", heading="Appeal of coverage denial", body="\n".join(lines))

    def basis_section(self, d: DraftInput, basis: DenialBasis, n: int) -> DraftSection:
        """Answer one denial point: their reason, the argument, the patient's facts, the criteria, the citations.

        The argument is the second block of the body (the LLM drafter rewrites only that block);
        the facts and citations around it are filled deterministically.
        """
        quote = " ".join(basis.evidence.text.split())
        parts = [f'The denial states: "{quote}"', "", ARGUMENT[basis.id].format(drug=drug_title(d.facts.drug))]
        lines, cited = details(basis.id, d)
        if lines:
            parts += ["", *lines]
        relevant = criteria_for(d.assessment, basis.id)
        if relevant:
            parts.append("")
            for c in relevant:
                cite = f" [{c.passage_id}]" if c.passage_id and _known(d.passages, c.passage_id) else ""
                parts.append(f"- {c.text} {STATUS_WORDS[c.status]}: {c.evidence}.{cite}")
        passages = [p for p in _passages_for(d.passages, basis.id) if p.id not in cited][:2]
        if passages:
            parts.append("")
            parts += [f'See {p.title}, "{p.section}" [{p.id}].' for p in passages]
        if d.facts.urgent:
            parts += ["", "Because this is urgent, please decide this point on an expedited basis."]
        cited = cited + [p.id for p in passages]
        cited += [c.passage_id for c in relevant if c.passage_id and _known(d.passages, c.passage_id)]
        return DraftSection(
            kind="basis",
            heading=f"Point {n}: {BASIS_TITLES[basis.id]}",
            body="\n".join(parts),
            basis=basis.id,
            citations=list(dict.fromkeys(cited)),
        )

    def criteria_section(self, d: DraftInput) -> DraftSection:
        """The criteria table: criterion, status, evidence, source."""
        rows = ["| Criterion | Status | Evidence | Source |", "| --- | --- | --- | --- |"]
        cites: list[str] = []
        for c in d.assessment.criteria:
            src = f"[{c.passage_id}]" if c.passage_id and _known(d.passages, c.passage_id) else "criteria set"
            if c.passage_id and _known(d.passages, c.passage_id):
                cites.append(c.passage_id)
            rows.append(f"| {flat(c.text)} | {STATUS_WORDS[c.status]} | {flat(c.evidence)} | {src} |")
        origin = "the plan's coverage criteria" if d.assessment.source == "payer" else "the FDA-label criteria"
        intro = f"How the patient's documented facts compare with {origin} for {drug_title(d.facts.drug)}:"
        return DraftSection(kind="criteria", heading="Coverage criteria", body=intro + "\n\n" + "\n".join(rows),
                            citations=list(dict.fromkeys(cites)))

    def deadlines_section(self, d: DraftInput) -> DraftSection:
        """The appeal deadline and the routes that follow, each with its citation."""
        lines = []
        internal = next((x for x in d.deadlines if x.step in INTERNAL_STEPS), None)
        if internal and internal.due:
            span = f"{internal.days} days" if internal.days else f"{internal.months} months"
            lines.append(
                f"This appeal is filed within the {span} allowed to appeal the denial, which ends on "
                f"{internal.due.isoformat()} ({internal.citation})."
            )
        elif d.facts.stated_deadline_days:
            lines.append(
                f"The denial notice allows {d.facts.stated_deadline_days} days to appeal; this appeal is filed within that time."
            )
        if d.facts.urgent:
            fast = next((x for x in d.deadlines if x.step.startswith("expedited")), None)
            if fast:
                lines.append(f"Expedited review is requested: {fast.decision_timeframe or fast.title} ({fast.citation}).")
        ext = next((x for x in d.deadlines if x.step in EXTERNAL_STEPS), None)
        if ext:
            lines.append(f"If the plan upholds its denial, the next step is: {ext.title} ({ext.citation}).")
        body = " ".join(lines) or "See the enclosed denial notice for the appeal deadline."
        return DraftSection(kind="deadlines", heading="Deadlines and appeal rights", body=body)

    def request_section(self, d: DraftInput) -> DraftSection:
        """What we ask the plan to do."""
        drug = drug_title(d.facts.drug)
        ask = f"Please overturn the denial and approve coverage of {drug}"
        if any(b.id == "coding_billing_error" for b in d.bases):
            ask += ", and reprocess the claim with the corrected codes"
        ask += "."
        if d.facts.urgent:
            ask += " Please decide this appeal on an expedited basis."
        ask += (
            " If the plan does not overturn the denial, please send the specific criteria and the reviewer's "
            "credentials relied on, and all documents relevant to this claim."
        )
        return DraftSection(kind="request", heading="Request", body=ask)

    def enclosures_section(self, d: DraftInput) -> DraftSection:
        """The records to attach: the denial, what the criteria still need, what each denial point needs."""
        items = records_to_attach([b.id for b in d.bases], d.patient_facts, d.denial_text, d.assessment)
        return DraftSection(kind="enclosures", heading="Enclosures", body="\n".join(f"- {i}" for i in items))

    def closing(self, d: DraftInput) -> DraftSection:
        """Signature block."""
        prescriber = d.patient_facts.prescriber if d.patient_facts else None
        cc = f"\n\ncc: {prescriber.name}, prescribing physician" if prescriber and prescriber.name else ""
        body = "Sincerely,\n\n______________________________\nPatient or authorized representative (signature and date)" + cc
        return DraftSection(kind="closing", heading="Signature", body=body)






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
