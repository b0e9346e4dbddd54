"""classify: a letter + its facts -> DenialBasis[] (multi-label, primary first, with evidence)."""

from __future__ import annotations

import math
import re
from typing import Protocol

from appealgen.knowledge.codes import carc_table
from appealgen.knowledge.letter_layout import ocr_tolerant, sentences
from appealgen.models import DenialBasis, DenialFacts, ParsedDocument, Span

# (basis, pattern, weight). Patterns read the letter's decision text, never its rights notice.
_RULES: list[tuple[str, str, float]] = [
    ("medical_necessity", r"not (?:considered |deemed )?medically necessary|medical(?:ly)? necess|"
     r"(?:does|do|did) not meet (?:the |our |your plan's |plan )?(?:medical necessity |clinical |coverage )?(?:criteria|guidelines|requirements)|"
     r"criteria (?:were|was|are|is|have not been|has not been) not? ?met|not meet (?:the )?(?:clinical|medical) criteria|"
     r"(?:our|the) (?:clinical |medical |coverage )?(?:policy|policy bulletin|criteria|guidelines?) requires? (?:a|an|that|at least)", 2.0),
    ("experimental_investigational", r"experimental|investigational|unproven|not proven|"
     r"insufficient (?:clinical |scientific )?evidence (?:of|to support|that)|considered (?:to be )?(?:unproven|experimental)", 2.5),
    ("off_label", r"off[- ]label|not (?:FDA[- ])?approved (?:by the FDA )?(?:for|to treat)|outside (?:of )?(?:the )?(?:FDA[- ]approved|labeled|approved)|"
     r"(?:FDA[- ])?(?:labeled|approved) indications?|compendi(?:a|um)|not an? (?:FDA[- ]approved|labeled) (?:use|indication)", 2.0),
    ("step_therapy", r"step therapy|step[- ]edit|(?:try|tried) (?:and fail|first)|trial (?:and failure )?of (?:at least|two|one|a )|"
     r"first[- ]line|prerequisite (?:drug|therapy)|"
     r"must (?:first )?(?:try|have tried|use)|(?:requires?|required) (?:that )?(?:you |members? )?(?:to )?(?:first )?(?:try|use)|try \w+ first|"
     r"(?:do|does|did) not show (?:that you (?:have )?tried|an? (?:prior )?trial of)|have tried \w+ for at least|"
     r"before (?:it|we|the plan|your plan) (?:will )?(?:pay|cover|approve)|no (?:record|claims?|history) of (?:a )?(?:trial|use)", 2.0),
    ("step_therapy", r"preferred (?:[\w-]+ ){0,2}(?:alternative|drug|agent|product|medication|biosimilar)s?", 1.0),
    ("missing_information", r"(?:did|have|has) not (?:yet )?(?:receive|received|been received|been provided|been submitted)|not (?:been )?received|"
     r"incomplete|insufficient (?:information|documentation|clinical information|records)|missing (?:documentation|information|records|lab)|"
     r"lack(?:s|ed|ing)? (?:of )?(?:the )?(?:required |necessary |supporting )?(?:documentation|information|records|clinical notes)|"
     r"no (?:medical |clinical )?(?:records|documentation) (?:was|were)|requested (?:information|records|documentation) (?:was|were)|"
     r"(?:were|was) not (?:provided|submitted|included|attached|sent|enclosed)|unable to (?:make a determination|complete (?:the|our) review)|"
     r"documentation (?:was|is) not|without (?:the )?(?:requested|required) (?:records|documentation|information)|"
     r"did not (?:send|provide|submit|get)(?: us)? (?:the |this |all )?(?:information|records|documentation|medical records)|"
     r"we did not (?:get|receive) (?:this|the|these)", 2.0),
    ("prior_authorization_required", r"(?:prior|pre-?)\s?(?:authori[sz]ation|approval|certification)\s+(?:was |is )?(?:not (?:obtained|requested|on file|received)|required)|"
     r"without (?:a |an |the )?(?:required )?(?:prior |pre-?)?(?:authori[sz]ation|approval|precertification|certification)|"
     r"no (?:prior |pre-?)?authori[sz]ation (?:was|is|on file)|precertification (?:was )?not|"
     r"not (?:prior )?authori[sz]ed (?:before|prior)|before (?:the )?(?:service|infusion|treatment) (?:was|is) (?:given|provided|rendered)", 2.0),
    ("site_of_care", r"site of (?:care|service)|not an? (?:approved|qualified|designated|certified|authorized) (?:gene therapy )?(?:treatment )?(?:center|facility|site|provider)|"
     r"(?:qualified|approved|designated|certified) (?:gene therapy |hemophilia )?(?:treatment )?centers?|centers? of excellence|"
     r"place of service|(?:infusion|treatment) (?:site|setting|location|facility) (?:is|was) not|lower[- ]cost (?:site|setting)|"
     r"hospital outpatient (?:setting|department)|preferred (?:site|infusion center|facility)", 2.0),
    ("out_of_network", r"out[- ]of[- ]network|non[- ]?participating|not (?:a )?(?:contracted|participating|in[- ]network) (?:provider|facility|physician|pharmacy)|"
     r"not (?:in|part of) (?:our|the plan's|your plan's|your) network|not contracted|outside (?:of )?(?:your |the )?(?:plan's )?network", 2.0),
    ("benefit_exclusion", r"(?:is |are )?(?:specifically )?excluded (?:from|under) (?:coverage|your|the)|exclusions? (?:section|list|in your)|"
     r"not a covered (?:benefit|service)|(?:policy|contract) does not (?:cover|provide coverage|include coverage)|"
     r"benefit exclusion|non-?covered (?:service|benefit)|no coverage (?:for|under)|is not covered under (?:your|the) (?:plan|policy|benefit)|"
     r"not (?:a )?covered under your (?:benefit|plan|policy)|"
     r"(?:cannot|can not|can't|does not|do not|may not) cover (?:drugs|medications|services|treatments?) (?:when|that are|used|for)|"
     r"used for weight loss|excluded (?:from|under) (?:Part D|Medicare)", 2.0),
    # "Your plan does not cover ..." follows many other reasons too: alone it is not enough.
    ("benefit_exclusion", r"plan does not (?:cover|provide coverage|include coverage)", 1.0),
    ("formulary_exclusion", r"not (?:on|included (?:on|in)|listed on) (?:the |our |your (?:plan's )?)?(?:formulary|drug list|preferred drug list)|"
     r"non[- ]?formulary|formulary exception|non[- ]?preferred (?:drug|brand|product|medication)|excluded from (?:the )?formulary|"
     r"(?:formulary|drug list) (?:exclusion|does not include)|not covered (?:by|on|under) (?:the |our |your )?(?:plan's )?(?:formulary|drug list)", 2.5),
    ("quantity_limit", r"quantity limit|exceeds? (?:the )?(?:plan's |our |allowed |maximum |approved )?(?:quantity|dose|dosage|dosing|limit|maximum|number of)|"
     r"more than (?:the )?(?:allowed|maximum|permitted|approved)|(?:dose|dosing|frequency) (?:limit|exceeds)|units? (?:billed )?exceed|"
     r"(?:lifetime|per lifetime|once per lifetime) (?:limit|maximum)|one[- ]time (?:dose|treatment) (?:limit|per lifetime)|"
     r"maximum (?:allowed |allowable )?(?:units|quantity|dose)|above the (?:labeled|approved|maximum) (?:dose|quantity)|"
     r"more than (?:the|your) plan(?:'s)? (?:allows|covers|limit)|requested (?:amount|quantity|dose|number of doses) is more than|"
     r"(?:covers|allows) (?:\d+|one|two) (?:pens?|doses?|units?|vials?|syringes?) (?:every|per)", 2.0),
    ("coding_billing_error", r"(?:diagnosis|procedure|HCPCS|NDC|ICD-?10(?:-CM)?|billing|revenue) codes? (?:(?:is|was|were|are) )?(?:invalid|incorrect|not valid|inconsistent|mismatch|does not match|did not match|do not match|not (?:appropriate|supported))|"
     r"(?:invalid|incorrect|mismatched|missing|wrong) (?:diagnosis|procedure|HCPCS|NDC|ICD-?10|billing) (?:code|number)|"
     r"(?:incorrect|invalid|wrong) (?:number of )?units|coding (?:error|issue|discrepancy)|billed (?:with|under|using) (?:an? )?(?:incorrect|invalid|diagnosis)|"
     r"corrected claim|does not support the (?:billed )?(?:drug|procedure|service)|inconsistent with the (?:procedure|diagnosis)|"
     r"not consistent with the (?:billed|diagnosis)|billed (?:with|as) \d+ units?|must be billed (?:as|with|under)|"
     r"(?:did not include|missing|without) the (?:National Drug Code|NDC)|reported per \d+", 2.5),
    ("timely_filing", r"timely filing|filing (?:limit|deadline|time limit)|(?:received|submitted|filed) (?:after|past|beyond|outside) (?:the|our)|"
     r"time limit for filing|filed (?:too )?late|not (?:filed|submitted|received) within (?:the )?\d+|"
     r"after the \d+[- ]day (?:filing )?(?:limit|period|deadline)", 2.5),
    ("eligibility", r"not (?:an )?eligible|ineligib|eligibility|coverage (?:was |had )?(?:terminated|ended|inactive|lapsed|not (?:in effect|active))|"
     r"(?:was |were )?not (?:enrolled|covered|active) (?:(?:on|as of) (?:the )?(?:date|\d)|at the time)|\btermination date|coordination of benefits|"
     r"other (?:health )?insurance (?:is|was) primary|primary (?:payer|insurance|insurer|carrier|plan) (?:is|must)|"
     r"not (?:an )?(?:active|current) member|membership (?:ended|terminated)", 2.0),
]
# Scanned letters misread letters ("rn" for "m"): every pattern accepts the lookalikes.
# Line breaks count as spaces.
_COMPILED = [(b, re.compile(ocr_tolerant(p).replace(" ", r"\s+"), re.IGNORECASE), w) for b, p, w in _RULES]
_NEGATED = re.compile(r"\bnot (?:on |based on |because of |due to )?(?:a |an |the )?(?:review of |determination of )?$", re.IGNORECASE)
_THRESHOLD = 1.5


