"""Metric functions shared by the runners: token F1, precision/recall/F1, ranking, percentiles."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from appealgen.evaluation.tasks import Metric

_HYPHEN_BREAK = re.compile(r"(\w)-\s*\n\s*(\w)")
_TOKEN = re.compile(r"[a-z0-9]+")


def dehyphenate(text: str) -> str:
    """Join words split by a hyphen at a line break ("inves-\\ntigational" -> "investigational")."""
    return _HYPHEN_BREAK.sub(r"\1\2", text)


def tokens(text: str) -> list[str]:
    """Lower-case word tokens after removing line-break hyphenation."""
    return _TOKEN.findall(dehyphenate(text).lower())


def token_f1(predicted: str, gold: str) -> float:
    """Token-overlap F1 (bag of words, as SQuAD scores answers)."""
    p, g = tokens(predicted), tokens(gold)
    if not p or not g:
        return float(p == g)
    common = sum((Counter(p) & Counter(g)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def ratio(hits: int, total: int, what: str, detail: str = "") -> Metric:
    """A rate with a reason like '29/32 letters correct; wrong: ...'."""
    if total == 0:
        return Metric(value=None, reason=f"no {what} to score")
    reason = f"{hits}/{total} {what}"
    return Metric(value=round(hits / total, 4), reason=f"{reason}; {detail}" if detail else reason)


def examples(items: Sequence[str], limit: int = 4) -> str:
    """The first few items of a list, with a count of the rest."""
    shown = "; ".join(items[:limit])
    return shown + (f"; and {len(items) - limit} more" if len(items) > limit else "")


def multilabel_f1(
    gold: Sequence[set[str]], predicted: Sequence[set[str]], labels: Iterable[str]
) -> dict[str, float | None]:
    """Per-label F1 plus micro and macro F1 over the labels that occur in gold or predictions.

    Returns:
        {"micro": ..., "macro": ..., label: F1 or None when the label never occurs}.
    """
    out: dict[str, float | None] = {}
    tp_all = fp_all = fn_all = 0
    per_label: list[float] = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if label in g and label in p)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if label not in g and label in p)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if label in g and label not in p)
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        if tp + fp + fn == 0:
            out[label] = None
            continue
        out[label] = round(2 * tp / (2 * tp + fp + fn), 4)
        per_label.append(out[label] or 0.0)
    out["micro"] = (
        round(2 * tp_all / (2 * tp_all + fp_all + fn_all), 4) if tp_all + fp_all + fn_all else None
    )
    out["macro"] = round(sum(per_label) / len(per_label), 4) if per_label else None
    return out


def confusion(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> list[list[int]]:
    """Counts[gold index][predicted index]."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted, strict=True):
        matrix[index[g]][index[p]] += 1
    return matrix


def recall_at_k(hits: Sequence[set[int]], relevant: int, k: int) -> float:
    """Share of relevant items found in the first k results (hits[i]: items result i satisfies)."""
    found: set[int] = set().union(*hits[:k]) if hits[:k] else set()
    return len(found) / relevant if relevant else 0.0


def reciprocal_rank(hits: Sequence[set[int]]) -> float:
    """1 / rank of the first result that satisfies any relevant item; 0 when none does."""
    return next((1.0 / (i + 1) for i, h in enumerate(hits) if h), 0.0)


def ndcg_at_k(hits: Sequence[set[int]], relevant: int, k: int = 10) -> float:
    """Binary-gain nDCG@k; each relevant item earns its gain once, at its first result."""
    seen: set[int] = set()
    dcg = 0.0
    for i, h in enumerate(hits[:k]):
        new = h - seen
        if new:
            dcg += 1.0 / math.log2(i + 2)
            seen |= new
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(relevant, k)))
    return dcg / ideal if ideal else 0.0


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
