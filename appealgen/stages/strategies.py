"""The drafting strategy per denial basis: the argument, the concrete facts behind it, the records to attach.

Shared by the template drafter (the letter) and the packet builder (records to attach), so the
letter and the packet never disagree. Every identifier, date, code, name and number written
here comes from the denial facts, the patient facts, the appeal-rules table or a retrieved
passage, and a passage's words are only quoted with its [id].
"""

from __future__ import annotations

import re

from appealgen.knowledge.appeal_rules import rules_table
from appealgen.knowledge.drugs import drug_lexicon
from appealgen.knowledge.letter_layout import sentences
from appealgen.knowledge.payers import payer_directory
from appealgen.models import Assessment, CriterionResult, DenialFacts, DraftInput, Passage, PatientFacts, PriorTreatment

ARGUMENT: dict[str, str] = {
    "medical_necessity": (
        "The request meets the coverage criteria that apply to {drug}. Each criterion and the "
        "patient's documented evidence are set out below and in the criteria table."
    ),
    "experimental_investigational": (
        "{drug} is not experimental or investigational for this patient: it is an FDA-approved "
        "product, and the patient's condition falls within its labelled indication, as the cited label "
        "passages show."
    ),
    "off_label": (
        "The requested use is within the FDA-approved indication for {drug}, as the label passages cited "
        "below state. Where a plan treats a use as outside the label, coverage can still rest on the "
        "recognised drug compendia and clinical guidelines, which the prescriber's letter identifies."
    ),
    "step_therapy": (
        "The step-therapy requirement should not apply. Each alternative the patient has already tried is "
        "listed below with its dates and outcome: a required alternative that failed, was not tolerated or "
        "is contraindicated should not be required again, and we ask for a step-therapy exception."
    ),
    "missing_information": (
        "The information the plan said it lacked is enclosed with this appeal, item by item, as listed "
        "below and under Enclosures. Please review the complete record."
    ),
    "prior_authorization_required": (
        "We ask the plan to review this request on its clinical merits now, including retroactive "
        "authorization where the service has already been given, under the criteria cited below."
    ),
    "site_of_care": (
        "The site of care should not bar coverage. The plan's site-of-care requirement and the facts "
        "about the treating center are set out below; if none of the plan's approved centers is reasonably "
        "available, the network is not adequate for this treatment and we ask for a network exception or a "
        "single-case agreement."
    ),
    "out_of_network": (
        "We ask the plan to cover this care at the in-network level. If the plan has no in-network provider "
        "with the expertise to give {drug}, we ask for a network gap exception or a single-case agreement."
    ),
    "benefit_exclusion": (
        "We ask the plan to identify the exact exclusion it relies on and to review coverage under the "
        "drug's labelled indication and the plan's own criteria cited below; if the plan treats the drug "
        "as excluded, we request an exception."
    ),
    "formulary_exclusion": (
        "This is a formulary exception request for {drug}. The patient's clinical facts and the labelled "
        "indication cited below support it, and the prescriber's statement that the covered alternatives "
        "would be less effective or harmful for this patient is enclosed."
    ),
    "quantity_limit": (
        "The quantity requested follows the FDA-labelled dosing cited below; we ask the plan to approve "
        "the labelled dose."
    ),
    "coding_billing_error": (
        "The coding issue is corrected here, and we request that the claim be reprocessed as a corrected "
        "claim with the correct codes."
    ),
    "timely_filing": (
        "We ask the plan to accept this claim or request as timely, or to waive the filing limit for good "
        "cause, given the dates in the record."
    ),
    "eligibility": (
        "We ask the plan to re-verify coverage on the date of service; proof of coverage is enclosed."
    ),
}

