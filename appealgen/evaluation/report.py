"""Write an evaluation report: report.json and a self-contained report.html (inline SVG, no JS)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from appealgen.evaluation.charts import bar_chart, heatmap, histogram, line_chart
from appealgen.evaluation.suite import Report
from appealgen.evaluation.tasks import MetricResult, TaskResult

CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#1a202c;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:12px;margin:8px 0}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f7fafc}.pass{color:#2f855a;font-weight:bold}.fail{color:#c53030;font-weight:bold}
.better{color:#2f855a}.worse{color:#c53030}.num{text-align:right;white-space:nowrap}
.charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}.note{color:#4a5568;font-size:12px}
.reason{color:#4a5568;max-width:420px}
"""


def write_report(report: Report, folder: Path) -> dict[str, Path]:
    """Write report.json and report.html into folder (created); returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"json": folder / "report.json", "html": folder / "report.html"}
    paths["json"].write_text(report.model_dump_json(indent=2), encoding="utf-8")
    paths["html"].write_text(to_html(report), encoding="utf-8")
    return paths


def to_html(report: Report) -> str:
    """The whole report as one HTML page."""
    verdict = (
        '<span class="pass">PASSED</span>' if report.passed else '<span class="fail">FAILED</span>'
    )
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta "
        "charset='utf-8'><title>appealgen evaluation</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>appealgen evaluation: {verdict}</h1>",
        f"<p class='note'>appealgen {escape(report.appealgen_version)}, "
        f"{report.created_at:%Y-%m-%d %H:%M} UTC, "
        f"{report.seconds:.0f} s, datasets {escape(report.dataset_dir)}"
        + (f"; compared with {escape(report.compare.against)}" if report.compare else "")
        + "</p>",
    ]
    if report.failures:
        parts.append(
            "<ul>"
            + "".join(f"<li class='fail'>{escape(f)}</li>" for f in report.failures)
            + "</ul>"
        )
    parts.append(_summary(report))
    for task in report.tasks:
        parts.append(_task(task, report))
    parts.append("</body></html>")
    return "\n".join(parts)


def _summary(report: Report) -> str:
    rows = [
        "<table><tr><th>task</th><th>stage</th><th>metrics</th><th>below "
        "threshold</th><th>seconds</th></tr>"
    ]
    for t in report.tasks:
        bad = len(t.failures)
        rows.append(
            "<tr><td><a "
            f"href='#{escape(t.name)}'>{escape(t.name)}</a></td><td>{escape(t.stage)}</td>"
            f"<td class='num'>{len(t.metrics)}</td><td "
            f"class='num {'fail' if bad else 'pass'}'>{bad}</td>"
            f"<td class='num'>{t.seconds:.1f}</td></tr>"
        )
    return "".join(rows) + "</table>"


def _task(task: TaskResult, report: Report) -> str:
    deltas = report.compare.deltas.get(task.name, {}) if report.compare else {}
    parts = [
        f"<h2 id='{escape(task.name)}'>{escape(task.name)} <small>({escape(task.stage)}, dataset "
        f"{escape(task.dataset)})</small></h2>"
    ]
    if task.description:
        parts.append(f"<p>{escape(task.description)}</p>")
    parts += [f"<p class='note'>{escape(n)}</p>" for n in task.notes]
    charts = [svg for name, data in task.charts.items() for svg in _charts(task.name, name, data)]
    baseline_svg = _baseline_chart(task)
    if baseline_svg:
        charts.append(baseline_svg)
    parts.append("<div class='charts'>" + "".join(charts) + "</div>")
    parts.append(_metrics_table(task.metrics, deltas, report.compare is not None))
    if task.extras:
        rows = "".join(
            f"<tr><td>{escape(k)}</td><td class='num'>{_num(m.value)}</td>"
            f"<td class='reason'>{escape(m.reason)}</td></tr>"
            for k, m in task.extras.items()
        )
        parts.append(
            f"<details><summary>More detail ({len(task.extras)})</summary><table>"
            f"<tr><th>name</th><th>value</th><th>reason</th></tr>{rows}</table></details>"
        )
    return "\n".join(parts)


def _metrics_table(
    metrics: list[MetricResult], deltas: dict[str, float | None], comparing: bool
) -> str:
    baselines = list(dict.fromkeys(b for m in metrics for b in m.baselines))
    head = (
        ["metric", "value", *baselines, "threshold", "status"]
        + (["delta"] if comparing else [])
        + ["reason"]
    )
    rows = ["<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for m in metrics:
        status = (
            "skipped" if m.skipped else "-" if m.passed is None else "pass" if m.passed else "FAIL"
        )
        cls = "fail" if m.passed is False else "pass" if m.passed else ""
        limit = (
            ""
            if m.threshold is None
            else f"{'>=' if m.direction == 'higher' else '<='} {m.threshold:g}"
        )
        cells = [
            escape(m.name),
            _num(m.value),
            *(_num(m.baselines.get(b)) for b in baselines),
            limit,
            f"<span class='{cls}'>{status}</span>",
        ]
        if comparing:
            cells.append(_delta(deltas.get(m.name), m.direction))
        cells.append(f"<span class='reason'>{escape(m.reason)}</span>")
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return "".join(rows) + "</table>"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _delta(delta: float | None, direction: str) -> str:
    if delta is None:
        return ""
    if delta == 0:
        return "0"
    better = delta > 0 if direction == "higher" else delta < 0
    return f"<span class='{'better' if better else 'worse'}'>{delta:+.4g}</span>"


def _charts(task: str, name: str, data: dict[str, Any]) -> list[str]:
    """SVG charts for one chart entry, chosen by the entry's shape."""
    title = f"{task}: {name.replace('_', ' ')}"
    if "matrix" in data:
        return [heatmap(data["labels"], data["matrix"], title)]
    if "ks" in data:
        return [line_chart(data["ks"], data["series"], title, x_label="k (results kept)")]
    if name == "histograms":
        return [histogram(values, f"{task}: {stage}") for stage, values in data.items()]
    if "labels" in data and "series" in data:
        series = data["series"]
        if isinstance(next(iter(series.values()), None), dict):
            series = {k: [v.get(label) for label in data["labels"]] for k, v in series.items()}
        return [bar_chart(data["labels"], series, title)]
    return []


def _baseline_chart(task: TaskResult) -> str | None:
    """The task's rate metrics beside its baselines' values."""
    rows = [m for m in task.metrics if m.baselines and m.value is not None and 0 <= m.value <= 1][
        :24
    ]
    if not rows:
        return None
    names = list(dict.fromkeys(b for m in rows for b in m.baselines))
    series = {
        "this stage": [m.value for m in rows],
        **{b: [m.baselines.get(b) for m in rows] for b in names},
    }
    return bar_chart([m.name for m in rows], series, f"{task.name}: metrics beside baselines")
