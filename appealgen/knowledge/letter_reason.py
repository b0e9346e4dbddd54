"""Where a denial letter states its reason: the sentences the decision rests on.

Letters announce the decision ("Your request has been denied."), give the reason, then
say what to do next and what the member's rights are. The reason is the run of the
letter's own prose with the most reason words, without the announcement before it or
the next steps after it; a remittance's reason is its adjustment-code line.
"""

from __future__ import annotations

import re

from appealgen.knowledge.letter_layout import Sentence, ocr_tolerant
from appealgen.models import Span

# Words that state a denial or its reason; a sentence's count of distinct cues is its score.
_REASON_CUES = re.compile(ocr_tolerant(
    r"\b(?:denied|deny|denial|not (?:medically necessary|covered|approved|eligible)|unable to approve|"
    r"cannot approve|can ?not be approved|not been approved|reason|because|does not meet|do not meet|"
    r"did not meet|not met|excluded|exclusions?|experimental|investigational|unproven|non-?formulary|formulary|drug list|"
    r"out[- ]of[- ]network|network|participating|not received|did not (?:receive|get|include|send)|not (?:been )?(?:sent|included|provided)|"
    r"incomplete|invalid|exceeds?|more than|limit|expired|requires?|required|criteria|policy|"
    r"not (?:show|documented)|no (?:records?|claims?|notes?|documentation|evidence|history)|trial|tried|covers?|covered|only (?:for|when|after|if)|asked for|doses?|primary payer|other (?:health )?insurance|pay first|"
    r"coordination of benefits|preferred|step therapy|must (?:first )?try|site of care|setting|center|"
    r"authorization|eligib\w*|coverage ended|terminated|billed|units|codes?|NDC|filing|FDA|indications?|compendia|"
    r"not a covered benefit|weight loss|[A-Z]{2}-\d{1,3})\b"),
    re.IGNORECASE,
)
_DECISION_WORDS = {"denied", "deny", "denial", "not approved", "unable to approve", "cannot approve", "not been approved", "reason", "because"}
_CARC_LINE = re.compile(r"^(?:[A-Za-z ]{0,25}:\s*)?(?:CO|PR|OA|PI|CR)[- ]?\d{1,3}\s*:")
_NEXT_STEPS = re.compile(r"^(?:if|a new request|you can still|please|once|when)\b", re.IGNORECASE)


def reason_span(text: str, sents: list[Sentence]) -> Span | None:
    """The sentences that state why the letter denies: the best-scoring run of decision prose, trimmed.

    PDF text keeps no blank lines, so a run ends at anything that is not the letter's
    own prose: a field, a heading, a table row, the rights notice.
    """
    best: tuple[float, list[Sentence]] | None = None
    for run in _prose_runs(sents):
        score = sum(_reason_score(s) for s in run)
        if score > 0 and (best is None or score > best[0]):
            best = (score, run)
    if best is None:
        return None
    chosen = best[1]
    if _CARC_LINE.match(chosen[0].text):
        chosen = chosen[:1]  # a remittance's reason is its code line
    while len(chosen) > 1 and (_is_announcement(chosen[0]) or not _reason_score(chosen[0]) or _NEXT_STEPS.match(chosen[0].text)):
        chosen = chosen[1:]
    while len(chosen) > 1 and (not _reason_score(chosen[-1]) or _NEXT_STEPS.match(chosen[-1].text)):
        chosen = chosen[:-1]
    return Span(start=chosen[0].start, end=chosen[-1].end, text=text[chosen[0].start : chosen[-1].end])


def _cues(s: Sentence) -> set[str]:
    return {m.group(0).lower() for m in _REASON_CUES.finditer(s.text)}


def _is_announcement(s: Sentence) -> bool:
    """"The request has been denied.": the decision, with no reason in it."""
    return s.text.endswith("?") or not (_cues(s) - _DECISION_WORDS)


def _reason_score(s: Sentence) -> float:
    if _CARC_LINE.match(s.text):
        return 2.0
    if len(s.text.split()) < 4:
        return 0.0
    return len(_cues(s)) * (0.3 if _is_announcement(s) else 1.0)


def _prose_runs(sents: list[Sentence]) -> list[list[Sentence]]:
    runs: list[list[Sentence]] = [[]]
    for s in sents:
        words = re.findall(r"[A-Za-z][A-Za-z'-]+", s.text)
        # Short pieces ("We asked Dr.") neither count as prose nor end a run.
        short = len(words) < 4 and not re.search(r"\d", s.text)
        prose = short or sum(w.islower() for w in words) >= 0.5 * len(s.text.split())
        heading = s.text.endswith("?")  # "Why did we deny your request?"
        if s.in_rights_notice or heading or (s.is_field and not _CARC_LINE.match(s.text)) or not (prose or _CARC_LINE.match(s.text)):
            runs.append([])
        else:
            runs[-1].append(s)
    return [r for r in runs if r]
