"""The pipeline: calls the stages in order. No stage logic lives here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from appealgen import __version__
from appealgen.adapters.embeddings import default_embedder
from appealgen.adapters.hybrid import HybridIndex
from appealgen.knowledge.appeal_rules import deadlines
from appealgen.knowledge.criteria import CriteriaLibrary
from appealgen.knowledge.drugs import drug_lexicon
from appealgen.models import (
    AppealResult,
    Assessment,
    CheckContext,
    Deadline,
    DenialFacts,
    DraftInput,
    ParsedDocument,
    PatientFacts,
)
from appealgen.settings import Settings
from appealgen.stages.assess import assess
from appealgen.stages.check import check
from appealgen.stages.draft import Drafter, TemplateDrafter, draft
from appealgen.stages.extract import extract
from appealgen.stages.llm_classifier import BasisClassifier, basis_classifier
from appealgen.stages.parse import parse
from appealgen.stages.render import to_markdown
from appealgen.stages.retrieve import Retriever, retrieve


class Pipeline:
    """Holds the long-lived parts (index, criteria, drafter) and runs the stages."""

    def __init__(
        self,
        settings: Settings,
        retriever: Retriever | None = None,
        drafter: Drafter | None = None,
        criteria: CriteriaLibrary | None = None,
        classifier: BasisClassifier | None = None,
    ) -> None:
        self.settings = settings
        self._retriever = retriever
        self.drafter = drafter or make_drafter(settings)
        self.classifier = classifier or basis_classifier(settings)
        if criteria is not None:
            self.criteria = criteria  # fills the cached property

    @property
    def retriever(self) -> Retriever:
        """The hybrid index, opened on first use."""
        if self._retriever is None:
            self._retriever = HybridIndex.open(
                self.settings.index_dir, default_embedder(self.settings), self.settings.chroma_url)
        return self._retriever

    @cached_property
    def criteria(self) -> CriteriaLibrary:
        """The criteria sets in the corpus."""
        return CriteriaLibrary.load(self.settings.corpus_dir / "criteria")

    def read(self, source: bytes | str | Path, name: str | None = None) -> tuple[ParsedDocument, DenialFacts]:
        """parse + extract."""
        doc = parse(source, name=name, limits=self.settings.parse)
        return doc, extract(doc)

    def run(
        self,
        source: bytes | str | Path,
        patient: PatientFacts | None = None,
        name: str | None = None,
        timer: Timer | None = None,
    ) -> AppealResult:
        """The whole pipeline for one denial letter.

        Args:
            source: the letter (a path, file bytes, or its text).
            patient: the patient's facts, if given.
            name: the file name, when source is bytes.
            timer: wraps each stage (the evaluation's latency task times them); "assess"
                includes the deadlines rules engine.
        """
        stage = timer or _untimed
        doc = stage("parse", lambda: parse(source, name=name, limits=self.settings.parse))
        facts = stage("extract", lambda: extract(doc))
        bases = stage("classify", lambda: self.classifier.classify(doc, facts))
        passages = stage("retrieve", lambda: retrieve(facts, bases, self.retriever))
        assessment, rules = stage("assess", lambda: self._assess(facts, patient))
        now = datetime.now(UTC)
        data = DraftInput(
            denial_text=doc.text, facts=facts, bases=bases, passages=passages, assessment=assessment,
            deadlines=rules, patient_facts=patient, today=now.date(),
        )
        letter_draft = stage("draft", lambda: draft(data, self.drafter))
        letter = to_markdown(letter_draft)
        context = CheckContext(
            denial_text=doc.text, facts=facts, bases=bases, passages=passages, assessment=assessment,
            deadlines=rules, patient_facts=patient, drafted_on=now.date(), denial_hidden=doc.hidden,
        )
        report = stage("check", lambda: check(letter, context))
        return AppealResult(
            created_at=now, appealgen_version=__version__, denial_text=doc.text, facts=facts, bases=bases,
            patient_facts=patient, passages=passages, assessment=assessment, deadlines=rules,
            draft=letter_draft, letter_markdown=letter, check=report,
        )

    def _assess(self, facts: DenialFacts, patient: PatientFacts | None) -> tuple[Assessment, list[Deadline]]:
        """The criteria checker (when there are patient facts) and the rules engine."""
        drug = drug_lexicon().get(facts.drug) if facts.drug else None
        assessment = (
            assess(patient, drug.id if drug else facts.drug, facts.payer, self.criteria) if patient else Assessment()
        )
        return assessment, deadlines(facts.plan_type, facts.state, facts.letter_date)


T = TypeVar("T")
Timer = Callable[[str, Callable[[], Any]], Any]


def _untimed(stage: str, fn: Callable[[], T]) -> T:
    return fn()


def make_drafter(settings: Settings) -> Drafter:
    """The LLM drafter when an endpoint is configured, else the template drafter."""
    from appealgen.adapters.llm import chat_model
    from appealgen.stages.llm_drafter import LLMDrafter

    chat = chat_model(settings)
    return LLMDrafter(chat) if chat else TemplateDrafter()
