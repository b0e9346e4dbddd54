"""`make bench`: prints speed figures for every stage and the service.

Sections (run all by default, or name some: `python -m bench parse index scale draft`):
parse (ms per page), index (chunks/s, size on disk), scale (query latency at 10,000 chunks),
draft (template, parse to rendered PDF), and, where their modules exist, api (POST /v1/appeals
at 1 and 16 clients), llm (LLM sections accepted / repaired / replaced), hostile (hostile files).
Figures depend on the machine and its load; compare ratios within one run.
"""

from __future__ import annotations

import hashlib
import importlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from appealgen.adapters.embeddings import MiniLMEmbedder, default_embedder
from appealgen.adapters.hybrid import HybridIndex, SearchFilters
from appealgen.corpus import Chunk, chunk_corpus, load_corpus
from appealgen.knowledge.letter_layout import sentences
from appealgen.patient_facts import load_patient_facts
from appealgen.pipeline import Pipeline
from appealgen.settings import Settings
from appealgen.stages.parse import parse
from appealgen.stages.render import markdown_to_pdf

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = Settings(corpus_dir=ROOT / "corpus", model_cache_dir=ROOT / ".appealgen" / "models")
CACHE = ROOT / ".appealgen" / "bench"
QUERIES = [
    ("Hemgenix coverage criteria", SearchFilters(drug="hemgenix")),
    ("factor IX inhibitor testing", SearchFilters()),
    ("external review deadline California", SearchFilters(state="CA", kinds=["rule"])),
    ("site of care qualified treatment center", SearchFilters(drug="hemgenix", payer="cigna")),
    ("HCPCS billing code J1411", SearchFilters()),
    ("Medicare Advantage reconsideration", SearchFilters(plan_type="medicare_advantage")),
    ("step therapy exception prior treatment failure", SearchFilters()),
    ("recommended dose and administration", SearchFilters(drug="zolgensma", kinds=["label"])),
]


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def folder_mb(path: Path) -> float:
    """Size of every file under path, in MB."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def bench_parse() -> None:
    pdfs = sorted((ROOT / "eval" / "datasets" / "denials" / "train").glob("*.pdf"))
    per_page = []
    for path in pdfs:
        start = time.perf_counter()
        doc = parse(path)
        per_page.append((time.perf_counter() - start) * 1000 / doc.page_count)
    print(f"parse: {len(pdfs)} PDFs, ms/page p50 {pct(per_page, .5):.1f} p95 {pct(per_page, .95):.1f}")


def bench_index() -> None:
    chunks = chunk_corpus(load_corpus(SETTINGS.corpus_dir))
    embedder = default_embedder(SETTINGS)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        HybridIndex.build(chunks, embedder, Path(tmp) / "index")
        seconds = time.perf_counter() - start
        print(f"index ({embedder.name}): {len(chunks)} chunks in {seconds:.1f} s = {len(chunks) / seconds:.1f} chunks/s "
              f"(embedding, Chroma, BM25, files), {folder_mb(Path(tmp) / 'index'):.1f} MB on disk")
    sample = [c.embedding_text() for c in chunks[:64]]
    rates = {}
    for name, model in (("onnx int8", embedder), ("numpy float32 reference", MiniLMEmbedder())):
        start = time.perf_counter()
        model.embed(sample)
        rates[name] = len(sample) / (time.perf_counter() - start)
    print("embedding only, 64 chunks: " + ", ".join(f"{k} {v:.1f} chunks/s" for k, v in rates.items())
          + f" (ratio {rates['onnx int8'] / rates['numpy float32 reference']:.1f}x)")


def synthetic_chunks(base: list[Chunk], n: int) -> list[Chunk]:
    """n chunks: the corpus's own, then variants of them (sentences reordered, a distinct id each).

    Real corpus text keeps BM25 statistics and dense vectors realistic; reordering makes each
    variant's text, and so its vector, distinct.
    """
    out = list(base)
    rng = random.Random(7)
    i = 0
    while len(out) < n:
        chunk = base[i % len(base)]
        parts = [chunk.text[s.start : s.end] for s in sentences(chunk.text)] or [chunk.text]
        rng.shuffle(parts)
        out.append(chunk.model_copy(update={"id": f"{chunk.id}~v{i}", "text": " ".join(parts)}))
        i += 1
    return out


class DiskCachedEmbedder:
    """The real embedder, with vectors kept on disk so repeated benchmark runs skip re-embedding."""

    def __init__(self, inner, folder: Path) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def embed(self, texts: list[str]) -> np.ndarray:
        key = hashlib.sha256((self.name + "\x00".join(texts)).encode()).hexdigest()[:24]
        path = self.folder / f"{key}.npy"
        if path.exists():
            return np.load(path)
        vectors = self.inner.embed(texts)
        np.save(path, vectors)
        return vectors


def bench_scale(n: int = 10_000) -> None:
    chunks = synthetic_chunks(chunk_corpus(load_corpus(SETTINGS.corpus_dir)), n)
    embedder = default_embedder(SETTINGS)
    cached = DiskCachedEmbedder(embedder, CACHE / "vectors")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        index = HybridIndex.build(chunks, cached, Path(tmp) / "index", batch=256)
        built = time.perf_counter() - start
        index = HybridIndex.open(Path(tmp) / "index", embedder)
        for query, filters in QUERIES:  # warm-up: the first query loads HNSW into memory
            index.search(query, filters, k=8)
        lat = []
        for _ in range(10):
            for query, filters in QUERIES:
                start = time.perf_counter()
                index.search(query, filters, k=8)
                lat.append((time.perf_counter() - start) * 1000)
        print(f"query ({len(chunks)} chunks, hybrid, query embedding included, {len(lat)} queries): "
              f"ms p50 {pct(lat, .5):.1f} p95 {pct(lat, .95):.1f}; index {folder_mb(Path(tmp) / 'index'):.0f} MB "
              f"on disk, built in {built:.0f} s (vectors from the disk cache after the first run)")


def three_page_denial() -> bytes:
    """A 3-page denial PDF: a 2-page Humana Hemgenix letter from the train split set at 14 pt with wide line spacing."""
    from fpdf import FPDF

    text = (ROOT / "eval" / "datasets" / "denials" / "train" / "humana-il-hemgenix-soc-01.txt").read_text()
    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", size=14)
    pdf.multi_cell(0, 9, text)
    return bytes(pdf.output())


def bench_draft() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        chunks = chunk_corpus(load_corpus(SETTINGS.corpus_dir))
        index = HybridIndex.build(chunks, default_embedder(SETTINGS), Path(tmp) / "index")
        pipeline = Pipeline(SETTINGS, retriever=index)
        fixture = ROOT / "tests" / "fixtures" / "denials" / "cigna_ca_medical_necessity"
        facts = load_patient_facts(fixture.with_suffix(".facts.json"))  # a Hemgenix patient
        denial = three_page_denial()
        pages = parse(denial, name="denial.pdf").page_count
        pipeline.run(denial, facts, name="denial.pdf")  # warm-up: loads the ICD-10 code set and the model once
        runs = []
        for _ in range(20):
            start = time.perf_counter()
            result = pipeline.run(denial, facts, name="denial.pdf")
            markdown_to_pdf(result.letter_markdown)
            runs.append((time.perf_counter() - start) * 1000)
        print(f"draft (template, {pages}-page denial, parse to rendered PDF, real index, {len(runs)} runs): "
              f"ms p50 {statistics.median(runs):.0f} p95 {pct(runs, .95):.0f}")


def _external(module: str) -> Callable[[], None]:
    def run() -> None:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            print(f"{module}: skipped ({exc})")
            return
        mod.main()
    return run


SECTIONS: dict[str, Callable[[], None]] = {
    "parse": bench_parse,
    "index": bench_index,
    "scale": bench_scale,
    "draft": bench_draft,
    "api": _external("bench.api"),
    "llm": _external("bench.llm_sections"),
    "hostile": _external("bench.hostile"),
}


def main(argv: list[str]) -> None:
    names = argv or list(SECTIONS)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown section {unknown[0]!r}; choose from {', '.join(SECTIONS)}")
    for name in names:
        print(f"== {name}", flush=True)
        SECTIONS[name]()
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
