"""A BM25-only retriever over the corpus folder (bm25s, no embeddings, nothing saved).

It builds in about a second, so tests and benchmarks that draft many letters can retrieve
from the real corpus without the embedding index; the hybrid index stays the default.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from appealgen.adapters.hybrid import SearchFilters, to_passage
from appealgen.adapters.keyword import KeywordIndex
from appealgen.corpus import chunk_corpus, load_corpus
from appealgen.models import Passage


class CorpusBM25:
    """Answers queries from the corpus chunks with BM25 under the same metadata filters as the index."""

    def __init__(self, corpus_dir: Path) -> None:
        self.chunks = chunk_corpus(load_corpus(corpus_dir))
        self._index = KeywordIndex.build([c.text for c in self.chunks])

    def search(self, query: str, filters: SearchFilters | None = None, k: int = 8) -> list[Passage]:
        """The k best-scoring chunks that pass the filters."""
        filters = filters or SearchFilters()
        scores = self._index.scores(query)
        order = np.argsort(-scores)
        hits = [int(i) for i in order if scores[i] > 0 and filters.accepts(self.chunks[int(i)])]
        return [to_passage(self.chunks[i], float(scores[i])) for i in hits[:k]]
