"""extract + classify against the gold labels of the fixture letters."""

from __future__ import annotations

import json
from datetime import date

import pytest

from appealgen.knowledge.letter_layout import rights_notice_start, sentences
from appealgen.models import DenialFacts
from appealgen.stages import classify as classify_stage
from appealgen.stages import extract as extract_stage
from appealgen.stages.classify import classify, stated_bases
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
        assert {"payer", "member_id", "letter_date"} <= set(facts.spans)
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

    def test_rights_offer_without_heading_triggers_nothing(self) -> None:
        text = (
            "Claim number: 26183004517\n\nThis claim was received on 11/18/2026, more than 180 days after the "
            "date of service, which is past our timely filing limit.\n\nA provider may request reconsideration of "
            "this claim within 90 days. Claims denied as not medically necessary, or for a service that is not a "
            "covered benefit, may also be reviewed. Submit a corrected claim through the portal."
        )
        doc = parse(text.encode(), name="a.txt")
        assert [b.id for b in classify(doc, extract(doc))] == ["timely_filing"]

    def test_ocr_noise_in_rights_notice_triggers_nothing(self) -> None:
        text = (
            "We cannot approve this request. Your coverage ended on 12/31/2026 and you were not enrolled "
            "with us on the date of service.\n\nlf you disagree, you rnay ask for an appeal within 60 days. "
            "Requests for services that are not rnedically necessary or are experirnental can also be appealed."
        )
        doc = parse(text.encode(), name="a.txt")
        assert [b.id for b in classify(doc, extract(doc))] == ["eligibility"]

    def test_preferred_product_alone_is_not_step_therapy(self) -> None:
        text = (
            "Stelara is not covered on your plan's formulary. Your plan's preferred product is a biosimilar. "
            "The information submitted does not explain why the preferred product would not work for you."
        )
        doc = parse(text.encode(), name="a.txt")
        assert [b.id for b in classify(doc, extract(doc))] == ["formulary_exclusion"]


def _facts(text: str) -> DenialFacts:
    return extract(parse(text.encode(), name="a.txt"))


def _bases(text: str) -> list[str]:
    doc = parse(text.encode(), name="a.txt")
    return [b.id for b in classify(doc, extract(doc))]


