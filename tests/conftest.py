"""Shared fixtures: paths, a real index built once per session in a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from appealgen.settings import Settings

if TYPE_CHECKING:
    from appealgen.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "denials"
SHARED = ROOT.parent / "shared" / "data"
FIXTURE_IDS = ["cigna_ca_medical_necessity", "humana_ma_il_site_of_care", "coding_d66"]


def gold(name: str) -> dict:
    """The gold labels of a fixture letter."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at a session-private index and case store."""
    base = tmp_path_factory.mktemp("appealgen")
    return Settings(index_dir=base / "index", database_url=f"sqlite:///{base}/cases.db", corpus_dir=ROOT / "corpus")


@pytest.fixture(scope="session")
def built_index(settings: Settings):
    """The real hybrid index (Chroma folder + BM25) over the whole corpus, built once."""
    from appealgen.adapters.embeddings import default_embedder
    from appealgen.adapters.hybrid import HybridIndex
    from appealgen.corpus import chunk_corpus, load_corpus

    docs = load_corpus(settings.corpus_dir)
    return HybridIndex.build(chunk_corpus(docs), default_embedder(settings), settings.index_dir, documents=len(docs))


def bm25_pipeline(base: Path) -> Pipeline:
    """The template pipeline over BM25 on the real corpus (no embedding index needed), storing under base."""
    from appealgen.adapters.corpus_bm25 import CorpusBM25
    from appealgen.pipeline import Pipeline
    from appealgen.stages.draft import TemplateDrafter

    settings = Settings(index_dir=base / "index", database_url=f"sqlite:///{base}/cases.db", corpus_dir=ROOT / "corpus")
    return Pipeline(settings, retriever=CorpusBM25(ROOT / "corpus"), drafter=TemplateDrafter())
