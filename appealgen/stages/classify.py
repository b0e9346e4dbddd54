"""classify: a letter + its facts -> DenialBasis[] (multi-label, primary first, with evidence)."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Protocol

from appealgen.knowledge.basis_rules import BASIS_RULES
from appealgen.knowledge.codes import carc_table
from appealgen.knowledge.letter_layout import Sentence, expand_contractions, line_bounds, ocr_tolerant, sentences
from appealgen.models import DenialBasis, DenialFacts, ParsedDocument, Span
from appealgen.stages.reason_model import shipped_reader

# Scanned letters misread letters ("rn" for "m"): every pattern accepts the lookalikes.
# Line breaks count as spaces.
_COMPILED = [(b, re.compile(ocr_tolerant(p).replace(" ", r"\s+"), re.IGNORECASE), w) for b, p, w in BASIS_RULES]
_NEGATED = re.compile(
    r"\bnot (?:a (?:decision|determination|review) (?:on|about|of) |on |based on |because of |due to |about )?(?:a |an |the )?(?:review of |determination of )?$",
    re.IGNORECASE,
)
# A cue inside a condition ("... if your prescriber tells us why the preferred products are not
# appropriate") states what could change the decision, not why it was made.
# "the letter of medical necessity" names a document the provider sent, not a reason.
_DOCUMENT_NAME = re.compile(r"\b(?:letter|statement|certificate) of\s+$", re.IGNORECASE)
# 'the section "Exclusions, Limitations, Coordination of Benefits, and Reductions"': a heading's name.
_SECTION_NAME = re.compile(r"\b(?:section|chapter|article|part),? (?:titled |called |named |entitled )?[\"\u201c][^\"\u201d]*$", re.IGNORECASE)
# "... is available for denials based on medical necessity", "claims denied for eligibility should be
# corrected", "this process also applies to claim denials made for medical necessity": a kind of decision
# named, not this one's reason; "this is not a finding that the medicine is not medically necessary",
# "we did not decide that your child does not need this medicine" say what the decision is not. Scanned letters misread these words too ("Clairns").
_HEDGED = re.compile(ocr_tolerant(
    r"\b(?:if|unless|whether|why|(?:denials|decisions|cases) (?:made )?(?:based on|about|involving|for)|(?:claims|requests|services) denied (?:for|because of|due to)"
    r"|not an? (?:finding|decision|determination|judgment) (?:that|about|on)|(?:did|do|does) not (?:decide|find|say|conclude) that)\b[^.;:]*$"),
    re.IGNORECASE,
)
_THRESHOLD = 1.5
# The learned reason model answers only when it is at least this sure (see _learned_basis).
_LEARNED_FLOOR = 0.3
# ... and it names the primary basis over the rules' choice only when it is this sure (see
# _learned_primary). Chosen on the nine writer batches dev11..dev19, each scored by the code and
# model of the day it arrived (fresh to both): 270 of 312 primaries right; with the model first
# at 0.95, 277 (7 mended, none lost); at 0.90, 276 (1 lost); at 0.80, 269 (11 lost). Leaving one
# split out on the 665 tuning letters with the rules of 2026-11-23 (fitted to them, so few left to
# mend): 3 mended, 3 lost at 0.95 (a multi-basis reason read as its second basis); 0 lost at 0.99.
_LEARNED_PRIMARY = 0.95
# "Your plan does not cover services that are experimental": in one sentence, the exclusion
# is how the experimental-treatment decision is applied, not a second reason; likewise a
# guideline that "requires" a setting states a site-of-care reason, not a clinical one.
# "A drug that is not on the list is not covered under your plan's prescription benefit": beside a
# formulary cue, the benefit words say what leaving a drug off the list means.
_SUBSUMED_BY = {"benefit_exclusion": {"experimental_investigational", "formulary_exclusion"}, "medical_necessity": {"site_of_care"}}
# "Payment was not received by the end of the grace period" is about premiums, not records.
_VETO = {
    # "Corrected claims must be submitted within 180 days of the date of service": a remittance's standing
    # instruction, not a finding that this claim was miscoded (dev20).
    "coding_billing_error": re.compile(r"\bcorrected claims? (?:must|should|may|can) be (?:submitted|sent|filed|received) within\b", re.IGNORECASE),
    # "A request for reconsideration of this claim must be received within 90 days": an appeal deadline.
    "timely_filing": re.compile(r"\b(?:appeal|reconsideration|redetermination|grievance)s?\b|\bcorrected claims?\b", re.IGNORECASE),
    # "Ambetter covers other treatments ... without prior authorization": no approval is needed there.
    "prior_authorization_required": re.compile(
        r"\b(?:covers?|covered|available|offers?)\b[^.]{0,200}\bwithout (?:a |any )?(?:prior )?(?:authori[sz]ation|approval)", re.IGNORECASE
    ),
    "missing_information": re.compile(
        r"\b(?:premiums?|payments? (?:was|were|is|are|had|has)|grace period|until|(?:showing|to show|explaining|explain) why)\b", re.IGNORECASE
    )
}
_UNTICKED = re.compile(r"(?:\[\s?\]|\(\s?\)|\u2610)[^\[\]\u2610\u2611\u2612]*")
_CODE_GLOSS = re.compile(
    r"\b(?:CARC|RARC|(?:adjustment|reason|remark) codes?|(?:CO|PR|OA|PI)[- ]?\d{1,3}|(?-i:[MN]A?\d{1,3}))\b|^\s*\d{1,3}\s+[-:]\s", re.IGNORECASE
)


@dataclass(frozen=True)
class _Cue:
    """The matches of one rule in one decision sentence."""

    basis: str
    weight: float
    count: int
    sentence: Sentence
    position: tuple[int, int]  # (sentence number, offset of the first match): where it is stated

    @property
    def strong(self) -> bool:
        return self.weight >= _THRESHOLD

    @property
    def gain(self) -> float:
        return self.weight * (1.0 + 0.25 * (self.count - 1))


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

    Cues are read in the letter's decision sentences, never its rights notice. A weak cue
    ("preferred product", "plan does not cover") follows many other reasons too, so it counts
    only when the decision text has no strong cue. CARC codes count as cues of their basis.

    Args:
        doc: the parsed letter (evidence spans point into doc.text).
        facts: extracted facts (CARC codes count as evidence).
    """
    cues = _cues(sentences(doc.text))
    weak_counts = not any(c.strong for c in cues)
    scores: dict[str, float] = {}
    evidence: dict[str, tuple[float, Span, tuple[int, int]]] = {}
    first: dict[str, tuple[int, int]] = {}  # where each basis is first stated
    for cue in cues:
        if not (cue.strong or weak_counts):
            continue
        scores[cue.basis] = scores.get(cue.basis, 0.0) + cue.gain
        first.setdefault(cue.basis, cue.position)
        best = evidence.get(cue.basis)
        if best is None or cue.gain > best[0]:
            sent = cue.sentence
            evidence[cue.basis] = (cue.gain, Span(start=sent.start, end=sent.end, text=sent.text), cue.position)
    _add_carc(doc.text, facts.codes.carc, scores, evidence)
    chosen = [b for b, s in scores.items() if s >= _THRESHOLD and b in evidence]
    if not chosen and evidence:
        # A denial always has a reason: with no cue over the threshold, the best one found is it.
        chosen = [max(evidence, key=lambda b: scores[b])]
    # Primary: the basis the letter states first (its main reason comes first); a basis
    # known only from an adjustment code comes after those the letter's words state. Two bases
    # first stated in one sentence go by the letter's whole support for each, then by position.
    def order(b: str) -> tuple[int, float, int]:
        sentence, offset = first.get(b, evidence[b][2])
        return sentence, -scores[b], offset

    chosen.sort(key=order)
    found = [
        DenialBasis(
            id=b,
            confidence=round(1.0 - math.exp(-scores[b] / 2.0), 3),
            evidence=evidence[b][1],
        )
        for b in chosen
    ]
    return _learned_primary(found, facts) if found else _learned_basis(facts)