class TestClassifyGeneralises:
    """Mechanisms that carry the rules to letters they were not written from."""

    @pytest.mark.parametrize(
        ("sentence", "basis"),
        [
            ("Coverage is available only after a trial of the plan's preferred agents, and our records do not "
             "show such a trial.", "step_therapy"),
            ("Your plan requires use of two formulary NSAIDs before this drug unless they are contraindicated.", "step_therapy"),
            ("The treatment is excluded under the Limitations and Exclusions section of your certificate.", "benefit_exclusion"),
            ("The infusion was provided on 03/02/2026 and no approval was found for that date.", "prior_authorization_required"),
            ("Sunridge Infusion does not participate in your HMO network.", "out_of_network"),
            ("The claim was received more than 180 days after the date of service.", "timely_filing"),
            ("The request does not satisfy the clinical coverage guidelines for this drug.", "medical_necessity"),
            ("Medicare is your primary coverage, and this plan pays as the secondary plan.", "eligibility"),
            ("The prescriber asked for a dose every 2 weeks, more often than the plan allows.", "quantity_limit"),
        ],
    )
    def test_other_wordings_of_each_basis(self, sentence: str, basis: str) -> None:
        assert _bases(f"Member ID: Q88120455\n\nWe cannot approve this request. {sentence}") == [basis]

    @pytest.mark.parametrize(
        ("sentence", "basis"),
        [
            ("We have no record that the clinic asked for or received approval before the infusion.",
             "prior_authorization_required"),
            ("05/28/2026  Hadlima 40 mg  2  Denied  Billing error: qty sent in pens, not mL", "coding_billing_error"),
            ("The notes show 2 swollen joints, so requirements 2 and 3 above are not met.", "medical_necessity"),
            ("Your asthma is not severe enough to meet what the policy requires for this drug.", "medical_necessity"),
            ("From what we were sent, your colitis does not need this medicine at this time.", "medical_necessity"),
            ("Your records do not show that your hemophilia requires routine factor prophylaxis.", "medical_necessity"),
            ("A T-score of -2.2 does not show the very high fracture risk that the coverage criteria require.",
             "medical_necessity"),
            ("The preferred order begins with Prolia, and your records do not show that you have used it.", "step_therapy"),
            ("We are denying this request because the records we needed were never sent to us.", "missing_information"),
            ("The request for 16 tablets every 30 days is more than that limit.", "quantity_limit"),
            ("Jivi has its own code, J7208, and the 3 units on the claim do not match the 3000 IU dispensed.",
             "coding_billing_error"),
            ("The code and the NDC must describe the same product before the line can be priced.", "coding_billing_error"),
        ],
    )
    def test_the_rules_read_these_wordings(self, sentence: str, basis: str) -> None:
        # The rules alone, without the learned model that names a basis when they find none.
        (sent,) = sentences(sentence)
        assert stated_bases(sent) == {basis}

    @pytest.mark.parametrize(
        "program",
        [
            # "Some medicines need approval before ... will pay": true of every drug the plan reviews.
            "Some medications must be reviewed before your plan will pay for them.",
            "Under the FEHB brochure, some specialty drugs must be approved before we provide benefits.",
        ],
    )
    def test_a_plans_review_program_described_is_no_reason(self, program: str) -> None:
        text = f"{program} The notes show low disease activity, so this drug is not medically necessary now."
        assert _bases(text) == ["medical_necessity"]

    def test_heading_words_that_carry_on_a_sentence_are_no_heading(self) -> None:
        # "what you can do if you disagree." wraps onto its own line, but the sentence began above it.
        text = ("Member ID: Q88120455\n\nWe will not cover this medication. This letter explains why, and\n"
                "what you can do if you disagree.\nWHY WE DENIED YOUR REQUEST\nYour plan does not pay for drugs "
                "used to treat hair loss. Your Evidence of Coverage lists this under \"Principal Exclusions and "
                "Limitations\".\n\nYOUR RIGHT TO APPEAL\nYou may file an appeal within 180 days.")
        assert text.index("Principal Exclusions") < rights_notice_start(text) <= text.index("YOUR RIGHT TO APPEAL")
        assert _bases(text) == ["benefit_exclusion"]

    @pytest.mark.parametrize(
        ("text", "basis"),
        [
            # a one-word heading
            ("Claim number: 26183004517\n\nThis claim was received more than 365 days after the date of service.\n\n"
             "Reconsideration\nSend proof of timely filing with a written request within 60 days. Non-contracted "
             "providers must include a signed Waiver of Liability. Decisions on medical necessity follow the "
             "separate appeal process in the provider manual.", "timely_filing"),
            # an offer to reconsider
            ("We asked for the inhibitor result on 08/10/2026 and had not received it by the end of the review "
             "period, so the request is denied.\n\nYour patient, or you on his behalf, may ask us to reconsider "
             "this decision. The federal office reviews disputed claims, including decisions that a drug is "
             "not medically necessary or is experimental.", "missing_information"),
        ],
    )
    def test_a_reconsideration_heading_or_offer_starts_the_rights_notice(self, text: str, basis: str) -> None:
        assert _bases(text) == [basis]

    def test_weak_cue_alone_names_the_basis(self) -> None:
        # "plan does not include coverage" is weak (it follows many other reasons), but with no
        # stronger reason in the letter it is the reason.
        assert _bases("We reviewed the request. Your employer's plan does not include coverage for fertility "
                      "drugs.") == ["benefit_exclusion"]

    def test_longest_overlapping_match_decides(self) -> None:
        # "excluded from your" alone would read as a benefit exclusion.
        assert _bases("Decision: denied. Xeljanz is excluded from your plan's formulary for 2026.") == ["formulary_exclusion"]

    def test_cue_inside_a_condition_is_ignored(self) -> None:
        text = ("Humira is not covered by your plan's formulary. A formulary exception can be considered if your "
                "prescriber tells us why the preferred products are not appropriate for you.")
        assert _bases(text) == ["formulary_exclusion"]

    def test_two_bases_in_one_sentence_the_better_supported_leads(self) -> None:
        # Both are stated in the first reason sentence; the letter goes on about the second.
        text = ("We cannot approve this request. Valbenazine is not approved to treat tics, and the plan's policy "
                "classifies this use as investigational. The plan excludes drugs that are experimental or "
                "investigational.")
        assert _bases(text)[0] == "experimental_investigational"

    def test_tie_goes_to_the_basis_stated_first(self) -> None:
        text = "We did not receive the documentation needed to show that this treatment is medically necessary."
        assert _bases(text) == ["missing_information", "medical_necessity"]

    def test_inline_rights_and_line_broken_phrases_trigger_nothing(self) -> None:
        text = ("Claim number: 26098145520\n\nNo approval was found for the 03/09/2026 infusion.\n\n"
                "Provider appeal rights: a provider appeal must be filed within 180 days of this notice. Members\n"
                "keep all appeal rights described in their booklet, including a review of any decision\n"
                "about medical necessity or experimental services.")
        assert _bases(text) == ["prior_authorization_required"]


    @pytest.mark.parametrize(
        ("sentence", "basis"),
        [
            # Contractions, and words between a phrase's parts.
            ("Your plan doesn't pay for care from providers outside the Brightwater network.", "out_of_network"),
            ("We don't have an approval on file for the 05/02/2026 infusion.", "prior_authorization_required"),
            ("The plan pays for Sotyktu for psoriasis only after a trial of two preferred agents.", "step_therapy"),
            ("The drug list for your plan does not include Sotyktu.", "formulary_exclusion"),
            ("Your plan allows up to 4 vials every 28 days, and the request was for 8.", "quantity_limit"),
            ("Sotyktu is not approved by the Food and Drug Administration for this condition.", "off_label"),
            ("The plan covers Omvoh for members who have already been treated with a preferred biologic.", "step_therapy"),
            ("Claims you file yourself must reach us within 90 days of the fill date; yours came on day 140.",
             "timely_filing"),
            ("Your coverage under the Lakeside Mills Health Plan ended on 03/31/2026.", "eligibility"),
            ("Westgate Pharmacy is not part of your plan's specialty pharmacy network.", "out_of_network"),
            ("Using Sotyktu for scalp eczema is not one of its approved uses.", "off_label"),
            ("Your husband's employer plan pays first, so the pharmacy must bill that plan before us.", "eligibility"),
            ("This Medicaid plan pays only after all other insurance has paid its share.", "eligibility"),
            ("Your certificate specifically does not cover cosmetic procedures such as this one.", "benefit_exclusion"),
            ("Omvoh is not on the list of covered drugs that your employer chose.", "formulary_exclusion"),
            ("The 60 tablets requested exceed the plan limit of 30 tablets for each 30 days.", "quantity_limit"),
        ],
    )
    def test_plain_language_wordings(self, sentence: str, basis: str) -> None:
        assert _bases(f"Member ID: Q88120455\n\nWe cannot approve this request. {sentence}") == [basis]

    @pytest.mark.parametrize(
        ("sentence", "basis"),
        [
            ("Based on these records, Evenity is not medically needed for you at this time.", "medical_necessity"),
            ("Nucala is one of the drugs that need our prior approval before benefits are available.",
             "prior_authorization_required"),
            ("Your plan requires your provider to get our approval before giving Vyepti.", "prior_authorization_required"),
            ("We have no prior approval on file for you for this drug on the date it was filled.",
             "prior_authorization_required"),
            ("The fourth dose was given sooner than the plan covers for this eye condition.", "quantity_limit"),
            ('The plan document, in Article 9, "Excluded Services," lists cosmetic treatment of any kind.',
             "benefit_exclusion"),
            # a benefit the plan never bought, or one paid by someone else
            ("Your group coverage does not include outpatient prescription drugs, so Praluent is not paid.",
             "benefit_exclusion"),
            ("Your employer chose the medical plan without the Specialty Drug Rider, so we cannot pay for Cimzia.",
             "benefit_exclusion"),
            ("Dialysis drugs are carved out of the benefits this health plan provides; the state pays for them.",
             "benefit_exclusion"),
            ("Kesimpta is covered after the member has tried two preferred relapsing MS therapies.", "step_therapy"),
            ("The plan pays for Adbry for atopic dermatitis after at least 8 weeks of a topical calcineurin inhibitor.",
             "step_therapy"),
            ("The policy puts Omvoh behind the plan's preferred biologics for Crohn's disease.", "step_therapy"),
            ("Giving Tepezza for orbital myositis is outside the uses on its label.", "off_label"),
            ("The booklet lists hair-growth drugs among the services that are not covered.", "benefit_exclusion"),
            ("The county plan does not include fertility drugs among its covered benefits.", "benefit_exclusion"),
            ("The medical benefit does not pay for drugs that patients usually inject themselves at home.",
             "benefit_exclusion"),
            ("Our records show you were not a Bayview Health member on the date the drug was filled.", "eligibility"),
            ("Your marketplace coverage ended on May 31, 2026, before the pharmacy filled this order.", "eligibility"),
            ("Your doctor did not ask us to approve the infusion before it was given.", "prior_authorization_required"),
            ("The drug list allows Xolair up to 2 syringes every 28 days.", "quantity_limit"),
            ("A drug plan pays only for a medically accepted indication, and this use is not one.", "off_label"),
            ("Kesimpta is left off the 2026 list of covered drugs for your plan.", "formulary_exclusion"),
            ("Your plan requires that, before a non-preferred drug can be considered, you try two preferred ones.",
             "step_therapy"),
            ("We also could not find a prior authorization for Vyepti for this date.", "prior_authorization_required"),
            ("Your enrollment in the Standard Option was cancelled effective March 31, 2026.", "eligibility"),
            ("The infusions on 04/02/2026 were given after your coverage with us ended.", "eligibility"),
            ("Your policy asks members to send reimbursement claims within 90 days of the fill date.", "timely_filing"),
            ("The paper claim arrived 131 days after the fill date.", "timely_filing"),
            # Step therapy as a plan rule quoted, a drug's place in line, a trial's length.
            ('The rule reads: "Omvoh is covered when the member has tried, for 16 weeks, one preferred biologic."',
             "step_therapy"),
            ("Sotyktu is a third-line drug under your plan's psoriasis program.", "step_therapy"),
            ("The plan pays for Sotyktu after 4 months or more on a preferred oral agent.", "step_therapy"),
            ("An exception can be made only after two of the covered drugs have been tried without success.",
             "step_therapy"),
            # Medicare's own words, a Medicaid drug list, a pharmacy program.
            ("Based on these notes, the infusion is not medically reasonable and necessary for you.", "medical_necessity"),
            ("Xolair is not on the PDL for your Medicaid plan.", "formulary_exclusion"),
            ("Lakeshore Infusion Pharmacy is not part of the plan's Specialty Drug Pharmacy Program.", "out_of_network"),
            ("Specialty drugs are covered only when they are dispensed by the plan's specialty pharmacy.",
             "out_of_network"),
            # A scanned "l" read as a capital "I".
            ("Your pIan aIlows 21 capsuIes of this drug per 28 days.", "quantity_limit"),
        ],
    )
    def test_wordings_the_rules_read_without_the_model(
        self, sentence: str, basis: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(classify_stage, "shipped_reader", lambda: None)  # the rules alone
        assert _bases(sentence)[:1] == [basis]

    def test_a_remittances_key_to_its_codes_lists_them(self) -> None:
        text = ("Line Code Billed Paid Adj\n1 J3590 6,215.00 0.00 242, 197\n\n"
                "242 - Services not provided by network/primary care providers.\n"
                "197 - Precertification/authorization/notification absent.\n")
        assert set(_facts(text).codes.carc) == {"242", "197"}

    @pytest.mark.parametrize(
        "gloss", ["CO-29  THE TIME LIMIT FOR FILING HAS EXPIRED.", "29 - The time limit for filing has expired."]
    )
    def test_a_remittance_with_only_codes_gives_its_codes_gloss_as_the_reason(self, gloss: str) -> None:
        text = ("PROVIDER REMITTANCE ADVICE\nPAYEE: LAKESIDE INFUSION\n29 ELM STREET SUITE 4\n"
                "LN DOS PROC BILLED PAID GRP RSN\n01 01/06/2026 J3590 14,820.00 0.00 CO 29\n"
                f"GRP RSN DESCRIPTION\n{gloss}\n")
        facts = _facts(text)
        assert facts.denial_reason == " ".join(gloss.split())

    def test_a_two_column_drug_field_names_the_drug(self) -> None:
        text = ("Specialty Drug Review\n\nMember ID: W55120884\n"
                "Drug requested       ELOCTATE [Antihemophilic Factor (Recombinant), Fc Fusion Protein]\n"
                "3000 IU vials, weekly\n\nWe cannot approve home infusion for this drug.")
        assert _facts(text).drug == "eloctate"

    @pytest.mark.parametrize(
        ("header", "plan_type"),
        [
            ("Evergreen Senior Advantage (HMO)\nMedicare Part D Coverage Determination Unit", "medicare_advantage"),
            ("Northstar Medicare Advantage Select from Acme (PPO)\nPart D Pharmacy Services", "medicare_advantage"),
            ("Acme Choice is a Medicare Advantage plan with Part D drug coverage.", "medicare_advantage"),
            # a sponsor's disclaimer names its kinds of plan, not the member's
            ("Acme is a Medicare Advantage HMO and PPO organization with a Medicare contract.\n"
             "Acme Rx Basic (PDP) - Part D Coverage Determination", "medicare_part_d"),
        ],
    )
    def test_a_medicare_advantage_plans_drug_denial_is_medicare_advantage(self, header: str, plan_type: str) -> None:
        text = (f"{header}\nNOTICE OF DENIAL OF MEDICARE PRESCRIPTION DRUG COVERAGE\nMember ID: Q88120455\n\n"
                "We denied your request for coverage of a Part D drug. You can ask for a redetermination.")
        assert _facts(text).plan_type == plan_type

    @pytest.mark.parametrize(
        "line",
        [
            "This coverage is insured\nby Northfield Life and Health Insurance Company.",
            "Coverage: PPO group plan underwritten by Capital Ridge Insurance Company",
            "Northfield Insurance Company of New York insures this member's coverage.",
            "Your plan is licensed and regulated by the Hawaii Insurance Division.",
        ],
    )
    def test_an_insurers_own_words_make_a_fully_insured_plan(self, line: str) -> None:
        text = f"Northfield Health\nMember ID: Q88120455\n{line}\n\nWe cannot approve Xeljanz for this use."
        assert _facts(text).plan_type == "commercial_fully_insured"

    def test_rights_preview_does_not_start_the_notice(self) -> None:
        text = ("Dear member:\nYour doctor asked us to approve Omvoh. We cannot approve it. Below we explain why, "
                "what we used, and how you can appeal.\n\nThe reason for our decision\n"
                "The clinical information does not meet our coverage criteria for Omvoh.\n\n"
                "Your right to appeal\nYou may appeal within 180 days.")
        assert _bases(text) == ["medical_necessity"]

    def test_unticked_boxes_are_reasons_not_given(self) -> None:
        text = ("We cannot approve this request. We marked the reason that applies: [ ] The service is not medically "
                "necessary. [ ] The provider is not in our network. [X] We did not receive the records we asked for.")
        assert _bases(text) == ["missing_information"]

    def test_appeal_deadline_is_not_timely_filing(self) -> None:
        text = ("Claim denied: no prior authorization was on file for this date of service. A request for "
                "reconsideration of this claim must be received within 90 days of the remit date.")
        assert _bases(text) == ["prior_authorization_required"]

    def test_a_note_about_other_denials_is_not_a_reason(self) -> None:
        text = ("We cannot approve this request because the records we asked for were not received. "
                "A peer-to-peer call is offered for denials based on medical necessity; it is not needed for this "
                "decision.")
        assert _bases(text) == ["missing_information"]

    def test_ocr_misread_decision_label_is_still_the_decision(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(classify_stage, "shipped_reader", lambda: None)  # the rules alone
        text = ("Member ID: Q88120455\nDecisi0n: NOT APPR0VED - pharmacy prior authorization request number 118\n"
                "The request cannot be approved because the records were n0t received.")
        assert _bases(text) == ["missing_information"]

    def test_reason_field_is_read(self) -> None:
        assert _bases("We cannot approve this request.\n\nThe reason: Otezla is not on the 2026 drug list.") == [
            "formulary_exclusion"
        ]

    def test_primary_is_the_basis_stated_first(self) -> None:
        # The second reason has more cue words than the first; the first is still the main reason.
        text = ("We cannot approve this request. 1. The plan covers this drug only after you have tried methotrexate.\n"
                "2. The quantity requested is more than the plan allows, exceeds the dose limit, and exceeds the "
                "maximum units.")
        assert _bases(text) == ["step_therapy", "quantity_limit"]

    def test_experimental_exclusion_is_one_basis(self) -> None:
        text = "We cannot approve this request. Your plan does not cover services that are experimental or investigational."
        assert _bases(text) == ["experimental_investigational"]

    def test_approval_before_dispensing_is_prior_authorization_not_a_step(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(classify_stage, "shipped_reader", lambda: None)  # the rules alone
        text = ("We cannot pay this claim. Your plan covers Imbruvica only after it has been approved by the plan "
                "before the pharmacy dispenses it, and no approval was on file for the fill date.")
        assert _bases(text) == ["prior_authorization_required"]

    def test_an_authorization_request_not_received_is_not_missing_information(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(classify_stage, "shipped_reader", lambda: None)  # the rules alone
        text = ("Claim denied. Actemra must be approved before it is given. We did not receive a request for approval "
                "for this member, and no authorization on file covers 04/28/2026.")
        assert _bases(text) == ["prior_authorization_required"]

    def test_a_preferred_drug_list_is_not_a_step(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(classify_stage, "shipped_reader", lambda: None)  # the rules alone
        text = ("We cannot approve Tagrisso yet because we were not sent the test results we need. The clinical "
                "policy and the state Preferred Drug List criteria require the test report before it can be approved.")
        assert _bases(text) == ["missing_information"]

    def test_premium_grace_period_is_not_missing_information(self) -> None:
        text = ("We cannot pay this claim. Your coverage ended on 04/30/2026 because the premium payment was not received "
                "by the end of the grace period.")
        assert _bases(text) == ["eligibility"]

    def test_code_gloss_alone_adds_no_basis(self) -> None:
        # The gloss of CARC 16 repeats "lacks information"; the letter's own words say coding.
        text = ("The claim was billed with an invalid HCPCS code for the drug given.\n"
                "Adjustment codes: CARC 16 (claim lacks information or has billing errors).")
        assert _bases(text) == ["coding_billing_error"]


    def test_a_document_named_for_medical_necessity_is_no_reason(self) -> None:
        text = ("We reviewed the letter of medical necessity and the clinic notes. Your plan does not cover services "
                "that are experimental or investigational, and Vyjuvek is investigational for this use.")
        assert _bases(text) == ["experimental_investigational"]

    def test_an_unlisted_code_adjustment_is_a_coding_error(self) -> None:
        text = ("Claim #: 26105937714\nLN DOS CODE UNITS BILLED PAID ADJ\n1 04/02/2026 J3590 1 3612500.00 0.00 CO-189\n"
                "CO-189: an unlisted code was billed where a specific code exists.\n")
        assert _bases(text) == ["coding_billing_error"]

    @pytest.mark.parametrize(
        ("sentence", "basis"),
        [
            # Wordings of a later batch of writers (dev17), said here in other words; the rules
            # before it read none of them.
            ("No approval had been asked for or given for this drug before it was filled.", "prior_authorization_required"),
            ("No prior authorization request for Repatha has been sent to us by your doctor.",
             "prior_authorization_required"),
            ("This decision is about the missing approval only.", "prior_authorization_required"),
            ("Repatha needs advance approval through our pharmacy prior authorization program before your plan covers it.",
             "prior_authorization_required"),
            ("Using Ozempic to lose weight is outside the uses the FDA has approved.", "off_label"),
            ("Otezla is being asked for a use the FDA has not approved.", "off_label"),
            ("That is 8 doses, not 16, so the number of doses asked for is more than the amount Medicare allows.",
             "quantity_limit"),
            ("The claim form came without the itemized receipt from the pharmacy.", "missing_information"),
            ("Line 2 shows 300 units billed for 300 mg, but the code is per 10 mg.", "coding_billing_error"),
            ("The records do not show that a daily pill for the whole body is needed now.", "medical_necessity"),
            ("These results do not show the bone loss that our coverage rules for Prolia require.", "medical_necessity"),
            # dev18's, likewise.
            ("Your plan must approve Advate before it is given, and nobody asked us for that approval.",
             "prior_authorization_required"),
            ("Our records show no prior authorization request from the pharmacy for any date this year.",
             "prior_authorization_required"),
            ("Your employer did not buy the Gene Therapy Rider, so the exclusion applies.", "benefit_exclusion"),
            ("Aimovig is being asked for a condition that is not among its approved uses.", "off_label"),
            ("Daily use to prevent bleeds is not a use that the Food and Drug Administration has approved.", "off_label"),
            ("The plan's dispensing limit for this pen is 4 pens per 28 days.", "quantity_limit"),
            ("Aimovig is limited to one autoinjector per 28 days.", "quantity_limit"),
            ("Your pharmacy claims show you have not tried Hemlibra.", "step_therapy"),
        ],
    )
    def test_later_writers_wordings(self, sentence: str, basis: str, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(classify_stage, "shipped_reader", lambda: None)  # the rules alone
        assert _bases(f"Member ID: Q88120455\n\nWe cannot approve this request. {sentence}") == [basis]

    def test_checking_a_claim_before_paying_it_is_no_step(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(classify_stage, "shipped_reader", lambda: None)  # the rules alone
        text = ("We check three things before we pay a member's claim, including that the person was covered on "
                "the fill date. Your coverage ended on June 30, 2026, before the fill date.")
        assert _bases(text) == ["eligibility"]

    def test_a_kind_of_denial_named_across_a_line_break_is_no_reason(self) -> None:
        # The hedge reads the words before a cue with line breaks as spaces, as the rules do.
        text = ("Claim denied: it reached us 200 days after the date of service, past the 90-day filing limit.\n"
                "Under your provider agreement, claims denied for\neligibility or coordination of benefits should be "
                "corrected and sent again.")
        assert _bases(text) == ["timely_filing"]

    def test_what_the_decision_is_not_is_no_reason(self) -> None:
        text = ("We cannot approve this request because we did not receive the biopsy report we asked for. "
                "This is not a finding that the drug is wrong for you or that it is not medically necessary.")
        assert _bases(text) == ["missing_information"]

    @pytest.mark.parametrize(
        ("text", "bases"),
        [
            # "for the reasons below" announces reasons; it names no unapproved use.
            ("The request was not approved for the reasons below. 1. The plan covers Omvoh only after a trial of "
             "two preferred agents.", ["step_therapy"]),
            # A trial that was never run is a study, not a drug tried.
            ("Using this drug for a third course is experimental and investigational. No randomized trial has shown "
             "that a third course helps.", ["experimental_investigational"]),
            # A section's title in quotes is a heading, not a reason.
            ('The section "Exclusions, Limitations and Coordination of Benefits" says: "Experimental services are '
             'not covered." This infusion is investigational for your condition.', ["experimental_investigational"]),
            # Studies that do not exist are not records withheld.
            ("This use is off-label and no compendium supports it, and we did not receive any published studies "
             "that do.", ["off_label"]),
            # A scanned "m" read as "rn" in a hedge still hedges.
            ("We cannot pay this claim because it was billed with the wrong diagnosis code. Clairns denied for medical necessity "
             "follow another process.", ["coding_billing_error"]),
        ],
    )
    def test_words_that_only_look_like_a_reason(self, text: str, bases: list[str]) -> None:
        assert _bases(text) == bases

    def test_benefit_words_explaining_a_drug_list_are_the_formulary_reason(self) -> None:
        text = ("We cannot approve Xolair. The plan left it off the drug list, and a drug that is not on the list is "
                "not covered under your plan's prescription benefit.")
        assert _bases(text) == ["formulary_exclusion"]

    def test_an_approval_to_get_first_is_no_step(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(classify_stage, "shipped_reader", lambda: None)  # the rules alone
        text = ("We cannot pay this claim. Your plan covers this medicine only after your doctor gets approval from "
                "the plan, and none was on file for the fill date.")
        assert _bases(text) == ["prior_authorization_required"]

    def test_explaining_a_letter_so_you_can_decide_whether_to_appeal_is_no_rights_notice(self) -> None:
        text = ("Dear Member:\nWe reviewed the request your doctor sent for a gene therapy infusion, with the records "
                "from the treatment center.\nThe parts below quote the guideline we used and explain how it applies, "
                "so that you and your doctor can decide whether to appeal.\n"
                "The antibody test is positive, so the infusion does not meet the medical necessity criteria.\n\n"
                "YOUR RIGHT TO APPEAL\nYou may appeal within 180 days.")
        assert _bases(text) == ["medical_necessity"]

    def test_bulleted_appeal_routes_are_boilerplate(self) -> None:
        text = ("The claim was received 410 days after the date of service, past the 365-day filing limit.\n"
                "- Denials based on medical necessity or on an out-of-network status follow the appeal process.\n")
        assert _bases(text) == ["timely_filing"]


class TestExtractAddresses:
    def test_a_remittance_has_no_member_state(self) -> None:
        text = ("PROVIDER REMITTANCE ADVICE\nPayee: Lakeside Infusion LLC\n2901 Main St, Columbus OH 43235\n"
                "Patient: DOE, JANE   Member ID: YRH882041736\nClaim #: 2026118MA40377\n"
                "01 04/21/26 J3380 300 $7,842.00 $0.00 CO-197\n")
        assert _facts(text).state is None

    def test_a_labelled_member_address_beats_the_senders(self) -> None:
        text = ("MedImpact Healthcare Systems\n10181 Scripps Gateway Court, San Diego, CA 92131\n"
                "Member address: 1407 Hickory Glen Dr, Columbia, MO 65203\nMO HealthNet ID (DCN): 112847930\n\n"
                "We cannot approve Enbrel for this use.")
        facts = _facts(text)
        assert (facts.state, facts.member_id) == ("MO", "112847930")

    @pytest.mark.parametrize(
        ("header", "sentence", "plan_type"),
        [
            # A header in capitals carries no case: its plan signals match in any case.
            ("ANTHEM BLUE CROSS AND BLUE SHIELD MEDICAID\nKENTUCKY MEDICAID MANAGED CARE", "", "medicaid_managed_care"),
            ("PRODUCT: ANTHEM MEDICARE ADVANTAGE (PPO)    PATIENT ACCT: 20-77135", "", "medicare_advantage"),
            # A PBM heads any client's letter so; in capitals it says nothing of Medicare.
            ("EXPRESS SCRIPTS\nCOVERAGE DETERMINATION NOTICE", "", "unknown"),
            # "a prescription drug plan" in lower case is any plan's drug coverage, not Medicare's.
            ("Specialty Review", "Ask your employer's benefits office whether a prescription drug plan is offered separately.",
             "unknown"),
            ("Specialty Review", "This notice comes from your Medicare Prescription Drug Plan.", "medicare_part_d"),
        ],
    )
    def test_the_case_of_a_plan_signal(self, header: str, sentence: str, plan_type: str) -> None:
        text = f"{header}\n\nMember ID: W55120884\n\nWe cannot approve this request for Xolair. {sentence}"
        assert _facts(text).plan_type == plan_type

    @pytest.mark.parametrize(
        ("line", "member_id"),
        [
            # The id after the member's name on one line: reading collapses the columns' spaces.
            ("Member:    Jane Q. Sample-Doe          ID: XQF551208844", "XQF551208844"),
            ("PATIENT: SAMPLE-DOE, JANE Q      CONTRACT #: ZQB5520198443", "ZQB5520198443"),
            ("Customer name: Jane Q. Sample       Cigna ID: 551208844-02", "551208844-02"),
            # An owner the rules refuse ("Medicaid") gives way to the "Member ID" after it.
            ("Medicaid Member ID:   5512088440", "5512088440"),
            # A two-digit person code ends the line and belongs to the id; a later field's number does not.
            ("Customer ID:        U55120884 02", "U55120884 02"),
            ("Member ID: U55120884 02/17/2026", "U55120884"),
            ("Member ID: U55120884 Group 77", "U55120884"),
            # Another number's label on the member's line is not the member id.
            ("Member: Jane Q. Sample      Claim ID: 2026551208844\nMember ID: W55120884", "W55120884"),
        ],
    )
    def test_the_member_id_on_the_members_line(self, line: str, member_id: str) -> None:
        text = f"Molina Healthcare\nPharmacy Department\n\n{line}\n\nWe cannot approve this request."
        assert _facts(text).member_id == member_id

    def test_a_unit_in_the_members_street_line_is_not_a_senders_department(self) -> None:
        text = ("Ambetter of Tennessee\nMember Reimbursement Unit, P.O. Box 5010, Farmington, MO 63640-5010\n\n"
                "July 9, 2026\n\nJane Q. Sample\n3915 Brainerd Road, Unit C\nChattanooga, TN 37411\n\n"
                "Member ID: U71840592\n\nWe cannot pay your reimbursement form.")
        assert _facts(text).state == "TN"

    @pytest.mark.parametrize(
        "between",
        [
            "July 17th, 2026",  # an ordinal date
            "19-Mar-2026",
            "PRESCRIPTION REIMBURSEMENT STATEMENT    Statement date: 05/12/2026",
        ],
    )
    def test_the_senders_block_ends_before_the_members_address(self, between: str) -> None:
        # Parsed PDF text keeps no blank lines, so the block must end at the date or an honorific.
        text = (f"BlueCross BlueShield of Tennessee\nMedical Management - Specialty Drug Review\n"
                f"1 Cameron Hill Circle, Chattanooga, TN 37402\n{between}\nPrudence H. Sample\n"
                "77 Rock Creek Gap Road\nRinggold, GA 30736\nMember ID: ZCP447218830\n\nWe cannot approve Entyvio.")
        assert _facts(text).state == "GA"

    def test_an_honorific_starts_the_addressee(self) -> None:
        text = ("CVS Caremark\nPaper Claims Processing Unit, P.O. Box 52136, Phoenix, AZ 85072-2136\n"
                "Ms. Jane Q. Sample\n2904 N Lakeview Terrace\nAppleton, WI 54911\nMember ID: W284019736\n\n"
                "We cannot pay this claim.")
        assert _facts(text).state == "WI"

    def test_a_member_id_with_a_three_letter_prefix_keeps_it(self) -> None:
        text = "Subscriber ID:   KSB 471920385\nRx group:        SUNFLWRGRN\n\nWe cannot approve this request."
        assert _facts(text).member_id == "KSB 471920385"

    @pytest.mark.parametrize(
        ("line", "number"),
        [
            ("Patient acct:     PDH-448127                     ICN:            2026301559812", "2026301559812"),
            ("Re: Your request for reimbursement - claim reference 2617400218", "2617400218"),
            ("PA case ............ 26-338019930", "26-338019930"),
            ("Referral number: CO-REF-26-220187", "CO-REF-26-220187"),
            ("Notice number:       NOA-26-0811-4410", "NOA-26-0811-4410"),
        ],
    )
    def test_other_labels_of_the_decisions_number(self, line: str, number: str) -> None:
        assert _facts(f"Member ID: W284401733\n{line}\n\nWe cannot approve Mounjaro.").claim_number == number

    @pytest.mark.parametrize(
        ("letterhead", "payer"),
        [
            ("Blue Cross and Blue Shield of Montana\nLocal Plan administering the Service Benefit Plan\n"
             "Federal Employee Program (FEP)", "bcbs-fep"),
            ("Health Net Community Solutions, Inc.\nMedi-Cal Managed Care Plan\nP.O. Box 9103", "medi-cal"),
            ("Blue Cross and Blue Shield of Montana\nP.O. Box 4309, Helena, MT 59604", "bcbs-mt"),
        ],
    )
    def test_a_program_in_the_letterhead_is_the_payer(self, letterhead: str, payer: str) -> None:
        text = f"{letterhead}\n\nMember ID: W284401733\n\nWe cannot approve Rebinyn."
        assert _facts(text).payer == payer

    def test_a_phone_number_is_not_a_claim_number(self) -> None:
        text = ("Member ID: W284401733\nCoverage decision number: MAS-RX-2606-10582\n\nWe cannot approve Mounjaro.\n"
                "The ombudsman can help with your appeal: 1-877-555-0150.")
        assert _facts(text).claim_number == "MAS-RX-2606-10582"


class TestExtractDates:
    @pytest.mark.parametrize(
        ("sentence", "expected"),
        [
            ("On or about March 9, 2026, Northfield Health received a precertification request from your doctor.",
             "2026-03-09"),
            ("We received your doctor's request on or about 7/14/2026.", "2026-07-14"),
            ("Our plan received a request from Dr. Ines Valdez, Bayside Lung Center, on 10/02/2026 to cover it.",
             "2026-10-02"),
            ("Date request came in: May 3, 2026", "2026-05-03"),
            ("We reviewed your doctor's request dated June 30, 2026 for this medicine.", "2026-06-30"),
            ("Services rendered on 2026.04.11: one infusion.", "2026-04-11"),
        ],
    )
    def test_ways_of_giving_the_service_or_request_date(self, sentence: str, expected: str) -> None:
        text = f"Member ID: W284401733\nLetter date: 12/01/2026\n\n{sentence}\nThe request is denied."
        assert str(_facts(text).service_date) == expected

    def test_a_label_that_only_sits_near_a_date_reads_the_whole_date(self) -> None:
        text = ("Diagnosis on file: G43.709\nRequest received:   04/20/2026 at 9:12 a.m.\n\n"
                "We cannot approve the amount asked for.")
        assert str(_facts(text).service_date) == "2026-04-20"

    def test_a_claim_lines_from_through_date_beats_the_date_received(self) -> None:
        text = ("Explanation of Payment                 Date: 2026.10.06\n"
                "Claim number: 262650041907          Received: 09/22/2026\n"
                "Ln  From-Thru            Code   Units  Dx     Billed       Allowed  Paid\n"
                "01  09/15/26-09/15/26    J1305  189    E78.5  $29,862.00   $0.00    $0.00  CO-11\n")
        facts = _facts(text)
        assert (str(facts.letter_date), str(facts.service_date)) == ("2026-10-06", "2026-09-15")


class TestExtractCodes:
    def test_a_reference_number_is_no_adjustment_code(self) -> None:
        assert _facts("Reference number: CR-26-0411937\nWe cannot approve Krystexxa.").codes.carc == []

    def test_a_remark_code_is_no_diagnosis(self) -> None:
        text = ("Claim number: 262650041907\nLn  DOS       Code   Units  Dx     Billed       Paid   Codes\n"
                "01  09/15/26  J1305  189    E78.5  $29,862.00   $0.00  CO-11, M76\n\nCode descriptions\n"
                "  CO-11  The diagnosis is inconsistent with the procedure.\n"
                "  M76    Missing/incomplete/invalid diagnosis or condition.\n")
        codes = _facts(text).codes
        assert (codes.icd10, sorted(codes.carc)) == (["E78.5"], ["11", "M76"])

    def test_an_ndc_labeller_is_no_procedure_code_and_a_codes_field_lists_one(self) -> None:
        text = ("NDC 55513-0123-01     Requested quantity: 2 pens per 28 days\n"
                "  Codes:    J2323 x 300 units, 96365; diagnosis G35\n")
        assert _facts(text).codes.cpt == ["96365"]

    def test_a_billed_line_lists_its_procedure_codes(self) -> None:
        text = ("Member ID: U71840592\nBilled:             J2326 x 120 units, nusinersen 12 mg (Spinraza); 96450 "
                "intrathecal\n\nWe cannot pay this claim.")
        assert _facts(text).codes.cpt == ["96450"]


class TestExtractDeadline:
    def test_a_providers_dispute_window_is_the_first_level_deadline(self) -> None:
        text = ("Claim number: 26183004517\nCO-29: The time limit for filing has expired.\n\n"
                "If you disagree with the processing of this claim, submit a Provider Dispute Resolution Request "
                "within 365 days of the date of this remittance.")
        assert _facts(text).stated_deadline_days == 365

    def test_a_window_whose_own_sentence_names_the_appeal_wins(self) -> None:
        text = ("We did not approve the hospital setting. If you need more time to move your care, your doctor may "
                "ask for a transition approval at the hospital for up to 60 days.\n\n"
                "You have 180 days from the date you receive this letter to file an appeal.")
        assert _facts(text).stated_deadline_days == 180

    def test_the_appeal_named_in_the_sentence_before_counts(self) -> None:
        text = ("We cannot approve this amount.\n\nIf you do not agree, you can ask us for an appeal. You must ask "
                "within 60 calendar days from the date on this notice.\n\nIf we say no to your appeal, you can ask "
                "for a State Fair Hearing. You must ask within 120 days from the date of our appeal decision.")
        assert _facts(text).stated_deadline_days == 60


    def test_the_marketplaces_own_appeal_window_is_not_the_plans(self) -> None:
        text = ("We cannot pay this claim: your coverage ended on January 31, 2026.\n\n"
                "- You may appeal an eligibility decision made by the Marketplace within 90 days of the "
                "Marketplace's notice.\n\nYou may file an internal appeal with us within 180 days after you "
                "receive this letter.")
        assert _facts(text).stated_deadline_days == 180


class TestExtractUrgency:
    def test_an_expedited_decision_said_across_a_line_break(self) -> None:
        text = ("Member ID: H48201933\n\nYour prescriber asked for a fast decision. We agreed, so we handled the\n"
                "request as expedited. We are not able to cover this drug.")
        assert _facts(text).urgent is True

    @pytest.mark.parametrize(
        "sentence",
        [
            "We made this decision on an expedited (fast) basis because your doctor told us your health could suffer.",
            "Your doctor said this was urgent, so we reviewed it on our fast (expedited) timeline.",
            "We used the expedited (fast) process because waiting could seriously harm your health.",
            "So we handled it as an expedited coverage determination and decided within 24 hours.",
            "Phone 1-800-555-0176 (TTY 711)\nEXPEDITED COVERAGE DECISION",
            # the timeline's hours in the parenthesis
            "Because waiting could seriously harm your health, we made this decision on the fast (24-hour) timeline.",
        ],
    )
    def test_a_letter_saying_its_own_decision_was_fast(self, sentence: str) -> None:
        assert _facts(f"Member ID: H48201933\n\n{sentence}\n\nWe cannot approve this drug.").urgent is True

    def test_the_plans_usual_timelines_are_not_this_decisions(self) -> None:
        text = ("Member ID: H48201933\n\nWe cannot approve this drug. Standard requests are decided within 72 hours; "
                "if your health could be harmed by waiting, mark the request as urgent and we will decide within "
                "24 hours. New requests are usually decided within 24 hours.")
        assert _facts(text).urgent is False


class TestDecisionText:
    def test_reason_skips_the_announcement_and_next_steps(self) -> None:
        text = (
            "Member ID: W284401733\n\nWe reviewed the request for Aimovig. It has been denied.\n\n"
            "Aimovig is not on your plan's drug list. The records we received do not show a trial of the "
            "preferred drugs Emgality or Ajovy.\n\nIf your doctor sends new records, we will review the request again."
        )
        facts = _facts(text)
        assert facts.denial_reason == (
            "Aimovig is not on your plan's drug list. The records we received do not show a trial of the "
            "preferred drugs Emgality or Ajovy."
        )

    def test_reason_under_a_heading_is_the_prose_after_it(self) -> None:
        text = (
            "Member ID: W284401733\n\nOn 05/02/2026 Dr. Ana Ruiz asked us to approve Kesimpta for you. A neurologist "
            "reviewed the request and your records.\n\nOur decision: the request is denied.\n\nReason for the denial:\n"
            "Your records show two relapses in the last year while you were taking glatiramer, but no MRI since 2024. "
            "Kesimpta is covered once a recent MRI confirms active disease.\n\n"
            "Guideline used: Multiple Sclerosis Agents, version 3."
        )
        facts = _facts(text)
        assert facts.denial_reason == (
            "Your records show two relapses in the last year while you were taking glatiramer, but no MRI since 2024. "
            "Kesimpta is covered once a recent MRI confirms active disease."
        )

    def test_numbered_reasons_give_the_first_one(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(extract_stage, "shipped_selector", lambda: None)  # the rules choose
        text = (
            "We cannot approve Repatha.\n"
            "1. Your plan covers Repatha after 12 weeks of a high-intensity statin. We found no statin claims.\n"
            "2. The amount requested, 2 pens every 14 days, is more than the plan limit of 1 pen every 14 days.\n"
        )
        facts = _facts(text)
        assert facts.denial_reason == (
            "1. Your plan covers Repatha after 12 weeks of a high-intensity statin. We found no statin claims."
        )

    def test_billing_protection_after_the_reason_is_not_part_of_it(self) -> None:
        text = (
            "Claim number: 2604417\n\nOnyvide must be approved before it is given, and no approval was on file for the "
            "date of service. The member may not be billed for services denied for this reason."
        )
        facts = _facts(text)
        assert facts.denial_reason == (
            "Onyvide must be approved before it is given, and no approval was on file for the date of service."
        )

    def test_remittance_reason_is_its_code_line(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(extract_stage, "shipped_selector", lambda: None)  # the rules choose
        text = (
            "Claim number: 26183004517\nDOS HCPCS Units Billed Allowed Adj. codes\n"
            "06/22/2026 J2326 12 $127,440.00 $0.00 CO-197, N54\n"
            "CO-197: Precertification/authorization/notification/pre-treatment absent.\n"
            "No authorization was on file for this date of service.\nReceived: 07/01/2026\n"
        )
        facts = _facts(text)
        assert facts.denial_reason == "CO-197: Precertification/authorization/notification/pre-treatment absent."
        assert str(facts.service_date) == "2026-06-22"  # the table's date of service, not the date received
        assert set(facts.codes.carc) == {"197", "N54"}


class TestLLMClassifier:
    """The LLM may add a basis only with a quote that occurs in the letter's decision text."""

    @staticmethod
    def _run(reply: str) -> tuple[list, list, str]:
        from appealgen.adapters.llm import FakeChat
        from appealgen.stages.llm_classifier import LLMClassifier

        doc = parse(FIXTURES / "cigna_ca_medical_necessity.pdf")
        facts = extract(doc)
        return classify(doc, facts), LLMClassifier(FakeChat(lambda system, user: reply)).classify(doc, facts), doc.text

    def test_quote_not_in_letter_is_ignored(self) -> None:
        rules, fused, _ = self._run('{"bases": [{"id": "site_of_care", "quote": "The infusion center is not approved."}]}')
        assert fused == rules

    def test_real_quote_adds_the_basis_with_its_span(self) -> None:
        reason = " ".join(gold("cigna_ca_medical_necessity")["facts"]["denial_reason"].split()[:20])
        rules, fused, text = self._run(json.dumps({"bases": [{"id": "site_of_care", "quote": reason}]}))
        assert "site_of_care" not in [b.id for b in rules]
        added = fused[len(rules) :]
        assert [b.id for b in added] == ["site_of_care"] and fused[: len(rules)] == rules
        assert " ".join(text[added[0].evidence.start : added[0].evidence.end].split()) == reason

    def test_quote_from_rights_notice_is_ignored(self) -> None:
        from appealgen.knowledge.letter_layout import rights_notice_start
        from appealgen.stages.llm_classifier import find_quote

        doc = parse(FIXTURES / "cigna_ca_medical_necessity.pdf")
        notice = doc.text[rights_notice_start(doc.text) :]
        sentence = next(s for s in notice.replace("\n", " ").split(". ") if len(s) > 30)
        assert find_quote(doc.text, sentence) is not None  # the quote is real, only in the wrong place
        rules, fused, _ = self._run(json.dumps({"bases": [{"id": "out_of_network", "quote": sentence}]}))
        assert fused == rules

    def test_unusable_reply_leaves_the_rules_answer(self) -> None:
        rules, fused, _ = self._run("I think it is medical necessity.")
        assert fused == rules


class TestNewerWordings:
    """Wordings first met in the dev20 letters, each on invented text in other words."""

    @pytest.fixture(autouse=True)
    def _rules_alone(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(classify_stage, "shipped_reader", lambda: None)

    @pytest.mark.parametrize(
        ("text", "basis"),
        [
            ("Denied. We wrote to the clinic twice for the lab results; none were received.", "missing_information"),
            ("We did not approve the refill, as 12 syringes is more than the 6 per 28 days allowed.", "quantity_limit"),
            ("Denied. Your plan limits how much of this medicine is covered each month.", "quantity_limit"),
            ("Denied. Taltz has been on the plan's excluded drug list since January.", "benefit_exclusion"),
            ("Denied. As a Part B drug when given in a clinic, Remicade is not covered under this Part D plan.",
             "benefit_exclusion"),
            ("We cannot pay this claim because Corner Drug is not a network pharmacy or a pharmacy contracted with us.",
             "out_of_network"),
        ],
    )
    def test_a_newer_wording_reads_its_basis(self, text: str, basis: str) -> None:
        assert _bases(text) == [basis]

    @pytest.mark.parametrize(
        ("text", "basis"),
        [
            # A step wording does not read a site-of-care rule's count of doses.
            ("Site of care was not approved. Once a patient has had three infusions without a reaction, "
             "the plan covers later infusions at home or in an infusion suite, not in a hospital.", "step_therapy"),
            # A trial nobody sent is a step not taken, not missing records.
            ("Denied. A 12-week trial of a preferred drug must come first, and none was submitted or found "
             "in your pharmacy claims.", "missing_information"),
            # A remittance's standing instruction about corrected claims is no coding basis.
            ("CO-197: Precertification/authorization absent.\nThe claim was denied because no prior "
             "authorization was on file.\nCorrected claims must be submitted within 90 days of the service date.",
             "coding_billing_error"),
        ],
    )
    def test_words_that_only_look_like_a_basis_do_not_read_it(self, text: str, basis: str) -> None:
        assert basis not in _bases(text)

    def test_what_the_decision_is_not_is_no_basis(self) -> None:
        text = ("Denied because the chart notes we asked for were not received. We did not decide that "
                "the medicine is not medically necessary.")
        assert _bases(text) == ["missing_information"]

    def test_a_birthday_is_never_the_service_date(self) -> None:
        text = ("Member: A. Test   Date of birth: 02/11/1984\nWe received Dr. Okafor's request on May 4, 2026 "
                "and denied it because the plan does not cover Zepbound for weight loss.")
        assert _facts(text).service_date == date(2026, 5, 4)

    def test_a_dual_special_needs_plan_is_medicare_advantage(self) -> None:
        text = ("Sunrise Complete (HMO D-SNP)\nThis plan is for people with both Medicare and Medicaid. Your Medicaid "
                "ended, so you are no longer eligible for this plan and the drug is denied.")
        assert _facts(text).plan_type == "medicare_advantage"

    def test_a_member_number_with_a_gloss_before_the_noun(self) -> None:
        text = "Health plan member (record) number: 5523190876\nDenied: not medically necessary."
        assert _facts(text).member_id == "5523190876"

    def test_a_brand_after_a_generic_and_dose_with_words_before_it(self) -> None:
        text = "We cannot pay for the refill of roflumilast 500 mcg tablets (Daliresp), 30 tablets, because it is not covered."
        assert _facts(text).drug == "daliresp"

    def test_a_scanned_appeal_word_still_dates_the_appeal(self) -> None:
        text = ("Denied: not medically necessary.\nYou may appea1 this decision. "
                "Your appea1 must be made within 90 days of this notice.")
        assert _facts(text).stated_deadline_days == 90
