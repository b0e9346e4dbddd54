"""Coverage tables for the denial-letter dataset, computed from the gold .json files.

    python eval/datasets/denials/coverage.py           # print Markdown tables
    python eval/datasets/denials/coverage.py --write   # also refresh the table in README.md
    python eval/datasets/denials/coverage.py --split train --split dev2   # only these columns

Reads only the gold labels (counts), never prints letter text, so it is safe to run
while the test split is held out.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPLITS = ("train", "dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9", "dev10", "dev11", "dev12",
          "dev13", "dev14", "dev15", "dev16", "dev17", "dev18", "dev19", "dev20", "test")
START, END = "<!-- coverage:start -->", "<!-- coverage:end -->"
NULL = "(null)"


def load(splits: tuple[str, ...] = SPLITS) -> dict[str, list[dict]]:
    return {s: [json.loads(p.read_text()) for p in sorted((HERE / s).glob("*.json"))] for s in splits}


def table(title: str, counters: dict[str, Counter], order: list[str] | None = None) -> str:
    splits = list(counters)
    keys = order or sorted(set().union(*counters.values()), key=lambda k: (-sum(c[k] for c in counters.values()), k))
    lines = [f"| {title} | {' | '.join(splits)} | total |", "| --- |" + " ---: |" * (len(splits) + 1)]
    for k in keys:
        counts = [counters[s][k] for s in splits]
        lines.append(f"| {k} | {' | '.join(map(str, counts))} | {sum(counts)} |")
    return "\n".join(lines)


def build(data: dict[str, list[dict]]) -> str:
    def count(fn) -> dict[str, Counter]:
        out = {}
        for s in data:
            c = Counter()
            for g in data[s]:
                for v in fn(g):
                    c[NULL if v is None else str(v)] += 1
            out[s] = c
        return out

    sizes = ", ".join(f"{s} {len(data[s])}" for s in data)
    parts = [f"Letters: {sizes}, total {sum(len(v) for v in data.values())}.", ""]
    parts += ["Bases (a letter counts once for each basis it lists):", "",
              table("basis", count(lambda g: g["bases"])), ""]
    parts += ["Primary basis (first listed):", "", table("primary basis", count(lambda g: g["bases"][:1])), ""]
    parts += ["Features:", "", table("feature", count(lambda g: g["features"])), ""]
    parts += ["Payer:", "", table("payer", count(lambda g: [g["facts"]["payer"]])), ""]
    parts += ["Plan type:", "", table("plan type", count(lambda g: [g["facts"]["plan_type"]])), ""]
    parts += ["State:", "", table("state", count(lambda g: [g["facts"]["state"]])), ""]
    parts += ["Drug (as labeled: brand, else generic as written, else null):", "",
              table("drug", count(lambda g: [g["facts"]["drug"]])), ""]
    parts += ["Other facts:", "", table("fact", count(lambda g: (
        (["urgent"] if g["facts"]["urgent"] else [])
        + (["stated_deadline_days is null"] if g["facts"]["stated_deadline_days"] is None else [])
        + [f"stated_deadline_days = {g['facts']['stated_deadline_days']}"] * (g["facts"]["stated_deadline_days"] is not None)
        + (["has NDC"] if g["facts"]["codes"]["ndc"] else [])
        + (["has CARC/RARC"] if g["facts"]["codes"]["carc"] else [])
    )))]
    return "\n".join(parts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help="refresh the coverage section of README.md")
    ap.add_argument("--split", choices=SPLITS, action="append", help="count only this split (repeatable)")
    args = ap.parse_args(argv)
    if args.write and args.split:
        print("--write counts every split; drop --split", file=sys.stderr)
        return 2
    md = build(load(tuple(args.split or SPLITS)))
    print(md)
    if args.write:
        readme = HERE / "README.md"
        text = readme.read_text()
        if START not in text or END not in text:
            print("README.md lacks coverage markers", file=sys.stderr)
            return 1
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        readme.write_text(f"{head}{START}\n{md}\n{END}{tail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
