"""The learned reason model: its fit, its file, and its place behind the rules in classify."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from appealgen.errors import DependencyError
from appealgen.evaluation.datasets import load_denials
from appealgen.models import BASIS_IDS
from appealgen.stages import classify as classify_stage
from appealgen.stages.extract import extract
from appealgen.stages.parse import parse
from appealgen.stages.reason_model import MODEL_PATH, ReasonModel, ReasonReader, fit, softmax

DATASET = Path(__file__).resolve().parents[2] / "eval" / "datasets" / "denials"


def test_fit_separates_classes_it_has_not_seen_points_of() -> None:
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(4, 16)) * 3
    labels = rng.integers(0, 4, size=400)
    points = centres[labels] + rng.normal(size=(400, 16))
    weights, bias = fit(points[:300], labels[:300], 4)
    predicted = softmax(points[300:] @ weights + bias).argmax(axis=1)
    assert (predicted == labels[300:]).mean() > 0.95


def test_model_file_round_trips(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    model = ReasonModel(("step_therapy", "timely_filing"), rng.normal(size=(8, 2)), rng.normal(size=2), "enc", ("a", "b"))
    model.save(tmp_path / "m.npz")
    loaded = ReasonModel.load(tmp_path / "m.npz")
    vectors = rng.normal(size=(3, 8))
    assert loaded.labels == model.labels and loaded.encoder == "enc" and loaded.trained_on == ("a", "b")
    assert np.allclose(loaded.probabilities(vectors), model.probabilities(vectors), atol=1e-5)


def test_shipped_model_never_read_the_test_split() -> None:
    model = ReasonModel.load(MODEL_PATH)
    held_out = {case.id for case in load_denials(DATASET, "test")}
    assert held_out, "the test split should not be empty"
    assert not held_out & set(model.trained_on)
    assert set(model.labels) <= set(BASIS_IDS)
    assert len(model.trained_on) >= 200


def test_reader_refuses_vectors_from_another_encoder() -> None:
    class Other:
        name, dim = "another-encoder", 8

        def embed(self, texts: list[str]) -> np.ndarray:
            return np.zeros((len(texts), 8))

    model = ReasonModel(("step_therapy",), np.zeros((8, 1)), np.zeros(1), "all-MiniLM-L6-v2+onnx-int8", ())
    with pytest.raises(DependencyError):
        ReasonReader(model, Other())


_LATE_CLAIM = (
    "Dear Provider,\nClaim 88231 for Stelara, date of service 01/05/2025, was denied.\n"
    "The plan received this claim on 04/20/2026, more than 365 days after the service was given, "
    "which is later than your contract allows.\nSincerely, Claims\n"
)


def test_a_reason_no_rule_reads_is_read_by_the_model() -> None:
    doc = parse(_LATE_CLAIM.encode(), name="late.txt")
    facts = extract(doc)
    bases = classify_stage.classify(doc, facts)
    assert [b.id for b in bases] == ["timely_filing"]
    span = bases[0].evidence
    assert doc.text[span.start : span.end] == span.text and "365 days" in span.text


def test_without_the_model_the_rules_alone_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(classify_stage, "shipped_reader", lambda: None)
    doc = parse(_LATE_CLAIM.encode(), name="late.txt")
    assert classify_stage.classify(doc, extract(doc)) == []


def test_a_letter_without_a_reason_gets_no_guess() -> None:
    doc = parse(b"We received your letter of March 3. Thank you for writing to us.", name="a.txt")
    assert classify_stage.classify(doc, extract(doc)) == []


class _Reader:
    """A stand-in learned reader that gives one answer to every reason."""

    def __init__(self, basis: str, probability: float) -> None:
        self.answer = (basis, probability)
        self.asked: list[str] = []

    def read(self, reason: str) -> tuple[str, float]:
        self.asked.append(reason)
        return self.answer


_MN = "Decision: denied.\nOzempic is not medically necessary for you because your A1c is 6.1%.\n"


def test_an_unsure_model_leaves_the_rules_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    reader = _Reader("site_of_care", 0.9)
    monkeypatch.setattr(classify_stage, "shipped_reader", lambda: reader)
    doc = parse(_MN.encode(), name="mn.txt")
    assert [b.id for b in classify_stage.classify(doc, extract(doc))] == ["medical_necessity"]
    assert reader.asked  # it was asked, and its 0.9 was not enough
    # ... and a letter the rules cannot read takes the model's answer at that probability.
    late = parse(_LATE_CLAIM.encode(), name="late.txt")
    assert [b.id for b in classify_stage.classify(late, extract(late))] == ["site_of_care"]


def test_a_sure_model_puts_its_basis_first_with_the_reason_as_evidence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(classify_stage, "shipped_reader", lambda: _Reader("site_of_care", 0.99))
    doc = parse(_MN.encode(), name="mn.txt")
    facts = extract(doc)
    bases = classify_stage.classify(doc, facts)
    assert [b.id for b in bases] == ["site_of_care", "medical_necessity"]
    lead = bases[0]
    assert lead.evidence == facts.spans["denial_reason"]
    assert doc.text[lead.evidence.start : lead.evidence.end] == lead.evidence.text
    assert lead.confidence == pytest.approx(0.99)


def test_a_sure_model_moves_a_basis_the_rules_found_without_adding_one(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        "Decision: denied.\nHumira is not covered because prior authorization was not obtained before it was filled.\n"
        "In addition, Humira is not medically necessary for you under the plan's criteria.\n"
    )
    doc = parse(text.encode(), name="two.txt")
    facts = extract(doc)
    monkeypatch.setattr(classify_stage, "shipped_reader", lambda: None)
    rules = classify_stage.classify(doc, facts)
    assert len(rules) >= 2
    second = rules[1]
    monkeypatch.setattr(classify_stage, "shipped_reader", lambda: _Reader(second.id, 0.97))
    moved = classify_stage.classify(doc, facts)
    assert [b.id for b in moved] == [second.id, rules[0].id, *(b.id for b in rules[2:])]
    assert moved[0] == second  # its own evidence and confidence, not the reason's
