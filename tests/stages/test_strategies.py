"""The template drafter's per-basis strategies: the patient's own facts, the state's law, and a clean check."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from appealgen.models import AppealResult, DraftInput, PatientFacts, PriorTreatment
from appealgen.pipeline import Pipeline
from appealgen.stages.check import check
from appealgen.stages.draft import TemplateDrafter
from appealgen.stages.render import to_markdown
from appealgen.stages.strategies import step_therapy_law
from tests.conftest import FIXTURES, ROOT, bm25_pipeline

TRAIN = ROOT / "eval" / "datasets" / "denials" / "train"
ST_CA = TRAIN / "anthem-ca-aimovig-fe-st-01.pdf"  # Anthem, California, formulary + step therapy (Emgality, Ajovy)
PRIOR = [
    PriorTreatment(drug="Emgality", start=date(2025, 3, 1), end=date(2025, 8, 15), outcome="failure: no fewer migraine days"),
    PriorTreatment(drug="Ajovy", start=date(2025, 9, 1), end=date(2025, 10, 10), outcome="intolerance: injection-site reactions"),
]


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    return bm25_pipeline(tmp_path_factory.mktemp("strategies"))


@pytest.fixture(scope="module")
def step_ca(pipeline: Pipeline) -> AppealResult:
    patient = PatientFacts(diagnoses=["G43.709"], prior_treatments=PRIOR, as_of=date(2026, 2, 23))
    return pipeline.run(ST_CA, patient)


def _input(r: AppealResult, **facts: object) -> DraftInput:
    return DraftInput(
        denial_text=r.denial_text, facts=r.facts.model_copy(update=facts), bases=r.bases, passages=r.passages,
        assessment=r.assessment, deadlines=r.deadlines, patient_facts=r.patient_facts, today=r.created_at.date(),
    )


def _section(r: AppealResult, basis: str) -> str:
    return next(s.body for s in r.draft.sections if s.basis == basis)


class TestStepTherapy:
    def test_names_each_prior_treatment_with_dates_and_outcome(self, step_ca: AppealResult) -> None:
        body = _section(step_ca, "step_therapy")
        for t in PRIOR:
            line = next(x for x in body.splitlines() if x.startswith(f"- {t.drug} "))
            assert t.start and t.end and t.outcome
            assert t.start.isoformat() in line and t.end.isoformat() in line and t.outcome in line

    def test_cites_the_california_exception_law_through_a_retrieved_passage(self, step_ca: AppealResult) -> None:
        body = _section(step_ca, "step_therapy")
        law = step_therapy_law("CA")
        assert law is not None
        section_number = law["citation"].split("§§")[1].split(",")[0].strip()  # the first Health & Safety Code section
        law_line = next(x for x in body.splitlines() if x.startswith("California law"))
        assert section_number in law_line
        cited = [p for p in step_ca.passages if f"[{p.id}]" in law_line]
        assert cited and section_number in cited[0].text

    def test_letter_passes_every_check(self, step_ca: AppealResult) -> None:
        assert step_ca.check.passed, step_ca.check.findings

    def test_silent_on_a_state_whose_law_was_not_researched(self, step_ca: AppealResult) -> None:
        assert step_therapy_law("CO") is None
        letter = TemplateDrafter().draft(_input(step_ca, state="CO"))
        body = next(s.body for s in letter.sections if s.basis == "step_therapy")
        assert "law" not in body.lower() and "Colorado" not in body

    def test_verified_law_without_a_passage_is_named_without_section_numbers(self, step_ca: AppealResult) -> None:
        data = _input(step_ca, state="TX")
        data = data.model_copy(update={"passages": [p for p in data.passages if not p.doc_id.startswith("california")]})
        letter = TemplateDrafter().draft(data)
        body = next(s.body for s in letter.sections if s.basis == "step_therapy")
        assert "Texas's step-therapy exception law applies" in body
        assert "1369.0546" not in body  # the rules table has it, but no retrieved passage backs it
        assert check(to_markdown(letter), step_ca.check_context().model_copy(update={"facts": data.facts})).passed


class TestOtherBases:
    def test_coding_letter_names_the_billed_and_the_documented_code(self, pipeline: Pipeline) -> None:
        from appealgen.patient_facts import load_patient_facts

        r = pipeline.run(FIXTURES / "coding_d66.pdf", load_patient_facts(FIXTURES / "coding_d66.facts.json"))
        body = _section(r, "coding_billing_error")
        assert "billed with diagnosis code D66" in body
        assert "corrected claim with diagnosis code D67" in body
        assert r.check.passed, r.check.findings

    def test_urgent_denial_asks_for_expedited_review_in_every_point(self, step_ca: AppealResult) -> None:
        letter = TemplateDrafter().draft(_input(step_ca, urgent=True))
        for section in (s for s in letter.sections if s.kind == "basis"):
            assert "expedited" in section.body

    def test_argument_is_the_second_block_for_the_llm_drafter(self, step_ca: AppealResult) -> None:
        for section in (s for s in step_ca.draft.sections if s.kind == "basis"):
            blocks = section.body.split("\n\n")
            assert blocks[0].startswith("The denial states:") and "\n" not in blocks[1]


@pytest.mark.parametrize(
    ("letter", "basis", "section_word"),
    [
        ("humana-fl-spinraza-ql-01", "quantity_limit", "dos"),
        ("uhc-tx-elevidys-ei-01", "experimental_investigational", "indication"),
    ],
)
def test_label_quote_is_in_the_cited_label_passage(pipeline: Pipeline, letter: str, basis: str, section_word: str) -> None:
    result = pipeline.run(TRAIN / f"{letter}.pdf")
    body = _section(result, basis)
    match = re.search(r'passage says: "(.+)" \[([^\]]+)\]', body)
    assert match, body
    quote, pid = match.groups()
    passage = next(p for p in result.passages if p.id == pid)
    assert passage.kind == "label" and section_word in passage.section.lower()
    # Quotes leave out the corpus's inline source notes ("[label section 2.2, URL]"), nothing else.
    assert quote.removesuffix(" ...") in " ".join(re.sub(r"\s*\[[^\]]*\]", "", passage.text).split())


@pytest.mark.parametrize("pdf", sorted(TRAIN.glob("*.pdf")), ids=lambda p: p.stem)
def test_train_letter_passes_check(pipeline: Pipeline, pdf: Path) -> None:
    """Every train denial (facts from the letter only) gets a template letter that passes every check."""
    result = pipeline.run(pdf)
    assert result.check.passed, [(f.rule, f.message) for f in result.check.findings]
