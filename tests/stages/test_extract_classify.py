"""extract + classify against the gold labels of the fixture letters."""

from __future__ import annotations

import pytest

from appealgen.stages.classify import classify
from appealgen.stages.extract import extract
from appealgen.stages.parse import parse
from tests.conftest import FIXTURE_IDS, FIXTURES, gold

FIELDS = ["payer", "plan_type", "state", "member_id", "claim_number", "letter_date", "drug",
          "stated_deadline_days", "urgent"]


class TestExtract:
    @pytest.mark.parametrize("name", FIXTURE_IDS)
    def test_fields_match_gold(self, name: str) -> None:
        facts = extract(parse(FIXTURES / f"{name}.pdf")).model_dump(mode="json")
        expected = gold(name)["facts"]
        for field in FIELDS:
            assert facts[field] == expected[field], field
        assert set(expected["codes"]["icd10"]) <= set(facts["codes"]["icd10"])
        assert set(expected["codes"]["hcpcs"]) == set(facts["codes"]["hcpcs"])

    @pytest.mark.parametrize("name", FIXTURE_IDS)
    def test_values_occur_in_text(self, name: str) -> None:
        doc = parse(FIXTURES / f"{name}.pdf")
        facts = extract(doc)
        for field, span in facts.spans.items():
            assert doc.text[span.start : span.end].strip() == span.text.strip() or field == "denial_reason", field

    def test_absent_fields_are_null(self) -> None:
        facts = extract(parse(b"We received your letter. Thank you.", name="a.txt"))
        assert facts.member_id is None and facts.claim_number is None and facts.drug is None
        assert facts.letter_date is None and facts.stated_deadline_days is None

    def test_ndc_ten_digit_normalised(self) -> None:
        facts = extract(parse(b"Drug billed: NDC 0053-0300-30 was not covered.", name="a.txt"))
        assert facts.codes.ndc == ["00053-0300-30"]


class TestClassify:
    @pytest.mark.parametrize("name", FIXTURE_IDS)
    def test_primary_basis(self, name: str) -> None:
        doc = parse(FIXTURES / f"{name}.pdf")
        bases = classify(doc, extract(doc))
        assert bases and bases[0].id == gold(name)["bases"][0]
        for b in bases:
            assert doc.text[b.evidence.start : b.evidence.end] == b.evidence.text

    def test_rights_boilerplate_triggers_nothing(self) -> None:
        text = (
            "Dear Member,\n\nThank you for contacting us about your plan.\n\n"
            "YOUR APPEAL RIGHTS\n\nYou may request an external review if we deny care as not medically "
            "necessary or experimental. If your request is urgent you can ask for an expedited appeal. "
            "Out-of-network and step therapy exceptions may be requested."
        )
        doc = parse(text.encode(), name="a.txt")
        assert classify(doc, extract(doc)) == []

    def test_carc_only_reason(self) -> None:
        doc = parse(b"Claim 12345678 for J1411 was denied.\nCO-197: Precertification absent.", name="a.txt")
        assert [b.id for b in classify(doc, extract(doc))][0] == "prior_authorization_required"
