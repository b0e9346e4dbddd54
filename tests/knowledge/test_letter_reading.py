"""Drug names the lexicon does not know, Blue plans by state, contractions, member ids."""

from __future__ import annotations

import pytest

from appealgen.knowledge.drug_names import find_drug
from appealgen.knowledge.letter_layout import expand_contractions, line_bounds, sentences
from appealgen.knowledge.payers import payer_directory
from appealgen.stages.extract import extract
from appealgen.stages.parse import parse


def _drug(text: str) -> str | None:
    found = find_drug(text, len(text))
    if found is None:
        return None
    name, start, end = found
    assert text[start:end] == name  # the span points at the name
    return name.lower()


class TestFindDrug:
    def test_request_line_beats_an_alternative_the_lexicon_knows(self) -> None:
        text = ("Medication requested: Sotyktu (deucravacitinib) 6 mg tablet\n\n"
                "Your plan covers Sotyktu after a trial of Humira (adalimumab) or another preferred drug.")
        assert _drug(text) == "sotyktu"

    def test_brand_beside_its_generic_in_prose(self) -> None:
        assert _drug("We reviewed the request for Kevzara (sarilumab) for rheumatoid arthritis.") == "kevzara"

    def test_generic_then_brand_names_the_brand(self) -> None:
        assert _drug("Drug: risankizumab-rzaa (Skyrizi) 150 mg/mL pen") == "skyrizi"

    def test_generic_only_is_kept_as_written(self) -> None:
        assert _drug("Service requested: tocilizumab 162 mg/0.9 mL prefilled syringe") == "tocilizumab"

    def test_name_before_a_strength_in_a_claim_row(self) -> None:
        assert _drug("1   J3590  Unclassified biologic - ZYMFENTRA 120 mg   $6,210.00   $0.00   CO-29") == "zymfentra"

    @pytest.mark.parametrize(
        ("line", "brand"),
        [
            ("Medication: sarilumab 200 mg/1.14 mL prefilled pen (Kevzara), 2 pens per 28 days", "kevzara"),
            ("Drug requested: tofacitinib extended-release 11 mg tablet (XELJANZ XR), #30 per 30 days", "xeljanz"),
        ],
    )
    def test_generic_with_its_dose_then_the_brand_names_the_brand(self, line: str, brand: str) -> None:
        assert _drug(line + "\nThe plan covers sarilumab and tofacitinib only after methotrexate.") == brand

    def test_a_person_on_the_re_line_is_not_a_drug(self) -> None:
        text = ("Re:   Marisol T. Quintana     Date of birth: 02/14/1979\n"
                "      Request: efgartigimod alfa-fcab (Vyvgart) 10 mg/kg IV infusion\n"
                "Dear Ms. Quintana: we cannot approve this request.")
        assert _drug(text) == "vyvgart"

    @pytest.mark.parametrize(
        ("text", "brand"),
        [
            # a device word after the brand is not part of its name
            ("Item requested   Praluent PushTouch 75 mg/mL pen, 2 per 28 days", "praluent"),
            ("2  05/02/26  J3590  TALTZ AUTOINJECTOR 80 MG/ML   1   $6,120.00   $0.00   CO-197", "taltz"),
            # a generic with no known stem beside a brand no dictionary holds
            ("Drug you asked for: valbenazine (Ingrezza) 40 mg capsules, 1 daily", "ingrezza"),
            ("Medication: tenapanor hydrochloride 50 mg tablet (Ibsrela), twice daily", "ibsrela"),
            # a capitalised or all-capitals generic before the brand
            ("Omalizumab (Xolair) is covered for allergic asthma when all criteria are met.", "xolair"),
            ("01  04/11/2026  J3590  GUSELKUMAB INJ 100 MG (TREMFYA)   1   $11,200.00   CO-50", "tremfya"),
            # everyday words on a subject line are skipped
            ("RE: Second-level appeal decision - Kerendia 20 mg tablet\nYour appeal is denied.", "kerendia"),
            # a brand followed by its form in running text
            ("We reviewed the claim for your Cablivi injection and cannot pay it.", "cablivi"),
            ("You asked us to pay you back for Filspari that you bought at a retail pharmacy.", "filspari"),
            # a table row's label before the generic, its strength, then the brand
            ("Medication acalabrutinib 100 mg tablet (Calquence)\nDiagnosis mantle cell lymphoma", "calquence"),
            # the name on a claim row right after its drug code
            ("01  02/10/2026  J1302  SUTIMLIMAB-JOME  65  $41,600.00  $0.00  CO-29", "sutimlimab-jome"),
            # a brand in parentheses before its strength
            ("We reviewed antihemophilic factor (recombinant), glycopegylated-exei (Esperoct) 2000 IU.", "esperoct"),
            # a brand before a biologic's description, with the letters that end its name
            ("We received a request for Sevenfact (coagulation factor VIIa recombinant-jncw), 5 mg vials.",
             "sevenfact"),
            ("NovoSeven RT (coagulation factor VIIa, recombinant), HCPCS J7189, 8 mg vials", "novoseven rt"),
            # a brand in square brackets after its description, before the strength
            ("Drug: coagulation factor IX (recombinant) [Ixinity] 1500 IU kit for intravenous injection", "ixinity"),
            # device words between a two-word product name and its generic
            ("Medication:   Ocrevus Zunovo Prefilled Syringe (ocrelizumab and hyaluronidase-ocsq) 920 mg",
             "ocrevus zunovo"),
            ("Drug requested:  Cosentyx UnoReady (secukinumab) 300 mg/2 mL", "cosentyx"),
            # a second capitalised word before the form on a subject line is part of the name
            ("Subject: Darzalex Faspro injection, Lakeshore Oncology\nWe cannot approve this request.", "darzalex faspro"),
            # an alternative the doctor "can ask us to approve instead" is not the drug asked for
            ("Entyvio (vedolizumab) 300 mg IV every 8 weeks.\nThe preferred product is Omvoh (mirikizumab-mrkz). "
             "Your doctor can ask us to approve Omvoh for you instead.", "entyvio"),
            # a claim row whose amounts end in zero was not paid; a row with a payment was
            ("Ln Date     Drug                 Billed    Paid  Code\n"
             "1  03/20/26 RIZATRIPTAN 10MG TAB   21.50   11.50  A1\n"
             "2  01/09/26 NURTEC 75MG ODT      1,048.37    0.00  T4", "nurtec"),
        ],
    )
    def test_other_ways_letters_name_the_drug(self, text: str, brand: str) -> None:
        assert _drug(text) == brand

    @pytest.mark.parametrize(
        ("text", "brand"),
        [
            ("Request:       Lemtrada (alemtuzumab) 12 mg IV daily for 5 days\nThe plan covers Ocrevus first.", "lemtrada"),
            ("Drug:  tildrakizumab extended-use (ILUMYA) 100 mg/mL syringe\nIlumya is not covered.", "ilumya"),
            ("1  04/02/26  J3590  INEBILIZUMAB CDON (UPLIZNA)    1   $4,100.00   $0.00   M20", "uplizna"),
            ("We reviewed the claim for Alhemo given in the clinic. Alhemo is a monoclonal antibody used to "
             "prevent bleeding.", "alhemo"),
        ],
    )
    def test_more_ways_letters_name_the_drug(self, text: str, brand: str) -> None:
        assert _drug(text) == brand

    def test_the_drug_asked_for_beats_a_listed_alternative_named_later(self) -> None:
        # Dupixent is in the lexicon; the letter is about the drug it names first.
        text = ("Drug requested:\n   Ebglyss Pen 250 mg/2 mL (lebrikizumab-lbkz), 1 pen every 4 weeks\n\n"
                "The drug list covers Dupixent (dupilumab) for atopic dermatitis instead.")
        assert _drug(text) == "ebglyss"

    def test_the_denied_claim_row_beats_a_paid_one(self) -> None:
        text = ("Rx number  Fill date   Drug                        Qty   Billed     Paid   Status\n"
                "4417720    05/28/2026  ROSUVASTATIN 10MG TAB       30    $18.40     $8.40  Paid\n"
                "3902156    06/08/2026  ZEPBOUND 5MG/0.5ML PEN      2     $1,086.00  $0.00  Denied  CO-29\n")
        assert _drug(text) == "zepbound"

    def test_a_hyphenated_surname_on_the_re_line_is_not_a_drug(self) -> None:
        text = ("RE:   Lucien P. Arceneaux-Dufresne        DOB 03/02/1961\n"
                "Medication: maralixibat 9.5 mg/mL oral solution (Livmarli)")
        assert _drug(text) == "livmarli"

    def test_a_patient_named_after_a_label_word_on_the_re_line_is_not_a_drug(self) -> None:
        text = ("Re:   Patient Gordon Kaczmarek-Lindqvist, 14 Elm Court, Lansing, MI 48910\n"
                "We reviewed the request for\n      Kovaltry 2000 IU kit, 3 times a week")
        assert _drug(text) == "kovaltry"

    def test_a_business_named_for_infusions_is_not_a_drug(self) -> None:
        text = "Provider: Brightwater Infusion and Rheumatology PLLC\nCO-29: The time limit for filing has expired."
        assert _drug(text) is None

    def test_an_acronym_in_parentheses_is_not_a_brand(self) -> None:
        text = "Plan: SummitCare, a self-funded group plan administered by Keystonia (ERISA)\nCO-16: claim lacks information."
        assert _drug(text) is None

    def test_no_drug_named(self) -> None:
        assert _drug("Your claim was received after the filing deadline. Please call us with questions.") is None

    def test_codes_and_payer_lines_are_not_drugs(self) -> None:
        assert _drug("Product: Humana Gold Plus (HMO)\nCO-197: Precertification absent.\nJ3590 billed.") is None