def _learned_basis(facts: DenialFacts) -> list[DenialBasis]:
    """When no rule reads a basis, the learned reason model names the one the reason states.

    Its evidence is the reason span the extractor found, and its confidence the model's
    probability; below _LEARNED_FLOOR the letter is left without a basis rather than guessed.
    """
    read = _read_reason(facts)
    return [read[0]] if read is not None and read[1] >= _LEARNED_FLOOR else []


def _learned_primary(found: list[DenialBasis], facts: DenialFacts) -> list[DenialBasis]:
    """The learned reason model's basis first, when it is all but sure the reason states it.

    The rules order bases by where the letter first states them, so words of another basis met
    before the reason (an approval the request went through, a pharmacy named in passing) can
    lead, and a reason in words the rules lack leaves its basis out. The model reads the
    reason the extractor found; at _LEARNED_PRIMARY or above its basis leads (the rules' own
    finding of it if they have one, else the model's, with the reason as its evidence), and the
    rules' other bases follow.
    """
    read = _read_reason(facts)
    if read is None or read[1] < _LEARNED_PRIMARY or read[0].id == found[0].id:
        return found
    lead = next((b for b in found if b.id == read[0].id), read[0])
    return [lead, *(b for b in found if b.id != lead.id)]


def _read_reason(facts: DenialFacts) -> tuple[DenialBasis, float] | None:
    """The basis the learned model reads in the extracted reason (the reason as its evidence), and
    the model's probability for it; None when there is no reason or no model."""
    span = facts.spans.get("denial_reason")
    if facts.denial_reason is None or span is None:
        return None
    reader = shipped_reader()
    if reader is None:
        return None
    # The model was trained on reasons with their whitespace collapsed, as facts.denial_reason is.
    basis, probability = reader.read(facts.denial_reason)
    return DenialBasis(id=basis, confidence=round(probability, 3), evidence=span), probability


