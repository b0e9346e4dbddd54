"""A learned reading of the denial reason: MiniLM sentence embedding + multinomial logistic regression.

The rules read a letter's cues, and a letter by someone the rules never saw often states its
reason in words they lack: on four writer batches scored before the rules were tuned on them,
about one letter in ten got no basis at all. This model reads the reason text the extractor
found (DenialFacts.denial_reason) and names the basis it states, with a probability. It was
trained on the gold reason sentences of the tuning letters (never the test split), with the
same int8 all-MiniLM-L6-v2 encoder the index uses, so it needs no download and no torch.

`python -m appealgen.stages.reason_model --dataset eval/datasets/denials` retrains it; the file
records the letters it was trained on, and the encoder, so a mismatch is refused, not misread.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from appealgen.adapters.embeddings import Embedder, default_embedder
from appealgen.errors import DependencyError
from appealgen.models import BASIS_IDS
from appealgen.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

MODEL_PATH = Path(__file__).resolve().parent.parent / "knowledge" / "data" / "reason_model.npz"
# Letters by writers the model has not read are its real use, so the fit is scored by leaving
# out one writer batch (split) at a time; these settings were chosen that way, not on test.
_L2 = 1e-5
_RATE = 50.0
_STEPS = 800


@dataclass(frozen=True)
class ReasonModel:
    """Softmax regression from a reason's embedding to the basis it states."""

    labels: tuple[str, ...]
    weights: np.ndarray  # (dim, len(labels))
    bias: np.ndarray  # (len(labels),)
    encoder: str  # the embedder's name: vectors from another encoder mean nothing here
    trained_on: tuple[str, ...]  # letter ids

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """One row of label probabilities per embedding row."""
        return softmax(vectors @ self.weights + self.bias)

    def save(self, path: Path) -> None:
        meta = {"labels": list(self.labels), "encoder": self.encoder, "trained_on": list(self.trained_on)}
        with path.open("wb") as f:
            np.savez_compressed(f, weights=self.weights.astype(np.float32), bias=self.bias.astype(np.float32),
                                meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))

    @classmethod
    def load(cls, path: Path) -> ReasonModel:
        with np.load(path) as z:
            meta = json.loads(z["meta"].tobytes().decode())
            return cls(tuple(meta["labels"]), z["weights"], z["bias"], meta["encoder"], tuple(meta["trained_on"]))


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def fit(x: np.ndarray, y: np.ndarray, classes: int, *, l2: float = _L2, rate: float = _RATE,
        steps: int = _STEPS) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression by full-batch gradient descent (deterministic).

    Args:
        x: (n, dim) features; y: (n,) class indices in [0, classes).
    Returns:
        (weights (dim, classes), bias (classes,)).
    """
    weights = np.zeros((x.shape[1], classes))
    bias = np.zeros(classes)
    target = np.eye(classes)[y]
    for _ in range(steps):
        grad = softmax(x @ weights + bias) - target
        weights -= rate * (x.T @ grad / len(x) + l2 * weights)
        bias -= rate * grad.mean(axis=0)
    return weights, bias


def train(examples: list[tuple[str, str, str]], embedder: Embedder) -> ReasonModel:
    """Fit on (letter id, reason text, primary basis) triples."""
    labels = tuple(b for b in BASIS_IDS if any(e[2] == b for e in examples))
    x = embedder.embed([text for _, text, _ in examples])
    y = np.array([labels.index(basis) for _, _, basis in examples])
    weights, bias = fit(x, y, len(labels))
    return ReasonModel(labels, weights, bias, embedder.name, tuple(sorted(e[0] for e in examples)))


def require_encoder(trained_with: str, embedder: Embedder, what: str) -> None:
    """Refuse an encoder other than the one a learned reader was trained with: its vectors mean nothing there."""
    if embedder.name != trained_with:
        raise DependencyError(f"the {what} was trained with {trained_with}, not {embedder.name}")


def shipped_or_none(build: Callable[[], T], logger: logging.Logger, what: str, instead: str) -> T | None:
    """A shipped learned reader, or None (with a warning saying what decides instead) if it cannot load."""
    try:
        return build()
    except (OSError, ValueError, KeyError, DependencyError) as err:
        logger.warning("learned %s unavailable (%s); %s", what, type(err).__name__, instead)
        return None


class ReasonReader:
    """The shipped model with the encoder it was trained with."""

    def __init__(self, model: ReasonModel, embedder: Embedder) -> None:
        require_encoder(model.encoder, embedder, "reason model")
        self.model = model
        self._embedder = embedder

    def read(self, reason: str) -> tuple[str, float]:
        """The basis a reason text most likely states, and its probability."""
        p = self.model.probabilities(self._embedder.embed([reason]))[0]
        best = int(p.argmax())
        return self.model.labels[best], float(p[best])


@functools.cache
def shipped_embedder() -> Embedder:
    """The encoder the shipped models read with, loaded once per process."""
    return default_embedder(Settings())


@functools.cache
def shipped_reader() -> ReasonReader | None:
    """The reader for the model that ships with the package; None (rules alone) if it cannot load."""
    return shipped_or_none(lambda: ReasonReader(ReasonModel.load(MODEL_PATH), shipped_embedder()), log,
                           "reason model", "classifying by rules alone")


def _training_examples(dataset: Path, splits: list[str]) -> list[tuple[str, str, str]]:
    from appealgen.evaluation.datasets import load_denials

    examples = []
    for split in splits:
        for case in load_denials(dataset, split):
            reason = case.facts.get("denial_reason")
            if reason and case.bases:
                examples.append((case.id, " ".join(reason.split()), case.bases[0]))
    return examples


def training_parser(description: str, out: Path) -> argparse.ArgumentParser:
    """The command line the learned readers share: --dataset, --splits, --out."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--dataset", type=Path, default=Path("eval/datasets/denials"))
    parser.add_argument("--splits", help="comma-separated split folders (default: every split but test)")
    parser.add_argument("--out", type=Path, default=out)
    return parser


def tuning_splits(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """The splits named by --splits, or every folder of gold labels but test; test is refused."""
    if args.splits:
        splits = [s for s in args.splits.split(",") if s]
    else:
        # Every folder of gold labels, so a new tuning split needs no edit here. Each text is
        # embedded alone, so a fit does not depend on the order of the letters (only float
        # rounding does: ~1e-12); train first, then the dev splits, keeps the files byte-stable.
        found = [p.name for p in args.dataset.iterdir() if p.name != "test" and any(p.glob("*.json"))]
        splits = sorted(found, key=lambda name: (name != "train", name))
    if "test" in splits:
        parser.error("the test split is held out: never train on it")
    return splits


def main(argv: list[str] | None = None) -> int:
    parser = training_parser("Retrain the learned reason model on the tuning splits", MODEL_PATH)
    args = parser.parse_args(argv)
    splits = tuning_splits(parser, args)
    examples = _training_examples(args.dataset, splits)
    model = train(examples, shipped_embedder())
    model.save(args.out)
    print(f"trained on {len(examples)} letters from {len(splits)} splits -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
