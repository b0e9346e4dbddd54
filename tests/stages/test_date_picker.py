"""The learned service-date picker: its candidates, its file, and its place in extract."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from appealgen.errors import DependencyError
from appealgen.evaluation.datasets import load_denials
from appealgen.knowledge.letter_dates import DATE_CUES, service_dates
from appealgen.knowledge.letter_layout import rights_notice_start
from appealgen.stages import extract as extract_stage
from appealgen.stages.date_picker import MODEL_PATH, DatePicker
from appealgen.stages.extract import extract
from appealgen.stages.parse import parse
from appealgen.stages.reason_selector import SelectorModel
from tests.conftest import FIXTURE_IDS, FIXTURES, gold

DATASET = Path(__file__).resolve().parents[2] / "eval" / "datasets" / "denials"


def _cues(text: str) -> dict[date, dict[str, float]]:
    _, found = service_dates(text, rights_notice_start(text), date(2026, 5, 2), {})
    return {c.value: dict(zip(DATE_CUES, c.cues, strict=True)) for c in found}


def test_each_date_is_a_candidate_with_its_own_cues() -> None:
    text = (
        "May 2, 2026\n\nDear Member,\nDate of service: 04/14/2026\n"
        "We received the request on April 20, 2026. Your coverage ended 03/31/2026.\n"
    )
    cues = _cues(text)
    assert set(cues) == {date(2026, 5, 2), date(2026, 4, 14), date(2026, 4, 20), date(2026, 3, 31)}
    assert cues[date(2026, 4, 14)]["after_service_label"] == 1.0 and cues[date(2026, 4, 14)]["rules_choice"] == 1.0
    assert cues[date(2026, 4, 20)]["after_received_label"] == 1.0 and cues[date(2026, 4, 20)]["after_service_label"] == 0.0
    assert cues[date(2026, 5, 2)]["is_letter_date"] == 1.0 and cues[date(2026, 5, 2)]["in_header"] == 1.0
    assert cues[date(2026, 3, 31)]["earliest"] == 1.0


def test_dates_in_the_rights_notice_are_no_candidates() -> None:
    text = "Date of service: 04/14/2026\nYOUR APPEAL RIGHTS\nIf you appeal by 06/30/2026 we will answer.\n"
    assert set(_cues(text)) == {date(2026, 4, 14)}


def test_shipped_picker_never_read_the_test_split() -> None:
    model = SelectorModel.load(MODEL_PATH)
    held_out = {case.id for case in load_denials(DATASET, "test")}
    assert held_out and not held_out & set(model.trained_on)
    assert len(model.trained_on) >= 300
    assert model.features[: len(DATE_CUES)] == DATE_CUES


def test_picker_refuses_another_encoder() -> None:
    class Other:
        name, dim = "another-encoder", 4

    width = len(DATE_CUES) + 4
    model = SelectorModel(np.zeros(width), 0.0, np.zeros(width), np.ones(width), 0.0, "all-MiniLM-L6-v2+onnx-int8", DATE_CUES, ())
    with pytest.raises(DependencyError):
        DatePicker(model, Other())  # type: ignore[arg-type]


@pytest.mark.parametrize("name", FIXTURE_IDS)
def test_shipped_picker_finds_the_fixture_letters_service_date(name: str) -> None:
    facts = extract(parse(FIXTURES / f"{name}.pdf"))
    assert str(facts.service_date) == gold(name)["facts"]["service_date"]
    assert facts.spans["service_date"].text  # the evidence points into the letter


def test_a_letter_without_dates_has_no_service_date() -> None:
    letter = b"Dear Member,\nWe cannot approve Skyrizi because the plan covers it after methotrexate.\n"
    assert extract(parse(letter, name="a.txt")).service_date is None


def test_without_the_model_file_the_rules_choose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract_stage, "shipped_date_picker", lambda: None)
    facts = extract(parse(FIXTURES / "coding_d66.pdf"))
    assert str(facts.service_date) == gold("coding_d66")["facts"]["service_date"]
