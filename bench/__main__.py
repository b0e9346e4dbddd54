"""`make bench`: prints speed figures (parse per page, index throughput, query latency, draft latency).

Figures depend on the machine and its load; compare ratios within one run.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from appealgen.adapters.embeddings import MiniLMEmbedder
from appealgen.adapters.hybrid import HybridIndex, SearchFilters
from appealgen.corpus import chunk_corpus, load_corpus
from appealgen.patient_facts import load_patient_facts
from appealgen.pipeline import Pipeline
from appealgen.settings import Settings
from appealgen.stages.parse import parse
from appealgen.stages.render import markdown_to_pdf

ROOT = Path(__file__).resolve().parent.parent


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    pdfs = sorted((ROOT / "eval" / "datasets" / "denials" / "train").glob("*.pdf"))
    per_page = []
    for path in pdfs:
        start = time.perf_counter()
        doc = parse(path)
        per_page.append((time.perf_counter() - start) * 1000 / doc.page_count)
    print(f"parse: {len(pdfs)} PDFs, ms/page p50 {pct(per_page, .5):.1f} p95 {pct(per_page, .95):.1f}")

    settings = Settings(corpus_dir=ROOT / "corpus")
    chunks = chunk_corpus(load_corpus(settings.corpus_dir))
    embedder = MiniLMEmbedder()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        index = HybridIndex.build(chunks, embedder, Path(tmp) / "index")
        seconds = time.perf_counter() - start
        size = sum(f.stat().st_size for f in (Path(tmp) / "index").rglob("*") if f.is_file())
        print(f"index: {len(chunks)} chunks in {seconds:.1f} s = {len(chunks) / seconds:.1f} chunks/s, {size / 1e6:.1f} MB on disk")
        queries = ["Hemgenix coverage criteria", "factor IX inhibitor testing", "external review deadline California",
                   "site of care qualified treatment center", "HCPCS billing code J1411", "Medicare Advantage reconsideration"]
        lat = []
        for _ in range(5):
            for q in queries:
                start = time.perf_counter()
                index.search(q, SearchFilters(), k=8)
                lat.append((time.perf_counter() - start) * 1000)
        print(f"query ({len(chunks)} chunks): ms p50 {pct(lat, .5):.1f} p95 {pct(lat, .95):.1f}")

        pipeline = Pipeline(settings, retriever=index)
        fixture = ROOT / "tests" / "fixtures" / "denials" / "cigna_ca_medical_necessity"
        facts = load_patient_facts(fixture.with_suffix(".facts.json"))
        runs = []
        for _ in range(10):
            start = time.perf_counter()
            result = pipeline.run(fixture.with_suffix(".pdf"), facts)
            markdown_to_pdf(result.letter_markdown)
            runs.append((time.perf_counter() - start) * 1000)
        print(f"draft (template, parse to rendered PDF): ms p50 {statistics.median(runs):.0f} p95 {pct(runs, .95):.0f}")


if __name__ == "__main__":
    main()
