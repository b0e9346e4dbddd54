"""No PHI in logs: synthetic patient details planted in every input never reach a log line or an error.

A real uvicorn server runs with appealgen, uvicorn (access log included) and every library
logger at DEBUG, its LLM endpoint refusing connections (the fault path). Good uploads, bad
files, invalid facts, validation errors, 401/404s and Idempotency-Key reuse go through it;
the CLI runs its error paths with DEBUG logging on stderr. Then the server log, the CLI's
stderr and every error response body are searched for the planted values.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pypdf import PdfWriter

from bench.live import ROOT, LiveServer, free_port, serve
from tests.api.conftest import CIGNA
from tests.hardening.hostile import text_pdf

pytestmark = pytest.mark.integration

# Synthetic patient details, unlike anything in the corpus or the code.
NAME = "Quillon V. Marrowgate-Stennick"
MEMBER_ID = "U9183746502"
BIRTH = "1961-07-23"
ADDRESS = "77 Quillfeather Lane"
PRESCRIBER = "Ysolde Brackenridge-Oyelaran"
DIAGNOSIS = "Hereditary factor IX deficiency"
PLANTED = [NAME, "Marrowgate", MEMBER_ID, BIRTH, ADDRESS, "Quillfeather", "Brackenridge", DIAGNOSIS]


def planted_letter() -> str:
    """The Cigna fixture letter about the planted patient."""
    text = CIGNA.with_suffix(".txt").read_text()
    for old, new in [("Rowan T. Achterberg-Solis", NAME), ("U7302948816", MEMBER_ID), ("4418 Madrone Court", ADDRESS),
                     ("Marisol Ekwueme-Hart", PRESCRIBER)]:
        assert old in text, old
        text = text.replace(old, new)
    assert DIAGNOSIS in text
    return text


def planted_facts() -> dict:
    """The Cigna fixture facts about the planted patient."""
    facts = json.loads(Path(f"{CIGNA}.facts.json").read_text())
    facts["patient"]["date_of_birth"] = BIRTH
    facts["prescriber"] = {**facts.get("prescriber", {}), "name": f"Dr. {PRESCRIBER}"}
    return facts


def encrypt(pdf: bytes) -> bytes:
    """The PDF behind a user password."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password="s3cret", owner_password="0wner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def leaks(text: str) -> list[str]:
    """The planted values that occur in text."""
    return [v for v in PLANTED if v.lower() in text.lower()]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The planted inputs as files: a good PDF and facts, and bad variants."""
    base = tmp_path_factory.mktemp("phi")
    pdf = text_pdf(planted_letter())
    files = {
        "pdf": pdf,
        "facts": json.dumps(planted_facts()).encode(),
        "encrypted": encrypt(pdf),
        "truncated": pdf[: len(pdf) // 2],
        "bad_facts": json.dumps({"patient": {"date_of_birth": NAME, "weight_kg": MEMBER_ID}}).encode(),
        "broken_facts": f'{{"patient": {{"name": "{NAME}", "member": "{MEMBER_ID}"'.encode(),
        "not_pdf": b"\x89PNG\r\n\x1a\n" + f"{NAME} {MEMBER_ID} {DIAGNOSIS}".encode() * 50,
    }
    paths = {}
    for name, data in files.items():
        paths[name] = base / (f"{name}.json" if "facts" in name else f"{name}.pdf")
        paths[name].write_bytes(data)
    return paths


def exercise_api(server: LiveServer, inputs: dict[str, Path]) -> list[str]:
    """Every request kind against the server; returns the error response bodies."""
    errors: list[str] = []
    key = server.auth

    def record(response: httpx.Response, expect: int) -> httpx.Response:
        assert response.status_code == expect, (response.status_code, response.text[:300])
        if response.status_code >= 400:
            errors.append(response.text)
        return response

    def multipart(denial: str, facts: str | None = "facts", name: str = "denial.pdf") -> dict:
        files = {"denial": (name, inputs[denial].read_bytes(), "application/pdf")}
        if facts:
            files["facts"] = ("facts.json", inputs[facts].read_bytes(), "application/json")
        return files

    with httpx.Client(base_url=server.url, timeout=120) as http:
        created = record(http.post("/v1/appeals", files=multipart("pdf"), headers=key), 201).json()
        assert MEMBER_ID in created["letter_markdown"]  # the planted values did reach the pipeline
        assert created["draft"]["fallback"], "the LLM fault path was not taken"
        case = created["id"]
        record(http.get(f"/v1/appeals/{case}", headers=key), 200)
        for fmt in ("md", "pdf", "docx"):
            record(http.get(f"/v1/appeals/{case}/letter.{fmt}", headers=key), 200)
        edited = created["letter_markdown"] + f"\n\nPatient {NAME} was born {BIRTH}; see Dr. {PRESCRIBER}.\n"
        record(http.put(f"/v1/appeals/{case}/letter", json={"markdown": edited}, headers=key), 200)
        record(http.post("/v1/check", json={"appeal_id": case, "letter": edited}, headers=key), 200)
        body = {"denial_text": planted_letter(), "facts": planted_facts()}
        record(http.post("/v1/appeals", json=body, headers=key), 201)
        record(http.post("/v1/classify", json={"denial_text": planted_letter()}, headers=key), 200)
        # Bad inputs.
        for bad, status in [("encrypted", 422), ("truncated", 422), ("not_pdf", 415)]:
            record(http.post("/v1/appeals", files=multipart(bad, None, name=f"{NAME}.pdf"), headers=key), status)
        record(http.post("/v1/appeals", files=multipart("pdf", "bad_facts"), headers=key), 422)
        record(http.post("/v1/appeals", files=multipart("pdf", "broken_facts"), headers=key), 422)
        record(http.post("/v1/appeals", json={"denial_text": planted_letter(), "member": MEMBER_ID}, headers=key), 422)
        record(http.post("/v1/appeals", json={"denial_text": 5, "facts": {"patient": {"date_of_birth": NAME}}},
                         headers=key), 422)
        record(http.post("/v1/appeals", json={**body, "facts": {"patient": {"weight_kg": NAME}}}, headers=key), 422)
        record(http.post("/v1/appeals", content=planted_letter().encode(), headers={**key, "Content-Type": "text/plain"}), 415)
        record(http.put(f"/v1/appeals/{case}/letter", json={"markdown": edited, "note": NAME}, headers=key), 422)
        # Idempotency-Key reused with another body.
        idem = {**key, "Idempotency-Key": "phi-1"}
        record(http.post("/v1/appeals", json=body, headers=idem), 201)
        record(http.post("/v1/appeals", json={**body, "denial_text": body["denial_text"] + NAME}, headers=idem), 422)
        # Auth and missing cases.
        record(http.post("/v1/appeals", json=body), 401)
        record(http.post("/v1/appeals", json=body, headers={"Authorization": f"Bearer agk_{MEMBER_ID}"}), 401)
        record(http.get("/v1/appeals/0123456789abcdef0123456789abcdef", headers=key), 404)
        record(http.post("/v1/check", json={"appeal_id": "nope", "letter": edited}, headers=key), 404)
        record(http.delete(f"/v1/appeals/{case}", headers=key), 204)
        record(http.get(f"/v1/appeals/{case}/letter.md", headers=key), 404)
    return errors


# Runs appealgen.cli.main once per argument list in one process (one import), every logger at DEBUG on stderr;
# the last stdout line lists the exit codes.
CLI = """
import json, logging, sys
logging.basicConfig(level=logging.DEBUG)
from appealgen.cli import main
codes = []
for args in json.loads(sys.argv[1]):
    try:
        codes.append(main(args))
    except SystemExit as exc:
        codes.append(exc.code)