class BasisClassifier(Protocol):
    """Anything that reads denial bases from a letter (rules, or rules with an LLM beside them)."""

    def classify(self, doc: ParsedDocument, facts: DenialFacts) -> list[DenialBasis]:
        """Every denial basis the letter states, primary first, each with its evidence span."""
        ...


class RulesClassifier:
    """The deterministic classifier: pattern rules over the letter's decision sentences."""

    def classify(self, doc: ParsedDocument, facts: DenialFacts) -> list[DenialBasis]:
        """See classify()."""
        return classify(doc, facts)


def classify(doc: ParsedDocument, facts: DenialFacts) -> list[DenialBasis]:
    """Find every denial basis the letter states, primary first.

    Args:
        doc: the parsed letter (evidence spans point into doc.text).
        facts: extracted facts (CARC codes count as evidence).
    """
    text = doc.text
    scores: dict[str, float] = {}
    evidence: dict[str, tuple[float, Span, int]] = {}
    weak_seen: set[int] = set()
    for order, sent in enumerate(sentences(text)):
        if sent.in_rights_notice or sent.is_field:
            continue
        for rule, (basis, pattern, weight) in enumerate(_COMPILED):
            hits = [h for h in pattern.finditer(sent.text) if not _NEGATED.search(sent.text[max(0, h.start() - 40) : h.start()])]
            if not hits or (weight < _THRESHOLD and rule in weak_seen):
                continue
            if weight < _THRESHOLD:
                # A weak cue counts once per letter: repeating it does not make it a reason.
                weak_seen.add(rule)
                hits = hits[:1]
            gain = weight * (1.0 + 0.25 * (len(hits) - 1))
            scores[basis] = scores.get(basis, 0.0) + gain
            best = evidence.get(basis)
            if best is None or gain > best[0]:
                evidence[basis] = (gain, Span(start=sent.start, end=sent.end, text=sent.text), order)
    for code in facts.codes.carc:
        entry = carc_table().get(code)
        if not entry:
            continue
        basis = entry["basis"]
        scores[basis] = scores.get(basis, 0.0) + float(entry.get("weight", 2.0))
        if basis not in evidence:
            m = re.search(rf"(?:\b[A-Z]{{2}}[- ]?)?\b{re.escape(code)}\b", text)
            if m:
                line_start = text.rfind("\n", 0, m.start()) + 1
                line_end = text.find("\n", m.end())
                line_end = len(text) if line_end < 0 else line_end
                evidence[basis] = (2.0, Span(start=line_start, end=line_end, text=text[line_start:line_end]), 10_000)
    chosen = [b for b, s in scores.items() if s >= _THRESHOLD and b in evidence]
    # Primary: strongest score; on a tie, the basis stated first.
    chosen.sort(key=lambda b: (-scores[b], evidence[b][2]))
    return [
        DenialBasis(
            id=b,  # type: ignore[arg-type]
            confidence=round(1.0 - math.exp(-scores[b] / 2.0), 3),
            evidence=evidence[b][1],
        )
        for b in chosen
    ]
