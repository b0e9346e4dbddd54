"""The whole pipeline through the real CLI, on real PDFs, against a real Chroma folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fpdf import FPDF

from tests.conftest import FIXTURES

pytestmark = pytest.mark.integration

NEW_LETTER = """Cigna Healthcare
P.O. Box 188011, Chattanooga, TN 37422-8011

October 2, 2026

Ellis Q. Marchetti-Obi
77 Alder Way
Oakland, CA 94611

Customer ID: U5550193827
Reference #: 2610020931
Medication: Hemgenix (etranacogene dezaparvovec-drlb), HCPCS J1411
Diagnosis: D67

Why we denied the request
Hemgenix is not medically necessary because the records did not include a factor IX
inhibitor result. We also did not receive documentation that the infusion will be given at a
qualified treatment center.

YOUR APPEAL RIGHTS
You may appeal this decision within 180 days of the date you receive this letter.
"""


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "appealgen", *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def env(built_index, settings) -> dict[str, str]:
    return {**os.environ, "APPEALGEN_INDEX_DIR": str(settings.index_dir)}


@pytest.fixture(scope="module")
def new_denial(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 5, NEW_LETTER)
    path = tmp_path_factory.mktemp("new") / "denial.pdf"
    path.write_bytes(bytes(pdf.output()))
    return path


@pytest.fixture(scope="module")
def drafted(env, new_denial, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("draft")
    facts = FIXTURES / "cigna_ca_medical_necessity.facts.json"
    proc = run_cli("draft", str(new_denial), "--facts", str(facts), "--out", str(out), "--format", "md,pdf,docx", env=env)
    assert proc.returncode == 0, proc.stderr
    return out


class TestDraft:
    def test_letter_answers_each_basis_and_passes_check(self, drafted: Path, env) -> None:
        result = json.loads((drafted / "result.json").read_text())
        letter = (drafted / "letter.md").read_text()
        bases = [b["id"] for b in result["bases"]]
        assert {"medical_necessity", "missing_information"} <= set(bases)
        for section in result["draft"]["sections"]:
            if section["kind"] == "basis":
                assert f"## {section['heading']}" in letter
        assert "[cigna-hemgenix#" in letter  # cites the payer's own policy by passage id
        assert "2027-03-31" in letter  # 180 days after 2026-10-02: the appeal deadline
        proc = run_cli("check", str(drafted / "letter.md"), "--result", str(drafted / "result.json"), "--json", env=env)
        assert json.loads(proc.stdout)["passed"] is True, proc.stdout

    def test_pdf_and_docx_readable(self, drafted: Path) -> None:
        from docx import Document
        from pypdf import PdfReader

        pdf_text = "".join(p.extract_text() for p in PdfReader(drafted / "letter.pdf").pages)
        docx_text = "\n".join(p.text for p in Document(str(drafted / "letter.docx")).paragraphs)
        for heading in ("Medical necessity", "Request", "Enclosures"):
            assert heading in pdf_text and heading in docx_text

    def test_invented_citation_fails_check(self, drafted: Path, env, tmp_path: Path) -> None:
        letter = (drafted / "letter.md").read_text() + "\nSee also [cigna-hemgenix#made-up-section-1].\n"
        edited = tmp_path / "letter.md"
        edited.write_text(letter)
        proc = run_cli("check", str(edited), "--result", str(drafted / "result.json"), "--json", env=env)
        report = json.loads(proc.stdout)
        assert report["passed"] is False and any(f["rule"] == "citation_resolves" for f in report["findings"])

    def test_unsupported_number_fails_check(self, drafted: Path, env, tmp_path: Path) -> None:
        letter = (drafted / "letter.md").read_text().replace(
            "## Request", "The patient has had 47 bleeding episodes this year.\n\n## Request"
        )
        edited = tmp_path / "letter.md"
        edited.write_text(letter)
        proc = run_cli("check", str(edited), "--result", str(drafted / "result.json"), "--json", env=env)
        report = json.loads(proc.stdout)
        assert report["passed"] is False
        assert any(f["rule"] == "facts_supported" and "47" in f["message"] for f in report["findings"])


class TestInterfaces:
    def test_extract_json(self, env) -> None:
        proc = run_cli("extract", str(FIXTURES / "humana_ma_il_site_of_care.pdf"), "--json", env=env)
        facts = json.loads(proc.stdout)
        assert facts["plan_type"] == "medicare_advantage" and facts["state"] == "IL"

    def test_classify_json_shape(self, env) -> None:
        proc = run_cli("classify", str(FIXTURES / "coding_d66.pdf"), "--json", env=env)
        bases = json.loads(proc.stdout)["bases"]
        assert bases[0]["id"] == "coding_billing_error"
        assert set(bases[0]["evidence"]) == {"start", "end", "text"}

    def test_retrieve_json(self, env) -> None:
        proc = run_cli(
            "retrieve", "Hemgenix dosing genome copies per kilogram", "--drug", "hemgenix", "-k", "3", "--json", env=env
        )
        passages = json.loads(proc.stdout)["passages"]
        assert passages and set(passages[0]) == {"id", "source", "title", "section", "text", "score"}
        assert passages[0]["id"].startswith("hemgenix#")

    def test_assess_json(self, env) -> None:
        proc = run_cli("assess", "--drug", "hemgenix", "--payer", "cigna", "--facts",
                       str(FIXTURES / "cigna_ca_medical_necessity.facts.json"), "--json", env=env)
        rows = json.loads(proc.stdout)["criteria"]
        assert rows and {r["status"] for r in rows} <= {"met", "not_met", "missing"}

    def test_deadlines_json(self, env) -> None:
        proc = run_cli(
            "deadlines", "--plan-type", "medicare_advantage", "--state", "IL", "--letter-date", "2026-09-15", "--json", env=env
        )
        rows = json.loads(proc.stdout)["deadlines"]
        assert all({"step", "due", "days", "citation"} <= set(r) for r in rows)

    @pytest.mark.parametrize("kind", ["missing", "empty", "not_pdf"])
    def test_bad_input_exit_2(self, kind: str, env, tmp_path: Path) -> None:
        path = tmp_path / "denial.pdf"
        if kind == "empty":
            path.write_bytes(b"")
        elif kind == "not_pdf":
            path.write_bytes(bytes(range(256)) * 8)
        proc = run_cli("draft", str(path), "--out", str(tmp_path / "o"), env=env)
        assert proc.returncode == 2
        assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("appealgen:")

    def test_missing_index_exit_3(self, tmp_path: Path) -> None:
        env = {**os.environ, "APPEALGEN_INDEX_DIR": str(tmp_path / "none")}
        proc = run_cli("retrieve", "anything", env=env)
        assert proc.returncode == 3 and "appealgen index" in proc.stderr
