"""LLM endpoint faults against a real misbehaving HTTP server on loopback.

The server answers /<mode>/v1/chat/completions according to <mode>: refused, slow, 429,
500, garbage, wrong schema, a reply that never ends, a reply that drips. Every fault must
end in bounded time with the template drafter taking over and the result saying why.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from appealgen.adapters.llm import OpenAICompatibleChat, RetryPolicy, retry_after_seconds
from appealgen.errors import LLMError
from appealgen.models import AppealResult, DraftInput
from appealgen.patient_facts import load_patient_facts
from appealgen.pipeline import Pipeline
from appealgen.settings import Settings
from appealgen.stages.llm_drafter import SYSTEM as DRAFTER_SYSTEM
from appealgen.stages.llm_drafter import LLMDrafter
from tests.api.conftest import CIGNA, FakeRetriever, free_port, make_settings

GOOD = "The records show the patient meets each coverage criterion listed below, including a negative inhibitor test."
TIMEOUT_S = 0.6


def completion(content: str) -> bytes:
    """An OpenAI chat.completion body whose message is content."""
    return json.dumps({
        "id": "cmpl-1", "object": "chat.completion", "created": 0, "model": "fault",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }).encode()


class FaultServer(ThreadingHTTPServer):
    """Counts requests per mode; `flaky_failures` 429s come before a good answer in mode 'flaky'."""

    daemon_threads = True

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), FaultHandler)
        self.hits: dict[str, list[float]] = {}
        self.drafter_hits: dict[str, int] = {}
        self.flaky_failures = 2
        self.stop = threading.Event()


class FaultHandler(BaseHTTPRequestHandler):
    """Misbehaves according to the first path segment."""

    server: FaultServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
        """Quiet."""

    def _send(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _drip(self, chunk: bytes, pause_s: float) -> None:
        """A 200 whose chunked body never ends (until the client leaves or the server stops)."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            opening = b'{"id": "x", "choices": [{"message": {"content": "'
            self.wfile.write(b"%x\r\n%s\r\n" % (len(opening), opening))
            while not self.server.stop.is_set():
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                if pause_s:
                    time.sleep(pause_s)
        except OSError:
            return  # the client hung up: what we want

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        """Answer according to the mode."""
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        mode = self.path.strip("/").split("/")[0]
        hits = self.server.hits.setdefault(mode, [])
        hits.append(time.monotonic())
        if str(body.get("messages", [{}])[0].get("content", "")).startswith(DRAFTER_SYSTEM):
            self.server.drafter_hits[mode] = self.server.drafter_hits.get(mode, 0) + 1
        good = completion(json.dumps({"argument": GOOD}))
        if mode == "ok":
            self._send(200, good)
        elif mode == "flaky":
            if len(hits) <= self.server.flaky_failures:
                self._send(429, b'{"error": {"message": "slow down"}}', Retry_After="0.3")
            else:
                self._send(200, good)
        elif mode == "limit":
            self._send(429, b'{"error": {"message": "slow down"}}', Retry_After="0.3")
        elif mode == "error":
            self._send(500, b'{"error": {"message": "boom"}}')
        elif mode == "badrequest":
            self._send(400, b'{"error": {"message": "no"}}')
        elif mode == "garbage":
            self._send(200, completion("Sorry, I cannot help with that."))
        elif mode == "schema":
            self._send(200, completion(json.dumps({"text": GOOD})))
        elif mode == "html":
            self._send(200, b"<html><body>proxy error</body></html>")
        elif mode == "sleep":
            time.sleep(TIMEOUT_S * 4)
            self._send(200, good)
        elif mode == "endless":
            self._drip(b"a" * 65536, 0)
        elif mode == "drip":
            self._drip(b"a", 0.05)


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    """The fault server on a free loopback port."""
    srv = FaultServer(free_port())
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.stop.set()
    srv.shutdown()
    srv.server_close()


def llm_settings(base: Path, url: str, retries: int = 2, budget_s: float = 30.0, cooldown_s: float = 0.0) -> Settings:
    """Settings for the LLM drafter at url with short timeouts and backoff."""
    return make_settings(base).model_copy(update={
        "llm_base_url": url, "llm_model": "fault", "llm_timeout_s": TIMEOUT_S, "llm_max_retries": retries,
        "llm_backoff_s": 0.05, "llm_backoff_max_s": 1.0, "llm_letter_budget_s": budget_s, "llm_max_tokens": 64,
        "llm_cooldown_s": cooldown_s,
    })


def url(server: FaultServer, mode: str) -> str:
    """The base URL that makes the server behave as mode."""
    return f"http://127.0.0.1:{server.server_address[1]}/{mode}/v1"


def refused_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    return f"http://127.0.0.1:{free_port()}/v1"


