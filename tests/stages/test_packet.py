"""The appeal packet: its sections in Markdown, PDF (read back with pypdf) and DOCX (python-docx),
the rules engine's deadlines, California's IMR figures, and nothing the inputs do not hold."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from appealgen.knowledge.appeal_rules import deadlines, state_contacts
from appealgen.knowledge.imr import DRUG_TREATMENT_CATEGORY, imr_table
from appealgen.models import AppealResult
from appealgen.patient_facts import load_patient_facts
from appealgen.pipeline import Pipeline
from appealgen.settings import Settings
from appealgen.stages.check import check
from appealgen.stages.packet import HEADINGS, build_packet
from appealgen.stages.render import render
from tests.conftest import FIXTURE_IDS, FIXTURES, ROOT, SHARED, bm25_pipeline

IMR_CSV = SHARED / "ca_imr" / "Independent_Medical_Review__IMR__Determinations__Trend.no_findings.2001-2016.csv"


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    """The template pipeline with BM25 over the real corpus (no embedding index needed)."""
    return bm25_pipeline(tmp_path_factory.mktemp("packet-pipeline"))


@pytest.fixture(scope="module")
def rendered(pipeline: Pipeline, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[AppealResult, dict[str, str]]]:
    """Each fixture denial through the pipeline and rendered in every format."""
    base = tmp_path_factory.mktemp("packet")
    out = {}
    for name in FIXTURE_IDS:
        result = pipeline.run(FIXTURES / f"{name}.pdf", load_patient_facts(FIXTURES / f"{name}.facts.json"))
        out[name] = (result, render(result, base / name, ("md", "pdf", "docx")))
    return out


def _md(rendered: dict, name: str) -> str:
    return Path(rendered[name][1]["packet.md"]).read_text(encoding="utf-8")


def _headings(markdown: str) -> list[str]:
    return re.findall(r"^#{1,2} (.+)$", markdown, re.MULTILINE)


def _section(markdown: str, heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.MULTILINE | re.DOTALL)
    assert match, heading
    return match.group(1)


def _flat(text: str) -> str:
    return " ".join(text.split())


class TestFormats:
    @pytest.mark.parametrize("name", FIXTURE_IDS)
    def test_markdown_has_every_section(self, rendered: dict, name: str) -> None:
        result, files = rendered[name]
        assert result.files["packet.md"] == files["packet.md"]
        expected = [v for k, v in HEADINGS.items() if k != "imr" or result.facts.state == "CA"]
        assert _headings(_md(rendered, name)) == ["Appeal packet", *expected]

    @pytest.mark.parametrize("name", FIXTURE_IDS)
    def test_pdf_reads_back_with_the_same_headings(self, rendered: dict, name: str) -> None:
        reader = PdfReader(rendered[name][1]["packet.pdf"])
        text = _flat(" ".join(page.extract_text() for page in reader.pages))
        for heading in _headings(_md(rendered, name)):
            assert _flat(heading) in text
        assert len(reader.pages) >= 3, "cover page and patient page start their own pages"

    @pytest.mark.parametrize("name", FIXTURE_IDS)
    def test_docx_reads_back_with_the_same_headings(self, rendered: dict, name: str) -> None:
        doc = Document(rendered[name][1]["packet.docx"])
        headings = [p.text for p in doc.paragraphs if p.style is not None and p.style.name.startswith("Heading")]
        assert headings == _headings(_md(rendered, name))
        assert len(doc.tables) >= 3  # criteria, deadlines, contacts


class TestContents:
    @pytest.mark.parametrize("name", FIXTURE_IDS)
    def test_deadlines_table_equals_the_rules_engine(self, rendered: dict, name: str) -> None:
        result = rendered[name][0]
        rows = [
            [c.strip() for c in line.strip("|").split("|")]
            for line in _section(_md(rendered, name), HEADINGS["deadlines"]).splitlines()
            if line.startswith("|") and not line.startswith("| Step") and not line.startswith("| ---")
        ]
        engine = deadlines(result.facts.plan_type, result.facts.state, result.facts.letter_date)
        assert [r[0] for r in rows] == [d.title for d in engine]
        assert [r[4].removesuffix(" (not fully verified)") for r in rows] == [d.citation for d in engine]
        for row, d in zip(rows, engine, strict=True):
            assert row[1] == (d.due.isoformat() if d.due else row[1]) and (d.due is not None) == bool(
                re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[1])
            )

    def test_california_case_shows_imr_overturn_figures(self, rendered: dict) -> None:
        section = _section(_md(rendered, "cigna_ca_medical_necessity"), HEADINGS["imr"])
        table = imr_table()
        for rate in (table.rate("Medical Necessity"), table.rate("Medical Necessity", DRUG_TREATMENT_CATEGORY)):
            assert rate is not None
            assert f"{rate.overturned:,} of {rate.total:,} overturned" in section
            assert f"{table.first_year}-{table.last_year}" in section

    def test_basis_without_imr_type_gets_no_figure(self, rendered: dict) -> None:
        result = rendered["coding_d66"][0]
        assert result.facts.state == "CA" and [b.id for b in result.bases] == ["coding_billing_error"]
        section = _section(_md(rendered, "coding_d66"), HEADINGS["imr"])
        assert "no matching IMR type" in section and "overturned (" not in section

    def test_non_california_case_has_no_imr_figures(self, rendered: dict) -> None:
        result = rendered["humana_ma_il_site_of_care"][0]
        assert result.facts.state != "CA"
        markdown = _md(rendered, "humana_ma_il_site_of_care")
        assert HEADINGS["imr"] not in markdown and "overturned" not in markdown

    @pytest.mark.parametrize("name", FIXTURE_IDS)
    def test_state_contacts_come_from_the_rules_table(self, rendered: dict, name: str) -> None:
        result = rendered[name][0]
        section = _section(_md(rendered, name), HEADINGS["contacts"])
        contacts = state_contacts(result.facts.state)
        assert contacts
        for c in contacts:
            assert c["name"] in section and (c.get("phone") or "-") in section
        assert set(re.findall(r"https?://\S+", section)) == {c["url"] for c in contacts if c.get("url")}

    @pytest.mark.parametrize("name", FIXTURE_IDS)
    def test_where_to_send_quotes_only_the_denial(self, rendered: dict, name: str) -> None:
        result = rendered[name][0]
        section = _section(_md(rendered, name), HEADINGS["send"])
        quotes = re.findall(r'^- "(.+)"$', section, re.MULTILINE)
        assert quotes, "every fixture denial says where to send an appeal"
        for q in quotes:
            assert q in _flat(result.denial_text)

    @pytest.mark.parametrize("name", FIXTURE_IDS)
    def test_no_invented_numbers_names_or_codes(self, rendered: dict, name: str) -> None:
        """The letter checker's content rules pass on the packet, less the IMR statistics and the help lines
        (checked above against their own tables)."""
        result = rendered[name][0]
        markdown = _md(rendered, name)
        for key in ("imr", "contacts"):
            if HEADINGS[key] in markdown:
                markdown = markdown.replace(_section(markdown, HEADINGS[key]), "\n")
        markdown = re.sub(r"^- .*\(state regulator\).*$|^- .*\(consumer help\).*$", "", markdown, flags=re.MULTILINE)
        rules = {"facts_supported", "names_known", "no_placeholders", "icd10_valid"}
        report = check(markdown, result.check_context(), only=rules)
        assert report.findings == []

    @pytest.mark.parametrize("name", FIXTURE_IDS)
    def test_patient_page_is_plain_and_dated(self, rendered: dict, name: str) -> None:
        result = rendered[name][0]
        page = _section(_md(rendered, name), HEADINGS["patient"])
        for sentence in re.split(r"(?<=[.:])\s+|\n", page):
            assert len(sentence.split()) <= 25, sentence
        for jargon in ("CFR", "ERISA", "pursuant", "adjudicat", "utilization"):
            assert jargon not in page
        first = min((d.due for d in result.deadlines if d.due and d.step in ("internal_appeal", "reconsideration")), default=None)
        assert first is not None and first.isoformat() in page
        assert next(c for c in state_contacts(result.facts.state) if c.get("phone"))["phone"] in page

    def test_missing_information_lists_what_the_denial_says_was_missing(self, pipeline: Pipeline) -> None:
        train = ROOT / "eval" / "datasets" / "denials" / "train" / "cigna-ca-hemgenix-mn-01"
        gold = json.loads(train.with_suffix(".json").read_text(encoding="utf-8"))
        result = pipeline.run(train.with_suffix(".pdf"))
        assert "missing_information" in {b.id for b in result.bases}
        # The gold reason's last sentence, up to its comma: "The records we received did not include ..."
        missing = _flat(gold["facts"]["denial_reason"]).split(". ")[-1].split(",")[0]
        assert missing.startswith("The records we received did not include")
        assert missing in _flat(_section(build_packet(result), HEADINGS["records"]))
        assert missing in _flat(next(s.body for s in result.draft.sections if s.basis == "missing_information"))


class TestImrData:
    @pytest.mark.skipif(not IMR_CSV.is_file(), reason="the DMHC IMR CSV (../shared/data) is not present")
    def test_bundled_counts_match_a_recount_of_the_csv(self) -> None:
        with IMR_CSV.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter=";"))
        overturned = Counter(r["Type"] for r in rows if r["Determination"].startswith("Overturned"))
        total = Counter(r["Type"] for r in rows)
        drugs = Counter(r["Type"] for r in rows if r["Treatment Category"] == DRUG_TREATMENT_CATEGORY)
        drugs_over = Counter(
            r["Type"] for r in rows
            if r["Treatment Category"] == DRUG_TREATMENT_CATEGORY and r["Determination"].startswith("Overturned")
        )
        table = imr_table()
        assert table.rows == len(rows)
        years = [int(r["Report Year"]) for r in rows]
        assert (table.first_year, table.last_year) == (min(years), max(years))
        for kind in total:
            rate = table.rate(kind)
            assert rate is not None and (rate.overturned, rate.total) == (overturned[kind], total[kind])
            drug_rate = table.rate(kind, DRUG_TREATMENT_CATEGORY)
            assert drug_rate is not None and (drug_rate.overturned, drug_rate.total) == (drugs_over[kind], drugs[kind])

    def test_only_two_bases_map_to_an_imr_type(self) -> None:
        from appealgen.knowledge.imr import imr_type_for
        from appealgen.models import BASIS_IDS

        mapped = {b: imr_type_for(b) for b in BASIS_IDS if imr_type_for(b)}
        assert mapped == {
            "medical_necessity": "Medical Necessity",
            "experimental_investigational": "Experimental/Investigational",
        }
        assert set(mapped.values()) <= set(imr_table().types)


@pytest.mark.integration
class TestCli:
    def test_draft_writes_the_packet_next_to_the_letter(self, built_index, settings: Settings, tmp_path: Path) -> None:
        name = FIXTURES / "humana_ma_il_site_of_care"
        env = {**os.environ, "APPEALGEN_INDEX_DIR": str(settings.index_dir)}
        proc = subprocess.run(
            [sys.executable, "-m", "appealgen", "draft", str(name.with_suffix(".pdf")), "--facts", f"{name}.facts.json",
             "--out", str(tmp_path), "--format", "md,pdf,docx"],
            capture_output=True, text=True, env=env, timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        assert f"Packet: {tmp_path / 'packet.md'}" in proc.stdout
        files = json.loads((tmp_path / "result.json").read_text())["files"]
        for fmt in ("md", "pdf", "docx"):
            assert Path(files[f"packet.{fmt}"]) == tmp_path / f"packet.{fmt}" and (tmp_path / f"packet.{fmt}").stat().st_size
        assert (tmp_path / "packet.pdf").read_bytes().startswith(b"%PDF-")
