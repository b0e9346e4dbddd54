"""Train the naive Bayes basis model (appealgen/knowledge/basis_model.py) from the dataset letters.

    .venv/bin/python scripts/train_basis_model.py            # writes appealgen/knowledge/data/basis_model.json
    .venv/bin/python scripts/train_basis_model.py --check    # leave-one-writer-out accuracy, writes nothing

Reads the tuning splits only (train, dev, dev2, dev3, dev4, dev5), never the held-out test
split. Each letter's decision text (its sentences outside the rights notice and the header
fields, read from the PDF the way the pipeline reads it) counts once toward its primary basis.
Tokens seen in fewer than two letters are dropped. The output is deterministic.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from appealgen.evaluation.datasets import load_denials
from appealgen.knowledge._data import DATA_DIR
from appealgen.knowledge.basis_model import MODEL_FILE, BasisModel, tokens
from appealgen.knowledge.letter_layout import sentences
from appealgen.stages.parse import parse

ROOT = Path(__file__).resolve().parents[1] / "eval" / "datasets" / "denials"
SPLITS = ("train", "dev", "dev2", "dev3", "dev4", "dev5")


def decision_text(pdf: Path) -> str:
    doc = parse(pdf)
    return " ".join(s.text for s in sentences(doc.text) if not s.in_rights_notice and not s.is_field)


def fit(letters: list[tuple[str, list[str]]]) -> BasisModel:
    seen = Counter(w for _, toks in letters for w in set(toks))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    per_basis: Counter[str] = Counter()
    for basis, toks in letters:
        per_basis[basis] += 1
        counts[basis].update(w for w in set(toks) if seen[w] >= 2)
    vocabulary = sum(1 for n in seen.values() if n >= 2)
    return BasisModel(
        letters=dict(sorted(per_basis.items())),
        counts={b: dict(sorted(c.items())) for b, c in sorted(counts.items())},
        vocabulary=vocabulary,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="print leave-one-writer-out accuracy and write nothing")
    ap.add_argument("--output", type=Path, default=DATA_DIR / MODEL_FILE, help="where to write the model")
    args = ap.parse_args()
    writers: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for split in SPLITS:
        for case in load_denials(ROOT, split):
            half = re.search(r"-([a-z])\d\d$", case.id)
            writers[split + (half.group(1) if half else "")].append((case.bases[0], tokens(decision_text(case.pdf))))
    if args.check:
        right = total = 0
        for held, letters in sorted(writers.items()):
            model = fit([x for w, xs in writers.items() if w != held for x in xs])
            ok = sum(model.rank(" ".join(t for t in toks if "_" not in t))[0][0] == basis for basis, toks in letters)
            print(f"{held:6s} {ok:2d}/{len(letters):2d}")
            right, total = right + ok, total + len(letters)
        print(f"leave-one-writer-out primary accuracy {right}/{total} = {right / total:.3f}")
        return
    model = fit([x for xs in writers.values() for x in xs])
    out = {"letters": model.letters, "counts": model.counts, "vocabulary": model.vocabulary,
           "trained_on": list(SPLITS)}
    args.output.write_text(json.dumps(out, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.output}: {sum(model.letters.values())} letters, vocabulary {model.vocabulary}")


if __name__ == "__main__":
    main()