class TestBluePlans:
    @pytest.mark.parametrize(
        ("text", "payer"),
        [
            ("BlueCross BlueShield of Vermont", "bcbs-vt"),
            ("Highmark Blue Cross Blue Shield Delaware", "bcbs-de"),
            ("Highmark Blue Shield", "bcbs-pa"),
            ("Regence BlueCross BlueShield of Oregon", "bcbs-or"),
            ("Arkansas Blue Cross and Blue Shield", "bcbs-ar"),
            ("Anthem Blue Cross and Blue Shield of Maine", "anthem"),
            ("Magnolia Health", "centene"),
        ],
    )
    def test_state_plans(self, text: str, payer: str) -> None:
        assert [m.payer.id for m in payer_directory().find_all(f"{text}\nP.O. Box 100")] == [payer]

    def test_association_is_no_plan(self) -> None:
        assert payer_directory().find_all("An independent licensee of the Blue Cross and Blue Shield Association.") == []


def test_contractions_are_spelled_out() -> None:
    assert expand_contractions("We don't have it; it isn't covered, can't be paid and won't be. Cigna's plan") == (
        "We do not have it; it is not covered, cannot be paid and will not be. Cigna's plan"
    )


def _facts(text: str):  # noqa: ANN202 - DenialFacts
    return extract(parse(text.encode(), name="a.txt"))


