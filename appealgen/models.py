"""Typed models that cross stage boundaries. JSON names follow DESIGN.md's Interfaces."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DateType = date  # fields named `date` shadow the type inside their class

BasisId = Literal[
    "medical_necessity",
    "experimental_investigational",
    "off_label",
    "step_therapy",
    "missing_information",
    "prior_authorization_required",
    "site_of_care",
    "out_of_network",
    "benefit_exclusion",
    "formulary_exclusion",
    "quantity_limit",
    "coding_billing_error",
    "timely_filing",
    "eligibility",
]
BASIS_IDS: tuple[str, ...] = BasisId.__args__  # type: ignore[attr-defined]

PlanType = Literal[
    "commercial_fully_insured",
    "erisa_self_funded",
    "aca_marketplace",
    "medicare_advantage",
    "medicare_part_d",
    "medicaid_managed_care",
    "fehb",
    "unknown",
]
PLAN_TYPES: tuple[str, ...] = PlanType.__args__  # type: ignore[attr-defined]

CriterionStatus = Literal["met", "not_met", "missing"]


class Span(BaseModel):
    """A character range in a text, with the text it covers."""

    start: int
    end: int
    text: str


class PageSpan(BaseModel):
    """Where one page's text starts and ends in ParsedDocument.text."""

    page: int
    start: int
    end: int


class ParsedDocument(BaseModel):
    """The text of an input document, with page offsets kept."""

    text: str
    media_type: Literal["application/pdf", "text/plain", "text/markdown"]
    page_count: int = 1
    pages: list[PageSpan] = Field(default_factory=list)
    sha256: str
    ocr: bool = False
    source_name: str | None = None
    hidden: list[Finding] = Field(
        default_factory=list,
        description="What reading removed from text (control characters, invisible text, instructions to a model), "
        "as warnings whose spans are points in text",
    )


class Codes(BaseModel):
    """Codes found in a denial letter, in canonical form."""

    icd10: list[str] = Field(default_factory=list)
    hcpcs: list[str] = Field(default_factory=list)
    cpt: list[str] = Field(default_factory=list)
    ndc: list[str] = Field(default_factory=list)
    carc: list[str] = Field(default_factory=list)


class DenialFacts(BaseModel):
    """What a denial letter states. A field the letter does not give is null."""

    payer: str | None = None
    plan_type: PlanType | None = None
    state: str | None = None
    member_id: str | None = None
    claim_number: str | None = None
    letter_date: date | None = None
    service_date: date | None = None
    drug: str | None = None
    codes: Codes = Field(default_factory=Codes)
    denial_reason: str | None = None
    stated_deadline_days: int | None = None
    urgent: bool = False
    pbm: str | None = Field(default=None, description="Pharmacy benefit manager that wrote the letter")
    spans: dict[str, Span] = Field(
        default_factory=dict, description="Where each extracted value occurs in the letter"
    )


class DenialBasis(BaseModel):
    """One reason for denial from the taxonomy, with the text that supports it."""

    id: BasisId
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: Span


class Passage(BaseModel):
    """A cited chunk of the corpus."""

    id: str
    doc_id: str
    kind: str
    title: str
    section: str
    text: str
    source: str = Field(description="Human-readable citation: source title, date, URL")
    url: str | None = None
    drug: str | None = None
    payer: str | None = None
    verified: bool = True
    score: float = 0.0
    bases: list[str] = Field(default_factory=list, description="Which denial points' queries found it")


class Patient(BaseModel):
    """Demographics needed by the criteria."""

    sex: str | None = None
    date_of_birth: date | None = None
    weight_kg: float | None = None


class Lab(BaseModel):
    """One lab result."""

    model_config = ConfigDict(extra="allow")
    name: str
    value: float | None = None
    unit: str | None = None
    result: str | None = None
    date: DateType | None = None


class PriorTreatment(BaseModel):
    """A treatment tried before."""

    model_config = ConfigDict(extra="allow")
    drug: str
    start: date | None = None
    end: date | None = None
    outcome: str | None = None


class Prescriber(BaseModel):
    """The prescribing clinician."""

    model_config = ConfigDict(extra="allow")
    name: str | None = None
    specialty: str | None = None
    npi: str | None = None


class SiteOfCare(BaseModel):
    """Where the drug is given."""

    model_config = ConfigDict(extra="allow")
    name: str | None = None
    approved_center: bool | None = None