@pytest.fixture(scope="module")
def letter() -> tuple[str, object]:
    """The Cigna fixture's text and patient facts."""
    return CIGNA.with_suffix(".txt").read_text(), load_patient_facts(Path(f"{CIGNA}.facts.json"))


def run_pipeline(settings: Settings, letter: tuple[str, object]) -> tuple[AppealResult, float]:
    """The whole pipeline with the LLM drafter at settings.llm_base_url, and its wall time."""
    text, facts = letter
    start = time.monotonic()
    result = Pipeline(settings, retriever=FakeRetriever()).run(text, facts)  # type: ignore[arg-type]
    return result, time.monotonic() - start


def basis_sections(result: AppealResult) -> list:
    """The sections that answer a denial basis."""
    return [s for s in result.draft.sections if s.kind == "basis"]


class TestRetryPolicy:
    def test_backoff_grows_exponentially_with_bounded_jitter(self) -> None:
        policy = RetryPolicy(max_retries=5, base_s=1.0, cap_s=100.0, rng=random.Random(7))
        for retry in range(5):
            step = 2.0**retry
            delays = [policy.delay(retry, None) for _ in range(200)]
            assert all(step / 2 <= d <= step for d in delays)
            assert len({round(d, 6) for d in delays}) > 100  # jittered, not a fixed schedule

    def test_backoff_and_retry_after_are_capped(self) -> None:
        policy = RetryPolicy(max_retries=20, base_s=1.0, cap_s=5.0)
        assert policy.delay(15, None) <= 5.0
        assert policy.delay(0, 3.0) == 3.0 and policy.delay(0, 3600.0) == 5.0

    def test_retry_after_forms(self) -> None:
        assert retry_after_seconds("2") == 2.0 and retry_after_seconds(None) is None
        assert retry_after_seconds("soon") is None
        assert 0 <= (retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") or 0.0) <= 0.0  # a past date = now


class TestChatAgainstFaultServer:
    def test_good_answer(self, server: FaultServer, tmp_path: Path) -> None:
        chat = OpenAICompatibleChat(llm_settings(tmp_path, url(server, "ok")))
        assert json.loads(chat.complete("system", "user"))["argument"] == GOOD

    def test_429_honours_retry_after_then_succeeds(self, server: FaultServer, tmp_path: Path) -> None:
        chat = OpenAICompatibleChat(llm_settings(tmp_path, url(server, "flaky"), retries=3))
        assert json.loads(chat.complete("system", "user"))["argument"] == GOOD
        hits = server.hits["flaky"]
        assert len(hits) == 3
        gaps = [b - a for a, b in zip(hits, hits[1:], strict=False)]
        assert all(g >= 0.28 for g in gaps), gaps  # waited the server's 0.3 s, not the 0.05 s backoff

    @pytest.mark.parametrize(("mode", "attempts"), [("limit", 3), ("error", 3), ("sleep", 3), ("badrequest", 1)])
    def test_retries_are_bounded(self, server: FaultServer, tmp_path: Path, mode: str, attempts: int) -> None:
        before = len(server.hits.get(mode, []))
        chat = OpenAICompatibleChat(llm_settings(tmp_path, url(server, mode), retries=2))
        with pytest.raises(LLMError) as caught:
            chat.complete("system", "user")
        assert len(server.hits[mode]) - before == attempts
        assert "system" not in caught.value.one_line() and "user" not in caught.value.one_line()

    def test_refused_connection_is_retried_then_fails(self, tmp_path: Path) -> None:
        slept: list[float] = []
        chat = OpenAICompatibleChat(llm_settings(tmp_path, refused_url(), retries=2), sleep=slept.append)
        with pytest.raises(LLMError, match="could not be reached after 3 attempts"):
            chat.complete("system", "user")
        assert len(slept) == 2 and slept[1] >= slept[0] / 2  # two backoffs, the second step twice the first

    def test_a_down_endpoint_is_skipped_during_the_cooldown(self, server: FaultServer, tmp_path: Path) -> None:
        before = len(server.hits.get("error", []))
        chat = OpenAICompatibleChat(llm_settings(tmp_path, url(server, "error"), retries=1, cooldown_s=0.5))
        with pytest.raises(LLMError, match="HTTP 500 after 2 attempts"):
            chat.complete("system", "user")
        with pytest.raises(LLMError, match="cool-down"):
            chat.complete("system", "user")
        assert len(server.hits["error"]) - before == 2  # the second call did not reach the server
        time.sleep(0.6)
        with pytest.raises(LLMError, match="HTTP 500"):
            chat.complete("system", "user")
        assert len(server.hits["error"]) - before == 4  # after the cool-down it is tried again

    @pytest.mark.parametrize(("mode", "why"), [("endless", "too long"), ("drip", "did not finish in time")])
    def test_runaway_replies_are_cut_off(self, server: FaultServer, tmp_path: Path, mode: str, why: str) -> None:
        chat = OpenAICompatibleChat(llm_settings(tmp_path, url(server, mode), retries=0))
        start = time.monotonic()
        with pytest.raises(LLMError, match=why):
            chat.complete("system", "user")
        assert time.monotonic() - start < TIMEOUT_S * 2 + 1.0


class TestPipelineFallsBack:
    @pytest.mark.parametrize("mode", ["refused", "limit", "error", "sleep", "endless", "drip", "html"])
    def test_endpoint_faults_give_a_template_letter_that_says_why(
        self, server: FaultServer, tmp_path: Path, letter: tuple[str, object], mode: str
    ) -> None:
        endpoint = refused_url() if mode == "refused" else url(server, mode)
        settings = llm_settings(tmp_path, endpoint, retries=1)
        result, seconds = run_pipeline(settings, letter)
        sections = basis_sections(result)
        assert sections and all(s.origin == "template" for s in sections)
        assert all(s.findings and s.findings[0].rule == "llm_unavailable" for s in sections)
        assert result.draft.fallback and result.draft.fallback.startswith("llm_unavailable")
        assert result.check.passed, result.check.findings
        # The LLM classifier and the drafter each make 2 attempts of at most ~2 timeouts (a reply may
        # start just before its deadline) with 1 backoff; 5 s is for the rest of the pipeline on a busy machine.
        assert seconds < 2 * (2 * 2 * TIMEOUT_S + 1.0) + 5.0, seconds

    @pytest.mark.parametrize("mode", ["garbage", "schema"])
    def test_malformed_output_falls_back_after_one_repair(
        self, server: FaultServer, tmp_path: Path, letter: tuple[str, object], mode: str
    ) -> None:
        before = server.drafter_hits.get(mode, 0)
        result, _ = run_pipeline(llm_settings(tmp_path, url(server, mode)), letter)
        sections = basis_sections(result)
        assert all(s.origin == "template" for s in sections)
        assert all([f.rule for f in s.findings] == ["llm_output_invalid"] * 2 for s in sections)
        assert server.drafter_hits[mode] - before == 2 * len(sections)  # asked, then asked once to repair
        assert result.draft.fallback and "invalid" in result.draft.fallback

    def test_good_endpoint_drafts_with_the_llm(
        self, server: FaultServer, tmp_path: Path, letter: tuple[str, object]
    ) -> None:
        result, _ = run_pipeline(llm_settings(tmp_path, url(server, "ok")), letter)
        assert all(s.origin == "llm" and GOOD in s.body for s in basis_sections(result))
        assert result.draft.fallback is None


class TestLetterBudget:
    @pytest.fixture
    def two_bases(self, letter: tuple[str, object], tmp_path: Path) -> DraftInput:
        """A draft input with two denial bases, so two LLM sections."""
        result, _ = run_pipeline(make_settings(tmp_path), letter)
        second = result.bases[0].model_copy(update={"id": "step_therapy"})
        return DraftInput(
            denial_text=result.denial_text, facts=result.facts, bases=[*result.bases, second],
            passages=result.passages, assessment=result.assessment, deadlines=result.deadlines,
            patient_facts=result.patient_facts, today=result.created_at.date(),
        )

    def test_a_down_endpoint_is_not_asked_again_for_later_sections(
        self, server: FaultServer, tmp_path: Path, two_bases: DraftInput
    ) -> None:
        before = len(server.hits.get("error", []))
        chat = OpenAICompatibleChat(llm_settings(tmp_path, url(server, "error"), retries=1))
        draft = LLMDrafter(chat).draft(two_bases)
        sections = [s for s in draft.sections if s.kind == "basis"]
        assert len(sections) == 2 and all(s.origin == "template" for s in sections)
        assert len(server.hits["error"]) - before == 2  # one request and one retry, for the whole letter

    def test_budget_stops_asking_a_slow_endpoint(self, server: FaultServer, tmp_path: Path, two_bases: DraftInput) -> None:
        # Each request succeeds but answers garbage slowly enough to spend the 0.2 s budget on the first section.
        chat = OpenAICompatibleChat(llm_settings(tmp_path, url(server, "garbage"), budget_s=0.2))
        real = chat.complete

        def slow(system: str, user: str) -> str:
            time.sleep(0.25)
            return real(system, user)

        chat.complete = slow  # type: ignore[method-assign]
        draft = LLMDrafter(chat).draft(two_bases)
        second = [s for s in draft.sections if s.kind == "basis"][1]
        assert second.origin == "template" and [f.rule for f in second.findings] == ["llm_budget_exhausted"]
        assert draft.fallback and draft.fallback.startswith("llm_budget_exhausted")