class TestMemberId:
    def test_plan_number_beats_the_state_id(self) -> None:
        facts = _facts("Medicaid ID: 6218835071\nMolina member ID: MHW-118240093\n\nYour request is denied.")
        assert facts.member_id == "MHW-118240093"

    def test_plan_named_id_label(self) -> None:
        assert _facts("Group ID: 771203\nHighmark ID:   XHP612330457\n\nDenied.").member_id == "XHP612330457"

    def test_state_id_when_it_is_the_only_one(self) -> None:
        assert _facts("Medi-Cal ID (CIN): 93120487F\n\nDenied.").member_id == "93120487F"


class TestDeadline:
    def test_plan_answer_times_and_later_levels_are_not_the_deadline(self) -> None:
        text = ("We denied the request.\n\nYour appeal rights\nYour doctor may call us within 14 days for a peer-to-peer "
                "review. If you disagree, you may ask us to reconsider within 6 months of this letter. We will "
                "respond within 30 days. You may ask OPM to review it within 90 days after our reconsideration decision.")
        assert _facts(text).stated_deadline_days is None

    def test_days_deadline_after_a_call_window(self) -> None:
        text = ("We denied the request.\n\nYour doctor may discuss this with our reviewer within 14 days.\n"
                "You have 180 days from the date you receive this letter to file an appeal.")
        assert _facts(text).stated_deadline_days == 180