def stated_bases(sent: Sentence) -> set[str]:
    """The bases a decision sentence states with a strong cue (none for fields and the rights notice)."""
    return {c.basis for c in _cues([sent]) if c.strong}


def first_cue(sents: list[Sentence], start: int, end: int) -> int | None:
    """Where the first strong cue in the decision sentences between start and end begins (an offset into text)."""
    strong = [c for c in _cues([s for s in sents if s.start < end and start < s.end]) if c.strong]
    first = min(strong, key=lambda c: c.position, default=None)
    return None if first is None else first.sentence.start + first.position[1]


def _cues(sents: list[Sentence]) -> list[_Cue]:
    """Every rule's matches in each decision sentence (fields and the rights notice skipped)."""
    cues: list[_Cue] = []
    for order, sent in enumerate(sents):
        if sent.in_rights_notice or sent.is_field:
            continue
        for basis, weight, count, first in _sentence_cues(sent.text):
            cues.append(_Cue(basis, weight, count, sent, (order, first)))
    return cues


# "Some medicines need approval before Molina will pay for them", "Aetna checks some medicines before
# we cover them": the plan's review program described, for every drug it covers; what this letter
# decides comes after.
_SOME_ITEMS = r"some (?:specialty |prescription |high-cost )?(?:medicines|medications|drugs|services|prescriptions|treatments|items)\b"
_PROGRAM = re.compile(rf"^(?:[-*\u2022] ?)?{_SOME_ITEMS}|\b{_SOME_ITEMS}[^.]{{0,60}}?\bbefore\b", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def _sentence_cues(sentence: str) -> tuple[tuple[str, float, int, int], ...]:
    """(basis, weight, count, first offset) of the rules a sentence's text states.

    Cached by text: the extractor asks for a sentence's bases (to find the reason) before
    classify reads the same sentences.
    """
    if _PROGRAM.search(sentence):
        return ()
    # An unticked box ("[ ] The service is not medically necessary") is a reason not given.
    text = _UNTICKED.sub(" ", expand_contractions(sentence))
    # A remittance line that glosses its adjustment codes repeats each code's catalogue
    # wording ("lacks information or has billing errors"); the codes count on their own
    # (see _add_carc), so such words alone do not settle a basis.
    scale = 0.5 if _CODE_GLOSS.search(text) else 1.0
    matches = [
        (basis, weight * scale, m)
        for basis, pattern, weight in _COMPILED
        for m in pattern.finditer(text)
        if not _qualified(text, m.start())
    ]
    found = _most_specific(matches)
    present = {basis for basis, _ in found}
    return tuple(
        (basis, weight, count, first)
        for (basis, weight), (count, first) in found.items()
        if not (present & _SUBSUMED_BY.get(basis, set()) or (basis in _VETO and _VETO[basis].search(text)))
    )


def _qualified(text: str, at: int) -> bool:
    """Whether the words before a cue negate, hedge or name it ("not based on", "if", "letter of", a section's title).

    A line break counts as a space there, as it does in the rules.
    """
    def before(n: int) -> str:
        return re.sub(r"\s+", " ", text[max(0, at - n) : at])

    wide = before(80)
    return bool(_NEGATED.search(before(40)) or _DOCUMENT_NAME.search(before(20)) or _HEDGED.search(wide) or _SECTION_NAME.search(wide))


def _most_specific(matches: list[tuple[str, float, re.Match[str]]]) -> dict[tuple[str, float], tuple[int, int]]:
    """(count, first offset) of the matches per (basis, weight), leaving out each match that
    overlaps a longer match of another basis.

    "excluded from your plan's formulary" reads as a formulary exclusion, not as the
    benefit exclusion its first words ("excluded from your") would suggest.
    """
    found: dict[tuple[str, float], tuple[int, int]] = {}
    for basis, weight, m in matches:
        longer = any(
            other != basis and o.start() < m.end() and m.start() < o.end() and o.end() - o.start() > m.end() - m.start()
            for other, _, o in matches
        )
        if not longer:
            count, first = found.get((basis, weight), (0, m.start()))
            found[(basis, weight)] = (count + 1, min(first, m.start()))
    return found


def _add_carc(
    text: str, carc: list[str], scores: dict[str, float], evidence: dict[str, tuple[float, Span, tuple[int, int]]]
) -> None:
    """Count each CARC/RARC code toward its basis; its line is the evidence when no sentence is."""
    for code in carc:
        entry = carc_table().get(code)
        if not entry:
            continue
        basis = entry["basis"]
        scores[basis] = scores.get(basis, 0.0) + float(entry.get("weight", 2.0))
        if basis not in evidence:
            m = re.search(rf"(?:\b[A-Z]{{2}}[- ]?)?\b{re.escape(code)}\b", text)
            if m:
                line_start, line_end = line_bounds(text, m.start(), m.end())
                evidence[basis] = (2.0, Span(start=line_start, end=line_end, text=text[line_start:line_end]), (10_000, 0))