# What each basis needs enclosed, beyond the criteria's own records (kinds of record, no facts).
BASIS_RECORDS: dict[str, tuple[str, ...]] = {
    "experimental_investigational": ("The FDA label's indication section",),
    "off_label": ("Compendia or clinical-guideline references the prescriber relies on",),
    "step_therapy": ("Pharmacy and clinic records of each prior treatment: dates, dose and why it was stopped",),
    "prior_authorization_required": ("The prescriber's note on why treatment could not wait for authorization",),
    "site_of_care": ("The treatment center's qualifications and the plan's list of approved centers",),
    "out_of_network": ("The treating provider's qualifications and any record of in-network providers contacted",),
    "benefit_exclusion": ("The plan document pages the denial relies on",),
    "formulary_exclusion": ("The prescriber's formulary exception statement",),
    "quantity_limit": ("The prescription with the dose and the weight or lab value it is based on",),
    "coding_billing_error": ("The provider's corrected claim",),
    "timely_filing": ("Proof of the original submission date (clearinghouse or mailing records)",),
    "eligibility": ("Proof of coverage on the date of service (member ID card or enrollment confirmation)",),
}

_MISSING_WORDS = re.compile(
    r"\b(?:did not (?:receive|get|include|send)|not (?:received|provided|included|submitted)|missing|"
    r"incomplete|no (?:documentation|records?)|without (?:the |these )?(?:records|documentation))\b",
    re.IGNORECASE,
)
_QUOTE_CHARS = 320
_SOURCE_NOTE = re.compile(r"\s*\[[^\]]*\]|\s*https?://\S+")
Lines = tuple[list[str], list[str]]  # lines of the letter, passage ids they cite


def payer_name(payer: str | None) -> str:
    """The payer's display name from the directory, or 'Health Plan'."""
    entry = payer_directory().get(payer) if payer else None
    return entry.name if entry else "Health Plan"


def drug_title(drug: str | None) -> str:
    """'Hemgenix (etranacogene dezaparvovec-drlb)' for a known brand, else the name as written."""
    if not drug:
        return "the prescribed treatment"
    entry = drug_lexicon().get(drug)
    if entry and entry.id == drug.lower():
        return f"{entry.id.capitalize()} ({entry.generic[0]})"
    return drug


def flat(text: str) -> str:
    """Text on one line, safe inside a Markdown table cell."""
    return " ".join(text.replace("|", "/").split())


def details(basis: str, d: DraftInput) -> Lines:
    """The concrete lines that back one basis's argument, and the passage ids they cite."""
    builder = _DETAILS.get(basis)
    return builder(d) if builder else ([], [])


def records_to_attach(
    bases: list[str],
    patient: PatientFacts | None,
    denial_text: str,
    assessment: Assessment,
) -> list[str]:
    """Every record to enclose: the denial, what the criteria still need, what each basis needs."""
    items = ["A copy of the denial notice"]
    items += [_record_line(c) for c in assessment.criteria if c.status != "met" and c.record]
    if "missing_information" in bases:
        items += [f'The records the denial says were missing: "{q}"' for q in missing_quotes(denial_text)]
    if "step_therapy" in bases and patient:
        items += [f"Records of the trial of {_treatment_line(t)}" for t in patient.prior_treatments]
    for basis in bases:
        items += BASIS_RECORDS.get(basis, ())
    items += ["The prescriber's letter of medical necessity", "The relevant clinical notes and laboratory reports"]
    return list(dict.fromkeys(items))


def missing_quotes(denial_text: str) -> list[str]:
    """The denial's own sentences saying what it did not receive (outside the rights notice)."""
    said = [flat(s.text) for s in sentences(denial_text) if not s.in_rights_notice]
    return [_clip(text) for text in said if _MISSING_WORDS.search(text)]


def step_therapy_law(state: str | None) -> dict[str, str] | None:
    """The state's step-therapy exception law from the rules table, only where it was researched and verified."""
    row = rules_table()["states"].get(state.upper()) if state else None
    law = (row or {}).get("step_therapy_exception_law") or {}
    if not (row and law.get("verified") and law.get("citation") and law.get("summary")):
        return None
    return {"state_name": row["name"], "citation": law["citation"], "summary": law["summary"]}


def _clip(text: str) -> str:
    return text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS].rsplit(" ", 1)[0] + " ..."


