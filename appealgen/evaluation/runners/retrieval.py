"""retrieval: recall@k, MRR and nDCG@10 of hybrid search, beside dense-only and BM25-only.

Real documents (an EMA leaflet, an FDA SPL) are ingested into a private copy of the index
first; their chunk ids are assigned at ingestion, so their gold names a document and a
section-heading substring instead of a chunk id.
"""

from __future__ import annotations

from pathlib import Path
from statistics import mean

from appealgen.adapters.hybrid import HybridIndex, Mode, SearchFilters
from appealgen.corpus import chunk_corpus
from appealgen.evaluation.context import EvalContext
from appealgen.evaluation.datasets import RetrievalQuery, load_jsonl
from appealgen.evaluation.metrics import ndcg_at_k, recall_at_k, reciprocal_rank
from appealgen.evaluation.runners import runner
from appealgen.evaluation.tasks import Metric, StageOutput, TaskSpec
from appealgen.ingest import ingest
from appealgen.models import Passage

KS = (1, 3, 5, 10)
MODES: tuple[Mode, ...] = ("hybrid", "dense", "bm25")
REAL = "real_document"
# doc_id -> (file under shared/data/real_labels, drug)
REAL_DOCS = {
    "hemgenix-ema-leaflet": ("hemgenix_EU_package_leaflet_en.txt", "hemgenix"),
    "humira-spl-2013": ("humira_spl_2013-09-30.xml", "humira"),
}


def satisfied(passage: Passage, relevant: list[str | dict[str, str]]) -> set[int]:
    """Indexes of the relevant items this passage satisfies."""
    hits = set()
    for i, item in enumerate(relevant):
        if isinstance(item, str):
            if passage.id == item:
                hits.add(i)
        elif (
            passage.doc_id == item["doc"]
            and item["section_contains"].lower() in passage.section.lower()
        ):
            hits.add(i)
    return hits


def score_query(passages: list[Passage], relevant: list[str | dict[str, str]]) -> dict[str, float]:
    """Every ranking metric for one query's results."""
    hits = [satisfied(p, relevant) for p in passages]
    out = {f"recall@{k}": recall_at_k(hits, len(relevant), k) for k in KS}
    out["mrr"] = reciprocal_rank(hits)
    out["ndcg@10"] = ndcg_at_k(hits, len(relevant), 10)
    return out


def _ingest_real(index: HybridIndex, shared: Path) -> list[str]:
    """Add the real documents that are present; returns the doc ids added."""
    docs = []
    for doc_id, (name, drug) in REAL_DOCS.items():
        path = shared / "real_labels" / name
        if path.is_file():
            docs.append(ingest(path, kind="label", drug=drug, doc_id=doc_id))
    if docs:
        index.add(chunk_corpus(docs), documents=len(docs))
    return [d.meta.id for d in docs]


def _aggregate(rows: list[dict[str, float]], what: str) -> dict[str, Metric]:
    names = [f"recall@{k}" for k in KS] + ["mrr", "ndcg@10"]
    return {
        n: Metric(
            value=round(mean(r[n] for r in rows), 4) if rows else None,
            reason=f"mean over {len(rows)} {what}",
        )
        for n in names
    }


@runner("retrieve")
def run_retrieval(task: TaskSpec, ctx: EvalContext) -> StageOutput:
    """Rank every query in each mode; metrics are hybrid's, dense and BM25 are the baselines."""
    queries = load_jsonl(ctx.dataset_dir / task.dataset / "queries.jsonl", RetrievalQuery)
    index = ctx.index_copy("retrieval-index")
    added = _ingest_real(index, ctx.shared_dir)
    output = StageOutput(metrics={})
    missing = sorted(set(REAL_DOCS) - set(added))
    if missing:
        skipped = [q for q in queries if q.category == REAL]
        queries = [q for q in queries if q.category != REAL]
        output.notes.append(
            f"Skipped {len(skipped)} real_document queries: {', '.join(missing)} not found under "
            f"{ctx.shared_dir / 'real_labels'}."
        )
    per_mode: dict[str, list[dict[str, float]]] = {m: [] for m in MODES}
    misses: list[str] = []
    for q in queries:
        filters = SearchFilters(**q.filters)
        for mode in MODES:
            scored = score_query(index.search(q.query, filters, k=max(KS), mode=mode), q.relevant)
            per_mode[mode].append(scored)
            if mode == "hybrid" and scored["recall@10"] == 0:
                misses.append(q.id)
    categories = sorted({q.category for q in queries})
    for mode in MODES:
        agg = _aggregate(per_mode[mode], "queries")
        if missing:
            for name in ("recall@5", "mrr"):
                agg[f"{name}.{REAL}"] = Metric(
                    value=None, reason="skipped: real documents absent", skipped=True
                )
        for cat in categories:
            rows = [r for r, q in zip(per_mode[mode], queries, strict=True) if q.category == cat]
            for name, metric in _aggregate(rows, f"{cat} queries").items():
                if name in ("recall@5", "mrr"):
                    agg[f"{name}.{cat}"] = metric
        if mode == "hybrid":
            output.metrics = agg
        else:
            output.baselines[mode] = agg
    if misses:
        output.metrics[
            "recall@10"
        ].reason += f"; nothing relevant in the top 10 for {', '.join(misses)}"
    output.charts["recall_curves"] = {
        "ks": list(KS),
        "series": {
            m: [round(mean(r[f"recall@{k}"] for r in per_mode[m]), 4) for k in KS] for m in MODES
        },
    }
    output.charts["by_category"] = {
        "labels": categories,
        "series": {
            m: [
                output.metrics[f"recall@5.{c}"].value
                if m == "hybrid"
                else output.baselines[m][f"recall@5.{c}"].value
                for c in categories
            ]
            for m in MODES
        },
    }
    output.notes.append(
        f"{len(queries)} queries; k=10 results per query and mode; real documents added: "
        f"{', '.join(added) or 'none'}."
    )
    return output
