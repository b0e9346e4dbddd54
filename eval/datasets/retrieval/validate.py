"""Check the retrieval queries against the current corpus and print counts.

    .venv/bin/python eval/datasets/retrieval/validate.py [--real-dir DIR] [--verbose]

Checks every line of queries.jsonl:
  * shape: id (q001...), query, filters {drug, payer, state, plan_type, kinds}, relevant (1-3), category;
  * every chunk id in `relevant` exists in the current corpus (corpus/**/*.md, chunk_corpus ids);
  * every relevant chunk passes the query's own filters (else the query could never be answered);
  * the category agrees with the relevant chunks' kind (label/policy/rule; real_document has a
    {"doc", "section_contains"} item);
  * a query does not contain the full section heading of one of its relevant chunks (paraphrase check);
  * each {"doc", "section_contains"} item names a known real document and, when the real file is
    present (default /work/shared/data/real_labels), matches at least one chunk heading after ingestion
    with appealgen.ingest (case-insensitive substring of the chunk's section heading).
Prints problems, then counts per category. Exit status 1 on problems.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO))

from appealgen.adapters.hybrid import SearchFilters  # noqa: E402
from appealgen.corpus import Chunk, chunk_corpus, load_corpus  # noqa: E402

QUERIES = HERE / "queries.jsonl"
CATEGORIES = {"label", "policy", "rule", "real_document"}
KINDS = {"label", "policy", "rule", "guideline"}
FILTER_KEYS = {"drug", "payer", "state", "plan_type", "kinds"}
# Real documents the project ingests; their chunk ids are assigned at ingestion.
REAL_DOCS = {
    "hemgenix-ema-leaflet": ("hemgenix_EU_package_leaflet_en.txt", "hemgenix"),
    "humira-spl-2013": ("humira_spl_2013-09-30.xml", "humira"),
}
DEFAULT_REAL_DIR = Path("/work/shared/data/real_labels")


def real_chunks(real_dir: Path) -> dict[str, list[Chunk]]:
    """Ingest the real documents that are present, keyed by doc id."""
    try:
        from appealgen.ingest import ingest
    except ImportError:
        return {}
    out: dict[str, list[Chunk]] = {}
    for doc_id, (name, drug) in REAL_DOCS.items():
        path = real_dir / name
        if path.is_file():
            out[doc_id] = chunk_corpus([ingest(path, kind="label", drug=drug, doc_id=doc_id)])
    return out


def resolve(item: dict, real: dict[str, list[Chunk]]) -> list[Chunk] | None:
    """The chunks a {"doc", "section_contains"} item points at; None when the document is not ingested."""
    chunks = real.get(item["doc"])
    if chunks is None:
        return None
    needle = item["section_contains"].lower()
    return [c for c in chunks if needle in c.section.lower()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real-dir", type=Path, default=DEFAULT_REAL_DIR, help="folder with the real label files")
    ap.add_argument("--verbose", action="store_true", help="print how each section_contains item resolves")
    args = ap.parse_args()

    chunks = {c.id: c for c in chunk_corpus(load_corpus(REPO / "corpus"))}
    real = real_chunks(args.real_dir)
    problems: list[str] = []
    rows = []
    seen: set[str] = set()
    for n, line in enumerate(QUERIES.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: not JSON ({exc})")
            continue
        qid = row.get("id", f"line {n}")
        bad = lambda msg, qid=qid: problems.append(f"{qid}: {msg}")  # noqa: E731
        if set(row) != {"id", "query", "filters", "relevant", "category"}:
            bad(f"keys {sorted(row)}")
            continue
        if not re.fullmatch(r"q\d{3,}", qid) or qid in seen:
            bad("id must be q### and unique")
        seen.add(qid)
        if not isinstance(row["query"], str) or len(row["query"].split()) < 2:
            bad("query must be a string of two words or more")
        cat = row["category"]
        if cat not in CATEGORIES:
            bad(f"category {cat!r}")
        flt = row["filters"]
        if not isinstance(flt, dict) or set(flt) != FILTER_KEYS:
            bad(f"filters keys {sorted(flt) if isinstance(flt, dict) else flt}")
            continue
        if not isinstance(flt["kinds"], list) or not set(flt["kinds"]) <= KINDS:
            bad(f"filters.kinds {flt['kinds']!r}")
            continue
        filters = SearchFilters(**flt)
        rel = row["relevant"]
        if not isinstance(rel, list) or not 1 <= len(rel) <= 3:
            bad("relevant must list 1 to 3 items")
            continue
        rows.append(row)
        has_real = False
        for item in rel:
            if isinstance(item, str):
                chunk = chunks.get(item)
                if chunk is None:
                    bad(f"unknown chunk id {item}")
                    continue
                if not filters.accepts(chunk):
                    bad(f"{item} does not pass the query's filters")
                if cat in ("label", "policy", "rule") and chunk.meta.kind != cat:
                    bad(f"{item} is a {chunk.meta.kind}, category is {cat}")
                if chunk.section.lower() in row["query"].lower():
                    bad(f"query copies the heading of {item}")
            elif isinstance(item, dict) and set(item) == {"doc", "section_contains"}:
                has_real = True
                if item["doc"] not in REAL_DOCS:
                    bad(f"unknown real document {item['doc']!r}")
                    continue
                if cat != "real_document":
                    bad("a {doc, section_contains} item needs category real_document")
                matched = resolve(item, real)
                if matched is None:
                    continue  # the file is not here; nothing to resolve against
                if not matched:
                    bad(f"{item['doc']}: no section heading contains {item['section_contains']!r}")
                elif not any(filters.accepts(c) for c in matched):
                    bad(f"{item['doc']} / {item['section_contains']!r} does not pass the query's filters")
                if args.verbose:
                    print(f"{qid}: {item['doc']} / {item['section_contains']!r} -> {len(matched)} chunk(s): "
                          f"{sorted({c.section for c in matched})}")
            else:
                bad(f"relevant item {item!r} is neither a chunk id nor {{doc, section_contains}}")
        if cat == "real_document" and not has_real:
            bad("real_document query without a {doc, section_contains} item")

    for p in problems:
        print("PROBLEM", p)
    cats = Counter(r["category"] for r in rows)
    filtered = Counter(r["category"] for r in rows if any(v for v in r["filters"].values()))
    print(f"{len(rows)} queries; corpus {len(chunks)} chunks; real documents ingested: {sorted(real) or 'none'}")
    for cat in ("label", "policy", "rule", "real_document"):
        print(f"  {cat:14s} {cats[cat]:4d}  (with filters: {filtered[cat]})")
    drugs = Counter(i.split("#")[0] for r in rows if r["category"] == "label" for i in r["relevant"] if isinstance(i, str))
    payers = Counter(i.split("#")[0] for r in rows if r["category"] == "policy" for i in r["relevant"] if isinstance(i, str))
    rules = Counter(i.split("#")[0] for r in rows if r["category"] == "rule" for i in r["relevant"] if isinstance(i, str))
    print("  relevant ids per label doc: ", dict(sorted(drugs.items())))
    print("  relevant ids per policy doc:", dict(sorted(payers.items())))
    print("  relevant ids per rule doc:  ", dict(sorted(rules.items())))
    missing = {d.split("/")[-1][:-3] for d in map(str, (REPO / "corpus" / "labels").glob("*.md"))} - set(drugs)
    if missing:
        print("PROBLEM label documents without a query:", sorted(missing))
        problems.append("coverage")
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
