"""BM25 keyword index over the corpus chunks (bm25s), saved beside the vector index."""

from __future__ import annotations

import re
from pathlib import Path

import bm25s
import numpy as np

_TOKEN = re.compile(r"[a-z0-9]+(?:[.-][a-z0-9]+)*")
_STOP = frozenset(
    [
        "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is", "it", "its",
        "of", "on", "or", "that", "the", "this", "to", "was", "were", "will", "with", "your", "you", "we", "our", "not",
    ]
)


# Patients and advocates ask in lay words; labels and policies use these terms.
_LAY_TO_LABEL: dict[str, tuple[str, ...]] = {
    "approved": ("indicated", "indications"),
    "treat": ("indicated",),
    "dose": ("dosage", "dosing"),
    "dosed": ("dosage", "dosing"),
    "side": ("adverse", "reactions"),
    "effects": ("adverse", "reactions"),
    "pregnant": ("pregnancy",),
    "kids": ("pediatric",),
    "children": ("pediatric",),
    "deadline": ("days", "within"),
    "appeal": ("reconsideration", "grievance"),
}


def expand_query(tokens: list[str]) -> list[str]:
    """The query tokens plus the label terms for lay words."""
    extra = [t for token in tokens for t in _LAY_TO_LABEL.get(token, ())]
    return tokens + [t for t in extra if t not in tokens]


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens; codes like J1411, D67 and 42-cfr stay whole."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in _STOP]


class KeywordIndex:
    """BM25 over chunk texts; scores every chunk so callers can filter by metadata."""

    def __init__(self, retriever: bm25s.BM25, size: int) -> None:
        self._retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> KeywordIndex:
        """Index the texts (row i of the index is texts[i])."""
        retriever = bm25s.BM25()
        retriever.index([tokenize(t) or ["_empty_"] for t in texts], show_progress=False)
        return cls(retriever, len(texts))

    def save(self, folder: Path) -> None:
        """Write the index files to folder."""
        self._retriever.save(str(folder))

    @classmethod
    def load(cls, folder: Path, size: int) -> KeywordIndex:
        """Read an index written by save()."""
        return cls(bm25s.BM25.load(str(folder)), size)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query."""
        tokens = expand_query(tokenize(query))
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)