class TestServiceDate:
    @pytest.mark.parametrize(
        "sentence",
        [
            "On 04/06/2026 we received a request from Dr. Lee for Sotyktu.",
            "Request type: Expedited coverage determination, received 04/06/2026 at 9:40 a.m.",
            "Before your visit on 04/06/2026, no approval was requested.",
            "Your doctor sent the request from your prescriber on 04/06/2026 for coverage of Sotyktu.",
        ],
    )
    def test_request_and_visit_dates(self, sentence: str) -> None:
        assert str(_facts(f"Letter date: 04/20/2026\n\n{sentence} We cannot approve it.").service_date) == "2026-04-06"


def test_two_word_product_name() -> None:
    assert _drug("Service: Simponi Aria (golimumab) 2 mg/kg IV every 8 weeks") == "simponi aria"
    # a code or a request word before the brand is not part of its name
    assert _drug("1  J1745  Remicade (infliximab) 100 mg  $1,200.00") == "remicade"


def test_service_date_from_the_first_claim_row() -> None:
    text = ("Remittance advice\nDOS         Code   Units  Billed     Paid\n"
            "11/03/2026  J3111  21     $4,190.00  $0.00\n\nThe claim is denied.")
    assert str(_facts(text).service_date) == "2026-11-03"


class TestSentences:
    def test_titles_and_abbreviations_end_no_sentence(self) -> None:
        text = "Dr. Lena Ortiz asked for Tepezza. The U.S. Food and Drug Administration approved it in 2020."
        assert [s.text for s in sentences(text)] == [
            "Dr. Lena Ortiz asked for Tepezza.", "The U.S. Food and Drug Administration approved it in 2020."
        ]

    @pytest.mark.parametrize(
        "text",
        [
            ("Your records show the highest dose of allopurinol that you can take has kept your uric acid below 6. "
             "You may appeal this decision within 60 days."),
            # "could" offers a right only with the right's verb
            ("Our doctors decided the risk is bigger than the help you could expect, so the drug is not safe for "
             "you now. You could also ask for an independent review of this decision."),
        ],
    )
    def test_what_a_patient_can_take_or_expect_is_not_a_rights_notice(self, text: str) -> None:
        first, second = sentences(text, len(text))
        assert not first.in_rights_notice
        assert second.in_rights_notice

def test_line_bounds() -> None:
    text = "first line\nsecond line here\nlast"
    start = text.index("line here")
    assert text[slice(*line_bounds(text, start))] == "second line here"
    assert text[slice(*line_bounds(text, text.index("first"), text.index("here")))] == "first line\nsecond line here"
    assert text[slice(*line_bounds(text, text.index("last")))] == "last"  # the last line has no newline
    assert line_bounds(text, 0) == (0, text.index("\n"))


class TestPipeCell:
    """A reason chosen inside a "|"-ruled table is the cell that states it."""

    TABLE = ("Summary of this claim\n"
             "+------+------------+-------+--------------------------------------------------+\n"
             "| Line | Date       | Code  | Item                                             |\n"
             "| 1    | 09/08/2026 | J9355 | trastuzumab 440 mg                               |\n"
             "|      |            |       | Why not paid: 600 units billed for 600 mg; code is per 10 mg |\n"
             "| 2    | 09/08/2026 | 96413 | Chemo infusion, first hour                       |\n"
             "+------+------------+-------+--------------------------------------------------+\n"
             "What this means for you\n")

    def _cell(self, text: str) -> str:
        from appealgen.knowledge.letter_reason import pipe_cell
        from appealgen.models import Span
        from appealgen.stages.classify import first_cue

        sents = sentences(text)
        start, end = text.index("+---"), text.rindex("+") + 1
        span = pipe_cell(text, Span(start=start, end=end, text=text[start:end]), lambda a, b: first_cue(sents, a, b))
        assert text[span.start : span.end] == span.text
        return span.text

    def test_the_cell_with_the_reason_without_its_label(self) -> None:
        assert self._cell(self.TABLE) == "600 units billed for 600 mg; code is per 10 mg"

    def test_a_table_without_a_reason_is_left_whole(self) -> None:
        text = self.TABLE.replace("Why not paid: 600 units billed for 600 mg; code is per 10 mg", "Paid in full")
        assert self._cell(text).startswith("+---") and self._cell(text).endswith("+")
