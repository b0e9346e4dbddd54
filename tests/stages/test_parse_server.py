"""The parse server: PDFs are read in children forked from a lean process, within the limits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from appealgen import errors
from appealgen.settings import ParseLimits
from appealgen.stages import parse as parse_stage
from appealgen.stages import parse_server
from appealgen.stages.parse import parse

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "denials" / "cigna_ca_medical_necessity.pdf"


def test_reads_through_the_server_and_matches_a_plain_fork() -> None:
    data = FIXTURE.read_bytes()
    via_server = parse(data, name="d.pdf")
    server = parse_server.current()
    assert server is not None and server.alive()
    assert parse_stage._run_forked(data, ParseLimits()) == parse_stage._run_bounded(data, ParseLimits())
    assert "Cigna" in via_server.text


def test_falls_back_to_forking_the_caller(monkeypatch) -> None:
    monkeypatch.setitem(parse_server._servers, os.getpid(), None)
    assert parse_server.current() is None
    assert "Cigna" in parse(FIXTURE.read_bytes(), name="d.pdf").text


def test_a_dead_server_is_replaced() -> None:
    parse(FIXTURE.read_bytes(), name="d.pdf")
    first = parse_server.current()
    assert first is not None
    first.process.kill()
    first.process.wait(timeout=5)
    assert "Cigna" in parse(FIXTURE.read_bytes(), name="d.pdf").text
    second = parse_server.current()
    assert second is not None and second is not first and second.alive()


def test_a_child_over_time_is_killed() -> None:
    # A child that never answers (stopped, as a runaway parse would hang): the caller stops
    # waiting at the limit and kills that child.
    server = parse_server.current()
    assert server is not None
    conn = server.connect()
    pid_holder = {}
    real_recv = conn.recv

    def recv_and_remember():
        got = real_recv()
        if isinstance(got, tuple) and got and got[0] == "pid":
            pid_holder["pid"] = got[1]
            os.kill(got[1], signal.SIGSTOP)
        return got

    conn.recv = recv_and_remember  # type: ignore[method-assign]
    started = time.monotonic()
    with pytest.raises(errors.LimitExceededError, match="longer than"):
        parse_stage._ask_server(conn, FIXTURE.read_bytes(), ParseLimits(timeout_s=1.0))
    assert time.monotonic() - started < 5
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _running(pid_holder["pid"]):
        time.sleep(0.05)
    assert not _running(pid_holder["pid"])


def test_the_server_leaves_with_its_process() -> None:
    script = (
        "from pathlib import Path; from appealgen.stages.parse import parse; from appealgen.stages import parse_server\n"
        f"parse(Path({str(FIXTURE)!r}).read_bytes(), name='d.pdf'); print(parse_server.current().process.pid)\n"
        "import os; os._exit(0)\n"  # no atexit: the server must notice on its own
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    server_pid = int(done.stdout.strip().splitlines()[-1])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _running(server_pid):
        time.sleep(0.1)
    assert not _running(server_pid)


def _running(pid: int) -> bool:
    """Whether the process exists and has not exited (a zombie waiting for init has)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"
