"""Store fixtures: one pipeline result (fake retriever) reused by every store test."""

from __future__ import annotations

import pytest

from appealgen.models import AppealResult
from appealgen.patient_facts import load_patient_facts
from appealgen.pipeline import Pipeline
from tests.api.conftest import CIGNA, FakeRetriever, make_settings


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> AppealResult:
    """The pipeline's result for the Cigna fixture letter, with its facts."""
    settings = make_settings(tmp_path_factory.mktemp("pipeline"))
    facts = load_patient_facts(CIGNA.parent / f"{CIGNA.name}.facts.json")
    return Pipeline(settings, retriever=FakeRetriever()).run(
        CIGNA.with_suffix(".txt").read_text(), facts
    )
