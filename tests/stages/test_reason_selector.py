"""The learned reason selector: its run search, its gold alignment, its file, and its place in extract."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from appealgen.errors import DependencyError
from appealgen.evaluation.datasets import load_denials
from appealgen.evaluation.metrics import token_f1
from appealgen.knowledge.letter_layout import rights_notice_start, sentences
from appealgen.knowledge.letter_reason import CUE_FEATURES
from appealgen.stages import extract as extract_stage
from appealgen.stages.extract import extract
from appealgen.stages.parse import parse
from appealgen.stages.reason_selector import (
    MODEL_PATH,
    Letter,
    ReasonSelector,
    SelectorModel,
    best_run,
    gold_labels,
    own_sentences,
    train,
)
from tests.conftest import FIXTURE_IDS, FIXTURES, gold

DATASET = Path(__file__).resolve().parents[2] / "eval" / "datasets" / "denials"


def test_best_run_is_the_contiguous_run_with_the_largest_sum() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        values = rng.normal(size=int(rng.integers(1, 12)))
        first, last = best_run(values)
        brute = max((values[i : j + 1].sum(), i, j) for i in range(len(values)) for j in range(i, len(values)))
        assert values[first : last + 1].sum() == pytest.approx(brute[0])


def test_best_run_of_all_negative_values_is_the_least_negative_one() -> None:
    assert best_run(np.array([-3.0, -0.5, -2.0])) == (1, 1)


def test_gold_is_found_across_rewrapped_lines_and_a_mended_hyphen() -> None:
    # The gold is cut from the .txt; the parsed PDF text wraps and mends words differently.
    text = (
        "Dear Member,\nWe reviewed the request for Skyrizi.\nThe plan covers Skyrizi only after a "
        "trial of methotrexate. Our records show no methotrexate claims.\nCall us with questions."
    )
    gold = "The plan covers Skyrizi only\nafter a tri-\nal of methotrexate. Our records show no\nmethotrexate claims."
    sents = sentences(text, rights_notice_start(text))
    labels = gold_labels(text, sents, gold)
    chosen = [s.text for s, inside in zip(own_sentences(sents), labels, strict=True) if inside]
    assert chosen == ["The plan covers Skyrizi only after a trial of methotrexate.", "Our records show no methotrexate claims."]


def _letter(rng: np.random.Generator, name: str, reason_at: int, length: int = 6) -> Letter:
    """A synthetic letter whose reason sentences carry a signal in feature 0 and noise elsewhere."""
    text = " ".join(f"Sentence {i} of {name}." for i in range(length))
    sents = sentences(text, len(text))
    x = rng.normal(size=(len(sents), 5))
    y = np.zeros(len(sents), dtype=int)
    y[reason_at : reason_at + 2] = 1
    x[:, 0] += 4 * y
    return Letter(name, "s", text, own_sentences(sents), x, y, "")


def test_training_learns_which_sentences_state_the_reason() -> None:
    class Encoder:
        name, dim = "toy", 0

    rng = np.random.default_rng(11)
    letters = [_letter(rng, f"l{i}", int(rng.integers(0, 4))) for i in range(120)]
    model = train(letters[:100], Encoder(), shift=0.0)  # type: ignore[arg-type]
    hits = 0
    for letter in letters[100:]:
        first, last = best_run(model.log_odds(letter.x) + model.shift)
        hits += (first, last) == tuple(np.flatnonzero(letter.y)[[0, -1]])
    assert hits >= 17


def test_model_file_round_trips(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    model = SelectorModel(rng.normal(size=6), 0.3, rng.normal(size=6), rng.random(6) + 0.5, 1.25, "enc",
                          tuple("abcdef"), ("x", "y"))
    model.save(tmp_path / "s.npz")
    loaded = SelectorModel.load(tmp_path / "s.npz")
    rows = rng.normal(size=(4, 6))
    assert loaded.features == model.features and loaded.trained_on == ("x", "y") and loaded.shift == 1.25
    assert np.allclose(loaded.log_odds(rows), model.log_odds(rows), atol=1e-4)


def test_shipped_selector_never_read_the_test_split() -> None:
    model = SelectorModel.load(MODEL_PATH)
    held_out = {case.id for case in load_denials(DATASET, "test")}
    assert held_out and not held_out & set(model.trained_on)
    assert len(model.trained_on) >= 300
    assert model.features[: len(CUE_FEATURES)] == CUE_FEATURES


def test_selector_refuses_another_encoder() -> None:
    class Other:
        name, dim = "another-encoder", 4

    model = SelectorModel(np.zeros(len(CUE_FEATURES) + 4), 0.0, np.zeros(len(CUE_FEATURES) + 4),
                          np.ones(len(CUE_FEATURES) + 4), 0.0, "all-MiniLM-L6-v2+onnx-int8", CUE_FEATURES, ())
    with pytest.raises(DependencyError):
        ReasonSelector(model, Other())  # type: ignore[arg-type]


@pytest.mark.parametrize("name", FIXTURE_IDS)
def test_shipped_selector_finds_the_fixture_letters_reason(name: str) -> None:
    facts = extract(parse(FIXTURES / f"{name}.pdf"))
    assert facts.denial_reason is not None
    assert token_f1(facts.denial_reason, gold(name)["facts"]["denial_reason"]) >= 0.6


def test_without_the_model_file_the_rules_choose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract_stage, "shipped_selector", lambda: None)
    facts = extract(parse(FIXTURES / "cigna_ca_medical_necessity.pdf"))
    assert facts.denial_reason is not None
    assert token_f1(facts.denial_reason, gold("cigna_ca_medical_necessity")["facts"]["denial_reason"]) >= 0.6