print("CODES " + json.dumps(codes))
"""


def run_cli(runs: list[list[str]], env: dict[str, str]) -> tuple[list[int], str]:
    """The exit codes of the appealgen CLI runs, and everything they wrote to stderr."""
    done = subprocess.run([sys.executable, "-c", CLI, json.dumps(runs)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1].removeprefix("CODES ")), done.stderr


class TestNoPhiInLogs:
    def test_api_logs_and_errors_carry_no_planted_values(self, tmp_path: Path, inputs: dict[str, Path]) -> None:
        llm = {"APPEALGEN_LLM_BASE_URL": f"http://127.0.0.1:{free_port()}/v1", "APPEALGEN_LLM_TIMEOUT_S": "2",
               "APPEALGEN_LLM_MAX_RETRIES": "1", "APPEALGEN_LLM_BACKOFF_S": "0.05"}
        with serve(tmp_path / "server", log_level="debug", env=llm) as server:
            errors = exercise_api(server, inputs)
        log = server.log.read_text(errors="replace")
        assert "POST /v1/appeals" in log and "DEBUG" in log, "the server did not log at DEBUG with its access log"
        assert len(errors) >= 14
        assert leaks(log) == [], [line for line in log.splitlines() if leaks(line)][:5]
        assert [leaks(e) for e in errors if leaks(e)] == []

    def test_cli_error_paths_carry_no_planted_values(self, tmp_path: Path, inputs: dict[str, Path]) -> None:
        import os

        env = {**os.environ, "APPEALGEN_INDEX_DIR": str(tmp_path / "no-index"),
               "APPEALGEN_DATABASE_URL": f"sqlite:///{tmp_path}/cases.db", "PYTHONPATH": str(ROOT)}
        out = str(tmp_path / "out")
        runs = {
            "extract": (["extract", str(inputs["pdf"]), "--json"], 0),
            "encrypted": (["draft", str(inputs["encrypted"]), "--out", out], 2),
            "truncated": (["classify", str(inputs["truncated"]), "--json"], 2),
            "not_pdf": (["extract", str(inputs["not_pdf"]), "--json"], 2),
            "bad_facts": (["draft", str(inputs["pdf"]), "--facts", str(inputs["bad_facts"]), "--out", out], 2),
            "broken_facts": (["draft", str(inputs["pdf"]), "--facts", str(inputs["broken_facts"]), "--out", out], 2),
            "no_index": (["draft", str(inputs["pdf"]), "--facts", str(inputs["facts"]), "--out", out], 3),
        }
        codes, stderr = run_cli([args for args, _ in runs.values()], env)
        assert dict(zip(runs, codes, strict=True)) == {name: code for name, (_, code) in runs.items()}, stderr[-2000:]
        assert stderr.count("appealgen: ") >= 6  # the CLI's one-line errors (and any DEBUG log lines) are all here
        assert [line for line in stderr.splitlines() if leaks(line)] == []
