"""The real embedder, chunker and hybrid index."""

from __future__ import annotations

import numpy as np
import pytest

from appealgen.adapters.embeddings import MiniLMEmbedder
from appealgen.adapters.hybrid import HybridIndex, SearchFilters
from appealgen.corpus import chunk_document, parse_document
from appealgen.errors import IndexModelMismatchError

pytestmark = pytest.mark.integration


class TestEmbedder:
    def test_unit_vectors_and_meaning(self) -> None:
        e = MiniLMEmbedder()
        v = e.embed(["gene therapy for hemophilia B", "treatment of factor IX deficiency", "the weather is sunny"])
        assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
        assert v[0] @ v[1] > v[0] @ v[2] + 0.2

    def test_batch_padding_does_not_change_vectors(self) -> None:
        e = MiniLMEmbedder()
        alone = e.embed(["short text"])[0]
        padded = e.embed(["short text", "a much longer text " * 20])[0]
        assert np.allclose(alone, padded, atol=1e-4)


class TestChunker:
    DOC = "---\nid: demo\nkind: label\nsource_title: Demo\n---\n# Demo\n\n## Dosing and administration\n\n" + "word " * 650

    def test_stable_ids_and_limits(self) -> None:
        chunks = chunk_document(parse_document(self.DOC))
        assert [c.id for c in chunks] == ["demo#dosing-and-administration-1", "demo#dosing-and-administration-2", "demo#dosing-and-administration-3"]
        assert all(len(c.text.split()) <= 300 for c in chunks)


class TestHybrid:
    def test_filters_and_sources(self, built_index: HybridIndex) -> None:
        hits = built_index.search("coverage criteria for initial authorization", SearchFilters(drug="hemgenix", payer="humana", kinds=["policy"]), k=5)
        assert hits and all(h.payer == "humana" and h.kind == "policy" for h in hits)
        assert all(h.source for h in hits)

    def test_state_filter_keeps_general_rules(self, built_index: HybridIndex) -> None:
        hits = built_index.search("external review deadline", SearchFilters(state="IL", kinds=["rule"]), k=10)
        assert hits and not any(h.doc_id == "california-imr" for h in hits)

    def test_model_mismatch_refused(self, built_index: HybridIndex, settings) -> None:
        class Other(MiniLMEmbedder):
            name = "another-model"

        with pytest.raises(IndexModelMismatchError):
            HybridIndex.open(settings.index_dir, Other())
