"""Hostile files: how parse and the CLI refuse each kind, how long it takes, how much memory it needs.

Builds every kind in tests/hardening/hostile.py (plus the JavaScript PDF, which is read, not
refused), parses each in this process (the PDF reader runs in a forked, capped child) and runs
`appealgen extract FILE --json` on each in a subprocess. CLI seconds include starting Python and
importing the ICD-10 tables, which dominate; the parse column is the refusal itself.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

from appealgen.errors import AppealgenError
from appealgen.settings import ParseLimits
from appealgen.stages.parse import parse
from tests.hardening.hostile import HOSTILE, javascript_pdf, run_extract_cli


def _parse_outcome(data: bytes, name: str, limits: ParseLimits) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        parse(data, name=name, limits=limits)
        outcome = "read"
    except AppealgenError as exc:
        outcome = f"{type(exc).__name__} ({exc.http_status})"
    return outcome, time.perf_counter() - start


def main() -> None:
    """Print one row per hostile kind, then files tried, refused, max seconds and max RSS."""
    limits = ParseLimits()
    kinds = {**HOSTILE, "javascript (read)": ("letter.pdf", javascript_pdf)}
    print(f"limits: {limits.timeout_s:g} s, {limits.memory_mb} MiB above the parent's address space, "
          f"{limits.max_pages} pages, {limits.max_bytes:,} bytes")
    print(f"{'kind':<20} {'size':>10} {'parse outcome':<30} {'parse s':>8} {'CLI exit':>8} {'CLI s':>7} {'CLI RSS MiB':>11}")
    built = {kind: (name, build()) for kind, (name, build) in kinds.items()}
    parsed = {kind: _parse_outcome(data, name, limits) for kind, (name, data) in built.items()}
    # Measured before any CLI run, so only the forked parse children count.
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    refused = 0
    worst_s = worst_rss = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for kind, (name, data) in built.items():
            outcome, seconds = parsed[kind]
            folder = Path(tmp) / kind.split()[0]
            folder.mkdir()
            (folder / name).write_bytes(data)
            run = run_extract_cli(folder / name)
            refused += run.returncode == 2
            worst_s = max(worst_s, seconds, run.seconds)
            worst_rss = max(worst_rss, run.max_rss_mb)
            print(f"{kind:<20} {len(data):>10,} {outcome:<30} {seconds:>8.2f} {run.returncode:>8} "
                  f"{run.seconds:>7.1f} {run.max_rss_mb:>11.0f}", flush=True)
    print(f"hostile: {len(kinds)} files tried, {refused} refused with exit 2 (of {len(HOSTILE)} hostile), "
          f"max {worst_s:.1f} s, max RSS {worst_rss:.0f} MiB (a CLI run with its parse child); "
          f"in-process parse children peaked at {child_peak:.0f} MiB RSS")

if __name__ == "__main__":
    main()