def _sentence(text: str, words: tuple[str, ...]) -> str:
    """The passage's first sentence naming one of the words (else its first sentence),
    without the corpus's inline source notes ([title, URL], [same sources])."""
    found = re.findall(r".+?[.!?](?=\s|$)", flat(_SOURCE_NOTE.sub("", text))) or [flat(text)]
    chosen = next((x for x in found if any(w in x.lower() for w in words)), found[0])
    return _clip(chosen.strip().lstrip("-* ").strip())


def _label_passage(passages: list[Passage], words: tuple[str, ...]) -> Passage | None:
    """The first retrieved label passage whose section names one of the words."""
    return next(
        (p for p in passages if p.kind == "label" and any(w in p.section.lower() for w in words)),
        None,
    )


def _fitting_diagnoses(facts: DenialFacts, patient: PatientFacts | None) -> list[str]:
    """The patient's diagnoses that fall within the drug's labelled indication."""
    drug = drug_lexicon().get(facts.drug) if facts.drug else None
    if not (drug and patient and drug.indication_icd10):
        return []
    return [code for code in patient.diagnoses if drug.fits_indication(code)]


def _indication(d: DraftInput) -> Lines:
    """The label's indication, quoted, and the patient's diagnosis within it."""
    lines: list[str] = []
    cites: list[str] = []
    label = _label_passage(d.passages, ("indication",))
    if label:
        quote = _sentence(label.text, ("approved for", "indicated for", "is indicated", "is approved"))
        lines.append(f'The cited FDA-label passage says: "{quote}" [{label.id}]')
        cites.append(label.id)
    fitting = _fitting_diagnoses(d.facts, d.patient_facts)
    if fitting:
        lines.append(
            f"The patient's documented diagnosis code {', '.join(fitting)} falls within that labelled indication."
        )
    else:
        lines.append("The enclosed records and the prescriber's letter document the diagnosis within that indication.")
    return lines, cites


def _treatment_line(t: PriorTreatment) -> str:
    start = t.start.isoformat() if t.start else "start date not recorded"
    end = t.end.isoformat() if t.end else "no end date recorded"
    outcome = t.outcome or "outcome not recorded"
    return f"{t.drug} ({start} to {end}; outcome: {outcome})"


def _step_therapy(d: DraftInput) -> Lines:
    """Each prior treatment with dates and outcome, then the state's exception law."""
    lines: list[str] = []
    cites: list[str] = []
    treatments = d.patient_facts.prior_treatments if d.patient_facts else []
    if treatments:
        lines.append("Alternatives already tried:")
        for t in treatments:
            named = " (an alternative the denial names)" if t.drug.lower() in d.denial_text.lower() else ""
            lines.append(f"- {_treatment_line(t)}{named}")
    else:
        lines.append(
            "The prescriber's enclosed statement gives, for each required alternative, whether it was tried "
            "and failed, was not tolerated, or is contraindicated."
        )
    law = step_therapy_law(d.facts.state)
    if law:
        lines.append("")
        rule = law["summary"].split(";")[0].rstrip(".")
        backing = _law_passage(d.passages, law["citation"])
        if backing:
            sections = _sections_in(law["citation"], backing.text)
            lines.append(f"{law['state_name']} law ({sections}): {rule} [{backing.id}].")
            cites.append(backing.id)
        else:
            lines.append(f"{law['state_name']}'s step-therapy exception law applies: {rule}.")
    return lines, cites


def _law_passage(passages: list[Passage], citation: str) -> Passage | None:
    """A retrieved passage that states at least one section of the law's citation."""
    return next((p for p in passages if _sections_in(citation, p.text)), None)


def _sections_in(citation: str, text: str) -> str:
    """The parts of a citation ('Code §§ a, b; Other Code § c') whose section numbers the text states."""
    kept = []
    for part in citation.split(";"):
        code, _, numbers = part.partition("§")
        found = [n for n in re.findall(r"\d[\d.-]*\d", numbers) if re.search(rf"§\s*{re.escape(n)}(?![\d])", text)]
        if found:
            kept.append(f"{code.strip()} § {', '.join(found)}")
    return "; ".join(kept)


