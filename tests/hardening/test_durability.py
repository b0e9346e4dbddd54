"""Case-store durability: SIGKILL a writer mid-write, or a real uvicorn server mid-upload.

A writer acknowledges a case id only after add_case returned (after commit). After each kill,
the database must hold every acknowledged case whole (its row, letter version 1 and its
"create" audit row, readable and equal to what was written) and no partial case.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from appealgen.models import AppealResult
from appealgen.patient_facts import load_patient_facts
from appealgen.pipeline import Pipeline
from appealgen.settings import Settings
from appealgen.store import ApiKey, SqlCaseStore
from bench.live import serve
from tests.api.conftest import CIGNA, FakeRetriever, make_settings

pytestmark = pytest.mark.integration
TRIALS = 20
SERVER_TRIALS = 2
DENIAL = CIGNA.with_suffix(".txt").read_bytes()
FORK = multiprocessing.get_context("fork")


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> AppealResult:
    """One pipeline result to store again and again."""
    settings = make_settings(tmp_path_factory.mktemp("pipeline"))
    facts = load_patient_facts(Path(f"{CIGNA}.facts.json"))
    return Pipeline(settings, retriever=FakeRetriever()).run(DENIAL.decode(), facts)


def open_store(db: Path) -> SqlCaseStore:
    """The store over the SQLite file db (WAL, synchronous FULL)."""
    return SqlCaseStore.from_settings(Settings(database_url=f"sqlite:///{db}"))


def write_cases(db: Path, owner: ApiKey, result: AppealResult, ack_fd: int, limit: int | None) -> None:
    """In a child process: add cases in a loop, writing each id to ack_fd once add_case returned."""
    store = open_store(db)
    written = 0
    while limit is None or written < limit:
        case = store.add_case(owner, DENIAL, "text", result.patient_facts, result)
        os.write(ack_fd, f"{case.id}\n".encode())
        written += 1
    store.close()


def start_writer(db: Path, owner: ApiKey, result: AppealResult, limit: int | None = None) -> tuple[multiprocessing.Process, int]:
    """A forked writer and the read end of its acknowledgement pipe."""
    read_fd, write_fd = os.pipe()
    proc = FORK.Process(target=write_cases, args=(db, owner, result, write_fd, limit))
    proc.start()
    os.close(write_fd)
    return proc, read_fd


def read_acks(read_fd: int) -> list[str]:
    """Every id the writer acknowledged (reads to EOF: call after it ended)."""
    chunks = []
    while chunk := os.read(read_fd, 65536):
        chunks.append(chunk)
    os.close(read_fd)
    return [line for line in b"".join(chunks).decode().splitlines() if line]


def wait_first_ack(read_fd: int, timeout_s: float = 30.0) -> bytes:
    """Block until the writer acknowledged its first case (its start-up is over)."""
    import select

    ready, _, _ = select.select([read_fd], [], [], timeout_s)
    assert ready, "the writer acknowledged nothing"
    return os.read(read_fd, 65536)


def audit_problems(db: Path, owner: ApiKey, acked: list[str]) -> dict[str, list[str]]:
    """Acknowledged cases missing or damaged, and partial cases, in the database at db."""
    store = open_store(db)
    try:
        with store.engine.connect() as conn:
            integrity = conn.execute(text("PRAGMA integrity_check")).scalar()
            no_letter = conn.execute(text(
                "SELECT id FROM cases WHERE id NOT IN (SELECT case_id FROM letter_versions)")).scalars().all()
            no_audit = conn.execute(text(
                "SELECT id FROM cases WHERE id NOT IN (SELECT case_id FROM audit WHERE what = 'create')")).scalars().all()
            orphans = conn.execute(text(
                "SELECT case_id FROM audit WHERE what = 'create' AND case_id NOT IN (SELECT id FROM cases)")).scalars().all()
        damaged = []
        for case_id in acked:
            try:
                case = store.get_case(owner, case_id)
            except Exception as exc:  # noqa: BLE001 - any failure to read an acknowledged case is a loss
                damaged.append(f"{case_id}: {type(exc).__name__}")
                continue
            if case.letter.n != 1 or case.letter.markdown != case.result.letter_markdown or case.denial != DENIAL:
                damaged.append(f"{case_id}: content differs")
    finally:
        store.close()
    return {
        "integrity": [] if integrity == "ok" else [str(integrity)],
        "lost_or_damaged": damaged,
        "case_without_letter": list(no_letter),
        "case_without_audit": list(no_audit),
        "audit_without_case": list(orphans),
    }


def new_owner(db: Path, name: str = "writer") -> ApiKey:
    """A key in a fresh store at db."""
    store = open_store(db)
    try:
        return store.create_key(name)[0]
    finally:
        store.close()


class TestKilledWriter:
    def test_sigkill_mid_write_loses_no_acknowledged_case(self, tmp_path: Path, result: AppealResult) -> None:
        db = tmp_path / "cases.db"
        owner = new_owner(db)
        rng = random.Random(20261122)
        acked: list[str] = []
        for _ in range(TRIALS):
            proc, read_fd = start_writer(db, owner, result)
            first = wait_first_ack(read_fd)
            time.sleep(rng.uniform(0.0, 0.25))
            os.kill(proc.pid, signal.SIGKILL)
            proc.join(timeout=10)
            assert proc.exitcode == -signal.SIGKILL
            acked += [line for line in first.decode().splitlines() if line] + read_acks(read_fd)
        problems = audit_problems(db, owner, acked)
        print(f"\nkilled writer: {TRIALS} trials, {len(acked)} acknowledged cases, "
              f"{len(problems['lost_or_damaged'])} lost, partial: "
              f"{sum(len(v) for k, v in problems.items() if k != 'lost_or_damaged')}")
        assert len(acked) > TRIALS  # each trial acknowledged more than its first case on average
        assert problems == dict.fromkeys(problems, [])

    def test_concurrent_writers_all_land(self, tmp_path: Path, result: AppealResult) -> None:
        db = tmp_path / "cases.db"
        owner = new_owner(db)
        writers = [start_writer(db, owner, result, limit=15) for _ in range(4)]
        acked: list[str] = []
        for proc, read_fd in writers:
            acked += read_acks(read_fd)
            proc.join(timeout=60)
            assert proc.exitcode == 0
        assert len(acked) == 60 and len(set(acked)) == 60
        assert audit_problems(db, owner, acked) == dict.fromkeys(
            ["integrity", "lost_or_damaged", "case_without_letter", "case_without_audit", "audit_without_case"], [])
        store = open_store(db)
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar() == 60
        store.close()


class TestKilledServer:
    def test_sigkill_uvicorn_mid_upload(self, tmp_path: Path) -> None:
        rng = random.Random(7)
        upload = {"denial": ("denial.txt", DENIAL, "text/plain")}
        lost = 0
        acked_total = 0
        for trial in range(SERVER_TRIALS):
            workdir = tmp_path / f"trial{trial}"
            with serve(workdir) as server:
                acked: list[str] = []
                stop = threading.Event()

                def client(server: object = server, acked: list[str] = acked, stop: threading.Event = stop) -> None:
                    with httpx.Client(base_url=server.url, headers=server.auth, timeout=30) as http:  # type: ignore[attr-defined]
                        while not stop.is_set():
                            try:
                                response = http.post("/v1/appeals", files=upload)
                            except httpx.TransportError:
                                return  # the server died under this request
                            if response.status_code == 201:
                                acked.append(response.json()["id"])

                threads = [threading.Thread(target=client) for _ in range(4)]
                for t in threads:
                    t.start()
                deadline = time.monotonic() + 60
                while not acked and time.monotonic() < deadline:  # the first drafts warm the server up
                    time.sleep(0.05)
                time.sleep(rng.uniform(0.1, 1.5))
                server.kill()
                stop.set()
                for t in threads:
                    t.join(timeout=30)
            db = workdir / "cases.db"
            store = open_store(db)
            owner = store.list_keys()[0]
            store.close()
            problems = audit_problems(db, owner, acked)
            assert problems == dict.fromkeys(problems, []), problems
            assert acked, "the server acknowledged no upload before it was killed"
            acked_total += len(acked)
            lost += len(problems["lost_or_damaged"])
        print(f"\nkilled server: {SERVER_TRIALS} trials, {acked_total} acknowledged uploads, {lost} lost")