class PatientFacts(BaseModel):
    """The patient's documented facts (input). Unknown top-level names are kept and reported."""

    model_config = ConfigDict(extra="allow")
    patient: Patient = Field(default_factory=Patient)
    diagnoses: list[str] = Field(default_factory=list)
    labs: list[Lab] = Field(default_factory=list)
    history: dict[str, bool | int | float | str | None] = Field(default_factory=dict)
    prior_treatments: list[PriorTreatment] = Field(default_factory=list)
    prescriber: Prescriber | None = None
    site_of_care: SiteOfCare | None = None
    as_of: date | None = None

    @property
    def unknown_fields(self) -> list[str]:
        """Top-level names the schema does not know (kept, not dropped)."""
        return sorted((self.model_extra or {}).keys())


class CriterionResult(BaseModel):
    """One coverage criterion evaluated against the patient's facts."""

    id: str
    text: str
    status: CriterionStatus
    evidence: str = Field(description="What the facts show, or which record to attach")
    passage_id: str | None = None
    record: str | None = None


class Assessment(BaseModel):
    """The criteria checker's output for one (drug, payer)."""

    criteria_set: str | None = None
    source: Literal["payer", "label", "none"] = "none"
    criteria: list[CriterionResult] = Field(default_factory=list)
    unknown_fact_fields: list[str] = Field(default_factory=list)

    def count(self, status: CriterionStatus) -> int:
        """How many criteria have this status."""
        return sum(1 for c in self.criteria if c.status == status)


class Deadline(BaseModel):
    """One appeal step and when it is due."""

    step: str
    title: str
    due: date | None = None
    days: int | None = None
    months: int | None = None
    day_type: Literal["calendar", "business"] = "calendar"
    counted_from: str = "denial_notice"
    decision_timeframe: str | None = None
    file_with: str | None = None
    citation: str
    source_url: str | None = None
    verified: bool = True


class Finding(BaseModel):
    """One problem the checker found in a letter."""

    rule: str
    severity: Literal["error", "warning"] = "error"
    message: str
    span: Span | None = None
    section: str | None = None


class CheckReport(BaseModel):
    """The checker's verdict: passed when no error-severity finding."""

    passed: bool
    findings: list[Finding] = Field(default_factory=list)


SectionKind = Literal["opening", "basis", "criteria", "deadlines", "request", "enclosures", "closing"]


class DraftSection(BaseModel):
    """One section of the letter."""

    kind: SectionKind
    heading: str
    body: str
    basis: BasisId | None = None
    citations: list[str] = Field(default_factory=list)
    origin: Literal["template", "llm", "repaired"] = "template"
    prompt_name: str | None = None
    prompt_hash: str | None = None
    model: str | None = None
    findings: list[Finding] = Field(default_factory=list)


class DraftInput(BaseModel):
    """Everything a drafter may use; nothing else reaches the letter."""

    denial_text: str
    facts: DenialFacts
    bases: list[DenialBasis]
    passages: list[Passage]
    assessment: Assessment
    deadlines: list[Deadline]
    patient_facts: PatientFacts | None = None
    today: date


class Draft(BaseModel):
    """The letter as sections, plus who drafted it."""

    drafter: str
    sections: list[DraftSection]
    fallback: str | None = Field(
        default=None, description="Why sections came from the template instead of the LLM (None when none did)"
    )


class CheckContext(BaseModel):
    """What a letter may rest on: the denial, the facts, the retrieved passages, the engines' output."""

    denial_text: str
    facts: DenialFacts
    bases: list[DenialBasis]
    passages: list[Passage]
    assessment: Assessment
    deadlines: list[Deadline]
    patient_facts: PatientFacts | None = None
    drafted_on: date
    denial_hidden: list[Finding] = Field(
        default_factory=list, description="What parse removed from denial_text (ParsedDocument.hidden)"
    )


class AppealResult(BaseModel):
    """Everything the pipeline produced for one denial (result.json)."""

    id: str | None = None
    created_at: datetime
    appealgen_version: str
    denial_text: str
    facts: DenialFacts
    bases: list[DenialBasis]
    patient_facts: PatientFacts | None = None
    passages: list[Passage]
    assessment: Assessment
    deadlines: list[Deadline]
    draft: Draft
    letter_markdown: str
    check: CheckReport
    files: dict[str, str] = Field(default_factory=dict)

    def check_context(self) -> CheckContext:
        """The inputs the checker verifies this result's letter against."""
        return CheckContext(
            denial_text=self.denial_text,
            facts=self.facts,
            bases=self.bases,
            passages=self.passages,
            assessment=self.assessment,
            deadlines=self.deadlines,
            patient_facts=self.patient_facts,
            drafted_on=self.created_at.date(),
            denial_hidden=[f for f in self.check.findings if f.section == "denial"],
        )
