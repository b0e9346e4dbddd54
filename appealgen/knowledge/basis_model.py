"""A naive Bayes reader of denial bases: the classifier's last resort.

The pattern rules in stages/classify.py read most letters, but a letter worded unlike any
they were written from can leave them with no cue at all. A denial always has a reason, so
then this model names the most likely basis from the words of the letter's decision text.

It is a multinomial naive Bayes over word unigrams and bigrams, trained by
scripts/train_basis_model.py on the primary bases of the dataset letters in every tuning
split (never the held-out test split) and shipped as knowledge/data/basis_model.json.
Measured leave-one-writer-out on those letters (`scripts/train_basis_model.py --check`), its
primary basis was right for 125 of 177 letters (0.71, nine writers): about what the rules
score on a new writer's letters before they are tuned on them, so its answers carry low
confidence and it is used only where the rules find no cue.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache

from appealgen.errors import KnowledgeError
from appealgen.knowledge._data import DATA_DIR
from appealgen.knowledge.letter_layout import expand_contractions

MODEL_FILE = "basis_model.json"
_STOP_WORDS = "the a an of to and or for in on is are was were be been your you we our this that it with as at by from"
_STOP = frozenset(_STOP_WORDS.split())
_SMOOTHING = 0.5


def tokens(text: str) -> list[str]:
    """Lower-case words (contractions spelled out, stop words dropped) and adjacent-word bigrams."""
    words = [w for w in re.findall(r"[a-z][a-z-]+", expand_contractions(text).lower()) if w not in _STOP]
    return words + [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]


@dataclass(frozen=True)
class BasisModel:
    """Per-basis letter counts and token document frequencies."""

    letters: dict[str, int]
    counts: dict[str, dict[str, int]]
    vocabulary: int

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Every basis with its posterior probability for this text, most likely first."""
        present = set(tokens(text))
        total_letters = sum(self.letters.values())
        logs: dict[str, float] = {}
        for basis, n in self.letters.items():
            counts = self.counts.get(basis, {})
            denominator = sum(counts.values()) + _SMOOTHING * self.vocabulary
            logs[basis] = math.log(n / total_letters) + sum(
                math.log((counts.get(w, 0) + _SMOOTHING) / denominator) for w in present if self._known(w)
            )
        top = max(logs.values())
        weights = {b: math.exp(v - top) for b, v in logs.items()}
        norm = sum(weights.values())
        return sorted(((b, w / norm) for b, w in weights.items()), key=lambda bw: -bw[1])

    def support(self, basis: str, text: str) -> float:
        """How much a text's words favour one basis over the rest (log-likelihood ratio)."""
        counts = self.counts.get(basis, {})
        others: dict[str, int] = {}
        for b, c in self.counts.items():
            if b != basis:
                for w, n in c.items():
                    others[w] = others.get(w, 0) + n
        own_total = sum(counts.values()) + _SMOOTHING * self.vocabulary
        other_total = sum(others.values()) + _SMOOTHING * self.vocabulary
        return sum(
            math.log((counts.get(w, 0) + _SMOOTHING) / own_total) - math.log((others.get(w, 0) + _SMOOTHING) / other_total)
            for w in set(tokens(text))
            if self._known(w)
        )

    def _known(self, word: str) -> bool:
        return any(word in c for c in self.counts.values())


@cache
def basis_model() -> BasisModel:
    """The shipped model (knowledge/data/basis_model.json)."""
    path = DATA_DIR / MODEL_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return BasisModel(letters=data["letters"], counts=data["counts"], vocabulary=int(data["vocabulary"]))
    except FileNotFoundError:
        raise KnowledgeError(f"Missing knowledge file {path}; run scripts/train_basis_model.py") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise KnowledgeError(f"{path} is not a basis model: {exc}") from None
