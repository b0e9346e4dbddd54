"""The real embedder, chunker and hybrid index."""

from __future__ import annotations

import numpy as np
import pytest

from appealgen.adapters.embeddings import MiniLMEmbedder, OnnxMiniLMEmbedder, default_embedder
from appealgen.adapters.hybrid import HybridIndex, SearchFilters
from appealgen.corpus import chunk_corpus, chunk_document, load_corpus, parse_document
from appealgen.errors import IndexModelMismatchError

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def onnx_embedder(settings) -> OnnxMiniLMEmbedder:
    e = default_embedder(settings)
    assert isinstance(e, OnnxMiniLMEmbedder)
    return e


@pytest.fixture(scope="module")
def corpus_texts(settings) -> list[str]:
    chunks = chunk_corpus(load_corpus(settings.corpus_dir))
    return [c.embedding_text() for c in chunks[::9]]


class TestEmbedder:
    @pytest.mark.parametrize("kind", ["numpy", "onnx"])
    def test_unit_vectors_and_meaning(self, kind: str, onnx_embedder) -> None:
        e = MiniLMEmbedder() if kind == "numpy" else onnx_embedder
        v = e.embed(["gene therapy for hemophilia B", "treatment of factor IX deficiency", "the weather is sunny"])
        assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
        assert v[0] @ v[1] > v[0] @ v[2] + 0.2

    @pytest.mark.parametrize("kind", ["numpy", "onnx"])
    def test_a_texts_vector_does_not_depend_on_the_other_texts(self, kind: str, onnx_embedder) -> None:
        # A query is embedded alone and the index's passages many at a time: the same text must
        # get the same vector either way, whatever its companions (int8 activation scales are
        # per tensor, so a batched int8 forward pass would break this).
        e = MiniLMEmbedder() if kind == "numpy" else onnx_embedder
        text = "the member's coverage ended before the infusion date"
        alone = e.embed([text])[0]
        mates = ["short", "a much longer text about prior authorization and step therapy " * 12, "J1411 units"]
        for together in (e.embed([text, *mates])[0], e.embed([*mates, text])[-1]):
            assert float(alone @ together) > 0.99999

    def test_onnx_float_graph_equals_numpy_reference(self, corpus_texts, tmp_path) -> None:
        reference = MiniLMEmbedder().embed(corpus_texts)
        graph = OnnxMiniLMEmbedder(cache_dir=tmp_path, quantize=False).embed(corpus_texts)
        assert np.min(np.sum(reference * graph, axis=1)) > 0.9999

    def test_onnx_int8_stays_close_to_reference(self, corpus_texts, onnx_embedder) -> None:
        reference = MiniLMEmbedder().embed(corpus_texts)
        cosine = np.sum(reference * onnx_embedder.embed(corpus_texts), axis=1)
        assert cosine.min() > 0.98 and cosine.mean() > 0.99
        # Nearest neighbours among the corpus texts are (almost always) the same ones.
        quant = onnx_embedder.embed(corpus_texts)
        nearest = [np.argsort(-(v @ v.T), axis=1)[:, 1] for v in (reference, quant)]
        same = np.mean(nearest[0] == nearest[1])
        assert same > 0.9

    def test_onnx_names_differ_so_indexes_cannot_mix(self, onnx_embedder) -> None:
        assert onnx_embedder.name != MiniLMEmbedder.name


class TestChunker:
    DOC = "---\nid: demo\nkind: label\nsource_title: Demo\n---\n# Demo\n\n## Dosing and administration\n\n" + "word " * 650

    def test_stable_ids_and_limits(self) -> None:
        chunks = chunk_document(parse_document(self.DOC))
        assert [c.id for c in chunks] == [
            "demo#dosing-and-administration-1",
            "demo#dosing-and-administration-2",
            "demo#dosing-and-administration-3",
        ]
        assert all(len(c.text.split()) <= 300 for c in chunks)


class TestHybrid:
    def test_filters_and_sources(self, built_index: HybridIndex) -> None:
        hits = built_index.search(
            "coverage criteria for initial authorization", SearchFilters(drug="hemgenix", payer="humana", kinds=["policy"]), k=5
        )
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


class TestFilterMasks:
    def test_masks_equal_accepts_for_every_filter_combination(self, built_index: HybridIndex) -> None:
        import itertools

        from appealgen.adapters.hybrid import FilterMasks

        chunks = built_index.chunks
        masks = FilterMasks(chunks)
        values = {
            "drug": [None, "hemgenix", "zolgensma", "nonexistent"],
            "payer": [None, "cigna", "humana"],
            "state": [None, "CA", "IL"],
            "plan_type": [None, "medicare_advantage", "erisa_self_funded"],
            "kinds": [[], ["rule"], ["label", "policy"]],
        }
        for combo in itertools.product(*values.values()):
            f = SearchFilters(**dict(zip(values, combo, strict=True)))
            expected = [f.accepts(c) for c in chunks]
            assert masks.mask(f).tolist() == expected, f


class TestPrefetch:
    def test_retrieve_embeds_its_queries_in_one_batch(self, built_index: HybridIndex, monkeypatch) -> None:
        from appealgen.models import DenialBasis, DenialFacts, Span
        from appealgen.stages.retrieve import retrieve

        calls: list[int] = []
        inner = built_index._embedder

        class Counting:
            name, dim = inner.name, inner.dim

            def embed(self, texts):
                calls.append(len(texts))
                return inner.embed(texts)

        monkeypatch.setattr(built_index, "_embedder", Counting())
        facts = DenialFacts(drug="hemgenix", payer="cigna", state="CA", plan_type="commercial_fully_insured")
        span = Span(start=0, end=1, text="x")
        bases = [DenialBasis(id="medical_necessity", confidence=0.9, evidence=span),
                 DenialBasis(id="site_of_care", confidence=0.8, evidence=span)]
        passages = retrieve(facts, bases, built_index)
        assert passages and calls[0] > 1  # the first call embeds every query at once
        assert len(calls) <= 3  # later calls only for a payer-less re-search of a query already used
