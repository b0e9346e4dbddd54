"""Ingesting the real documents in ../shared/data and finding their sections."""

from __future__ import annotations

import shutil

import pytest

from appealgen.adapters.embeddings import MiniLMEmbedder
from appealgen.adapters.hybrid import HybridIndex, SearchFilters
from appealgen.corpus import chunk_corpus, chunk_document
from appealgen.errors import InputError
from appealgen.ingest import ingest
from tests.conftest import SHARED

SPL = SHARED / "real_labels" / "humira_spl_2013-09-30.xml"
LEAFLET = SHARED / "real_labels" / "hemgenix_EU_package_leaflet_en.txt"
pytestmark = pytest.mark.skipif(not SPL.exists(), reason="../shared/data is not beside the checkout")


class TestIngest:
    def test_spl_sections_from_its_own_structure(self) -> None:
        doc = ingest(SPL, drug="humira")
        sections = {c.section for c in chunk_document(doc)}
        assert any(s.startswith("1 INDICATIONS AND USAGE - 1.1 Rheumatoid Arthritis") for s in sections)
        assert any(s.startswith("2 DOSAGE AND ADMINISTRATION") for s in sections)
        assert str(doc.meta.effective_date) == "2013-09-30"

    def test_leaflet_keeps_headings(self) -> None:
        sections = {c.section for c in chunk_document(ingest(LEAFLET, drug="hemgenix"))}
        assert "1. What hemgenix is and what it is used for" in sections

    def test_unsupported_type(self, tmp_path) -> None:
        bad = tmp_path / "x.docx"
        bad.write_bytes(b"PK")
        with pytest.raises(InputError):
            ingest(bad)


@pytest.mark.integration
class TestIngestedRetrieval:
    @pytest.fixture(scope="class")
    def index(self, built_index, settings, tmp_path_factory) -> HybridIndex:
        folder = tmp_path_factory.mktemp("ingest") / "index"
        shutil.copytree(settings.index_dir, folder)
        index = HybridIndex.open(folder, MiniLMEmbedder())
        docs = [ingest(SPL, drug="humira", doc_id="humira-spl"), ingest(LEAFLET, drug="hemgenix", doc_id="hemgenix-leaflet")]
        index.add(chunk_corpus(docs), documents=2)
        return index

    @pytest.mark.parametrize(
        ("query", "drug", "doc", "section_word"),
        [
            ("What conditions is Humira indicated for?", "humira", "humira-spl", "INDICATIONS"),
            ("Humira dose and administration for adults", "humira", "humira-spl", "DOSAGE"),
            ("What is Hemgenix used for?", "hemgenix", "hemgenix-leaflet", "used for"),
            ("How is Hemgenix given?", "hemgenix", "hemgenix-leaflet", "How"),
        ],
    )
    def test_right_section_first(self, index: HybridIndex, query: str, drug: str, doc: str, section_word: str) -> None:
        hits = [h for h in index.search(query, SearchFilters(drug=drug), k=10) if h.doc_id == doc]
        assert hits and section_word.lower() in hits[0].section.lower(), [h.section for h in hits[:3]]