def _missing(d: DraftInput) -> Lines:
    """What the denial says was missing, and what is enclosed for each item."""
    lines = [f'- The denial says: "{q}"' for q in missing_quotes(d.denial_text)]
    enclosed = [f"- Enclosed: {_record_line(c)}" for c in d.assessment.criteria if c.status != "met" and c.record]
    if not enclosed:
        enclosed = ["- Enclosed: the records named above, as listed under Enclosures."]
    return lines + enclosed, []


def _site_of_care(d: DraftInput) -> Lines:
    site = d.patient_facts.site_of_care if d.patient_facts else None
    if not (site and site.name):
        return [], []
    if site.approved_center:
        return [f"The treatment is planned at {site.name}, which the records show is an approved treatment center."], []
    return [f"The treatment is planned at {site.name}, which is not recorded as one of the plan's approved centers."], []


def _out_of_network(d: DraftInput) -> Lines:
    doc = d.patient_facts.prescriber if d.patient_facts else None
    if not (doc and doc.specialty):
        return [], []
    return [f"We ask the plan to name an in-network {doc.specialty} specialist able to provide {drug_title(d.facts.drug)}."], []


def _exception(d: DraftInput) -> Lines:
    """Formulary or benefit exception: the indication plus what was tried before."""
    lines, cites = _indication(d)
    treatments = d.patient_facts.prior_treatments if d.patient_facts else []
    if treatments:
        lines += ["", "Tried before:", *(f"- {_treatment_line(t)}" for t in treatments)]
    return lines, cites


def _quantity(d: DraftInput) -> Lines:
    """The labelled dosing, quoted, and the patient's weight when recorded."""
    lines: list[str] = []
    cites: list[str] = []
    label = _label_passage(d.passages, ("dos",))
    if label:
        lines.append(f'The cited FDA-label dosing passage says: "{_sentence(label.text, ("dose", "dosage"))}" [{label.id}]')
        cites.append(label.id)
    if d.patient_facts and d.patient_facts.patient.weight_kg:
        lines.append(f"The patient's documented weight is {d.patient_facts.patient.weight_kg:g} kg.")
    return lines, cites


def _coding(d: DraftInput) -> Lines:
    """The billed diagnosis code against the documented one, and the corrected-claim request."""
    documented = _fitting_diagnoses(d.facts, d.patient_facts) or (d.patient_facts.diagnoses if d.patient_facts else [])
    billed = [c for c in d.facts.codes.icd10 if c not in documented]
    if not documented:
        return ["The patient's diagnosis is documented in the enclosed records."], []
    lines = []
    if billed:
        lines.append(f"As the denial states, the claim was billed with diagnosis code {', '.join(billed)}.")
    lines.append(
        f"The patient's documented diagnosis code is {', '.join(documented)}. Please reprocess the claim as a "
        f"corrected claim with diagnosis code {', '.join(documented)}."
    )
    return lines, []


def _dates(d: DraftInput) -> Lines:
    """The dates the timing argument rests on."""
    lines = []
    if d.facts.service_date:
        lines.append(f"Date of service or request in the denial: {d.facts.service_date.isoformat()}.")
    if d.facts.letter_date:
        lines.append(f"Date of the denial notice: {d.facts.letter_date.isoformat()}.")
    return lines, []


def _eligibility(d: DraftInput) -> Lines:
    if not (d.facts.member_id and d.facts.service_date):
        return [], []
    return [f"Member ID {d.facts.member_id}: proof of coverage on {d.facts.service_date.isoformat()} is enclosed."], []


_DETAILS = {
    "experimental_investigational": _indication,
    "off_label": _indication,
    "step_therapy": _step_therapy,
    "missing_information": _missing,
    "site_of_care": _site_of_care,
    "out_of_network": _out_of_network,
    "benefit_exclusion": _exception,
    "formulary_exclusion": _exception,
    "quantity_limit": _quantity,
    "coding_billing_error": _coding,
    "prior_authorization_required": _dates,
    "timely_filing": _dates,
    "eligibility": _eligibility,
}


def _record_line(c: CriterionResult) -> str:
    return f"{(c.record or '').rstrip('.')} (criterion: {flat(c.text).rstrip('.')})"
