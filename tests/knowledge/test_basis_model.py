"""The naive Bayes basis reader: the classifier's last resort when no rule cue is found."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from appealgen.knowledge._data import DATA_DIR
from appealgen.knowledge.basis_model import MODEL_FILE, basis_model, tokens
from appealgen.stages.classify import classify
from appealgen.stages.extract import extract
from appealgen.stages.parse import parse

REPO = Path(__file__).resolve().parents[2]


def _read(text: str) -> list[tuple[str, float, str]]:
    doc = parse(text.encode(), name="a.txt")
    return [(b.id, b.confidence, b.evidence.text) for b in classify(doc, extract(doc))]


def test_tokens_spell_out_contractions_and_pair_words() -> None:
    assert tokens("We don't cover it") == ["do", "not", "cover", "do_not", "not_cover"]


def test_posteriors_cover_every_basis_and_sum_to_one() -> None:
    ranked = basis_model().rank("The pharmacy that filled this is not one we work with.")
    assert len(ranked) == 14
    assert abs(sum(p for _, p in ranked) - 1.0) < 1e-9
    assert [p for _, p in ranked] == sorted((p for _, p in ranked), reverse=True)


@pytest.mark.parametrize(
    ("opening", "sentence", "basis"),
    [
        # Wordings no rule covers: the model's guess is what a reader would say.
        ("We are unable to approve this request.",
         "The dispensing pharmacy has no agreement with us to fill specialty prescriptions.", "out_of_network"),
        ("Your claim is denied.",
         "It came to us long after the window your provider contract gives for sending claims.", "timely_filing"),
        ("We are unable to approve this request.",
         "Your employer chose not to include weight management medicines in the benefits it offers.", "benefit_exclusion"),
    ],
)
def test_guess_when_no_rule_fires(opening: str, sentence: str, basis: str) -> None:
    text = f"{opening} {sentence}"
    [(found, confidence, evidence)] = _read(text)
    assert found == basis
    assert 0 < confidence <= 0.5  # a guess says so
    assert evidence == sentence  # the sentence that carries the reason, not the announcement


def test_no_guess_when_the_letter_denies_nothing() -> None:
    assert _read("Thank you for your request. Your doctor sent the forms we needed and we will review them soon.") == []


def test_rules_win_when_they_find_a_cue() -> None:
    [(found, confidence, _)] = _read("Your request is denied. The drug is not on your plan's formulary.")
    assert found == "formulary_exclusion" and confidence > 0.5


def test_shipped_model_matches_the_dataset(tmp_path: Path) -> None:
    """Retraining from the dataset letters reproduces the shipped file (it is not stale or hand-edited)."""
    shipped = json.loads((DATA_DIR / MODEL_FILE).read_text(encoding="utf-8"))
    assert "test" not in shipped["trained_on"]
    out = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "train_basis_model.py"), "--output", str(tmp_path / "m.json")],
        capture_output=True, text=True, timeout=600, check=True,
    )
    assert "wrote" in out.stdout
    assert json.loads((tmp_path / "m.json").read_text(encoding="utf-8")) == shipped
