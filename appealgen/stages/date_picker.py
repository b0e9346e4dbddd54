"""A learned choice of the service date: which of a letter's dates is the date of service (or,
for a request made before the service, the date the request came in).

The rules read labels ("Date of service:", "We received the request on") and claim rows, and
each new writer states the date in words they lack ("We got your doctor's request on ...",
"On or about April 28, 2026, you took a prescription to ..."): on eleven letters in thirty-six
of the last writer batch they found no date or the wrong one. This model scores every date
before the rights notice from the MiniLM embedding of its context (the line before it and its
own line, the date replaced by "DATE") beside extract.DATE_CUES (the rules' own choice among
them), and the best-scoring date is the service date.

It was trained on the tuning letters' gold service dates, never the test split; `python -m
appealgen.stages.date_picker --loso` scores it leaving one writer batch out at a time, beside
the rules. Without its file, extraction keeps the rules' date.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from appealgen.adapters.embeddings import Embedder
from appealgen.knowledge.letter_dates import DATE_CUES, DateCandidate, service_dates
from appealgen.stages.reason_model import shipped_embedder, shipped_or_none, training_parser, tuning_splits
from appealgen.stages.reason_selector import SelectorModel

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).resolve().parent.parent / "knowledge" / "data" / "date_picker.npz"
# The fit settings are the reason selector's (SelectorModel.fitted); --loso checks them here too.


def features(candidates: Sequence[DateCandidate], embedder: Embedder) -> np.ndarray:
    """One row per candidate: its cues, then its context's embedding."""
    if not candidates:
        return np.zeros((0, 0))
    return np.hstack([np.array([c.cues for c in candidates]), embedder.embed([c.context for c in candidates])])


def feature_names(embedder: Embedder) -> tuple[str, ...]:
    return (*DATE_CUES, *(f"embedding_{i}" for i in range(embedder.dim)))


class DatePicker:
    """The shipped model with the encoder it was trained with."""

    def __init__(self, model: SelectorModel, embedder: Embedder) -> None:
        model.require(embedder, feature_names(embedder), "date picker")
        self.model = model
        self._embedder = embedder

    def pick(self, candidates: Sequence[DateCandidate]) -> DateCandidate | None:
        """The date most likely to be the service date; None when the letter gives no date."""
        if not candidates:
            return None
        return candidates[int(self.model.log_odds(features(candidates, self._embedder)).argmax())]


@functools.cache
def shipped_date_picker() -> DatePicker | None:
    """The picker that ships with the package; None (the rules choose) if it cannot load."""
    return shipped_or_none(lambda: DatePicker(SelectorModel.load(MODEL_PATH), shipped_embedder()), log,
                           "date picker", "the rules choose the service date")


@dataclass(frozen=True)
class Letter:
    """A tuning letter's date candidates, their features, and the gold service date."""

    id: str
    split: str
    values: list[date]
    x: np.ndarray
    gold: date | None
    rules: date | None


def train(letters: Sequence[Letter], embedder: Embedder) -> SelectorModel:
    """Fit on every candidate date of the given letters: is it the gold service date?"""
    x = np.vstack([letter.x for letter in letters if len(letter.values)])
    y = np.concatenate([[v == letter.gold for v in letter.values] for letter in letters]).astype(int)
    return SelectorModel.fitted(x, y, shift=0.0, encoder=embedder.name, features=feature_names(embedder),
                                trained_on=tuple(sorted(letter.id for letter in letters)))


def _picked(model: SelectorModel, letter: Letter) -> date | None:
    return letter.values[int(model.log_odds(letter.x).argmax())] if letter.values else None


def load_letters(dataset: Path, splits: list[str], embedder: Embedder) -> list[Letter]:
    from appealgen.evaluation.datasets import load_denials
    from appealgen.knowledge.letter_layout import rights_notice_start
    from appealgen.stages import extract as extract_stage
    from appealgen.stages.parse import parse

    letters = []
    for split in splits:
        for case in load_denials(dataset, split):
            doc = parse(case.pdf)
            text, letter_date = doc.text, extract_stage.extract(doc).letter_date
            rules, found = service_dates(text, rights_notice_start(text), letter_date, {})
            gold = case.facts.get("service_date")
            letters.append(Letter(case.id, split, [c.value for c in found], features(found, embedder),
                                  date.fromisoformat(gold) if gold else None, rules))
    return letters


def main(argv: list[str] | None = None) -> int:
    parser = training_parser("Retrain the learned service-date picker on the tuning splits", MODEL_PATH)
    parser.add_argument("--loso", action="store_true", help="score leaving one split out at a time; write nothing")
    args = parser.parse_args(argv)
    splits = tuning_splits(parser, args)
    embedder = shipped_embedder()
    letters = load_letters(args.dataset, splits, embedder)
    if args.loso:
        hits = {"picker": 0, "rules": 0}
        for split in sorted({x.split for x in letters}):
            model = train([x for x in letters if x.split != split], embedder)
            held = [x for x in letters if x.split == split]
            picker = sum(_picked(model, x) == x.gold for x in held)
            rules = sum(x.rules == x.gold for x in held)
            hits["picker"] += picker
            hits["rules"] += rules
            print(f"{split:8s} picker {picker / len(held):.3f}  rules {rules / len(held):.3f}")
        n = len(letters)
        print(f"all      picker {hits['picker'] / n:.3f}  rules {hits['rules'] / n:.3f}  ({n} letters; rules were tuned on all)")
        return 0
    train(letters, embedder).save(args.out)
    print(f"trained on {len(letters)} letters from {len(splits)} splits -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
