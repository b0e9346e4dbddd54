"""Where a denial letter states its reason: the sentences the decision rests on.

Letters announce the decision ("Your request has been denied."), give the reason, then
say what to do next and what the member's rights are. The reason is the run of the
letter's own prose with the most reason words, without the announcement before it or
the next steps after it; a remittance's reason is its adjustment-code line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from appealgen.knowledge.codes import ADJUSTMENT_GROUP
from appealgen.knowledge.letter_layout import Sentence, match_span, ocr_tolerant
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
    r"not a covered benefit|weight loss|(?:must|needs? to|has to) be approved|no (?:prior )?approval|approval (?:is|was) (?:required|needed)|"
    r"[A-Z]{2}-\d{1,3})\b"),
    re.IGNORECASE,
)
_DECISION_WORDS = {"denied", "deny", "denial", "not approved", "unable to approve", "cannot approve", "not been approved", "reason", "because"}
_CARC_LINE = re.compile(rf"^(?:[A-Za-z ]{{0,25}}:\s*)?{ADJUSTMENT_GROUP}[- ]?\d{{1,3}}\s*:")
_NEXT_STEPS = re.compile(r"^(?:if|a new request|you can still|please|once|when)\b", re.IGNORECASE)
# A heading that announces the reason ("Reason for the denial:", "Why we denied your request"):
# the reason is the prose after it.
_REASON_HEADING = re.compile(ocr_tolerant(
    r"^(?:(?:the |our |main )*reasons?(?: for\b[\w ]{0,50})?"
    r"|why (?:we|the plan|your \w+) (?:denied|did not approve|cannot approve|could not approve|is not covered)[\w ]{0,30}"
    r"|why (?:this|the|your) (?:request|claim|drug|service)[\w ]{0,40}|here is why[\w ,]{0,30}|what we decided and why"
    r"|(?:our |the )?decision(?: and (?:the |our )?reasons?(?: for it)?)?|explanation(?: of (?:the|our) (?:decision|denial))?|(?:the |our )?rationale|basis for (?:the|our|this) (?:decision|denial))\s*[:.]?\s*$"),
    re.IGNORECASE,
)
# "Reason: ..." / "The main reason: ...": a labelled reason inside the letter's prose; the label is not the reason.
_REASON_LABEL = re.compile(ocr_tolerant(r"^(?:the |our |main )*(?:reasons?(?: for (?:the |this |our )?(?:denial|decision))?|explanation)\s*:\s*(?=\S)"), re.IGNORECASE)
# What the letter says before its reason: who asked for what, who reviewed it, that it was denied.
_PREAMBLE = re.compile(ocr_tolerant(
    r"\b(?:asked (?:us|the plan|[A-Z]\w+(?: \w+)?) (?:to (?:cover|approve|pay)|for (?:approval|coverage))|asked for approval|"
    r"(?:we|the plan) received (?:a|your|the) request|we are writing|this letter (?:is|explains|tells)|"
    r"reviewed (?:by|the request|your request|the information|your doctor|your records|the records|the office notes)|"
    r"(?:physician|pharmacist|medical director|clinical|doctor) reviewer|board[- ]certified|"
    r"we (?:looked at|reviewed|considered)|(?:urgent|expedited|fast) (?:review|decision|request)|reviewed your request quickly|"
    r"within \d+ hours|(?:decision|determination) was made by)"),
    re.IGNORECASE,
)
# What follows the reason: billing protections, offers of copies, how to send a new request.
_AFTERWORD = re.compile(ocr_tolerant(
    r"\b(?:may not (?:be )?bill|not (?:a|be) bill|contractual adjustments?|(?:free )?cop(?:y|ies) of (?:the|this|these|any)|"
    r"your (?:doctor|prescriber|provider) (?:can|may) (?:send|submit|ask|request|call)|a new request|peer[- ]to[- ]peer|"
    r"(?:decision|determination) was made by|is not a decision on)"),
    re.IGNORECASE,
)
_FIRST_ITEM = re.compile(r"^(?:1[.)]|\(1\)|[-*\u2022])\s")
_NEXT_ITEM = re.compile(ocr_tolerant(r"^(?:[2-9][.)]|\([2-9]\)|[-*\u2022]|(?:a |the )?(?:second|another|other) (?:reason|problem|issue)\b)\s*"), re.IGNORECASE)


def reason_span(text: str, sents: list[Sentence], bases: Callable[[Sentence], set[str]] | None = None) -> Span | None:
    """The sentences that state why the letter denies, trimmed to the reason itself.

    A reason announced by a heading ("Reason for the denial:") is the prose after it;
    otherwise it is the best-scoring run of decision prose. PDF text keeps no blank
    lines, so a run ends at anything that is not the letter's own prose: a field, a
    heading, a table row, the rights notice. A reason given as a numbered or bulleted
    list is its first item: the main reason.

    Args:
        text: the letter.
        sents: its sentences (letter_layout.sentences).
        bases: the denial bases a sentence states (the classifier's cues); a sentence
            that states one weighs more than its reason words alone.
    """
    stated = {s.start: bases(s) if bases else set() for s in sents}
    weight = {s.start: _reason_score(s) + 2.0 * len(stated[s.start]) for s in sents}

    def score(s: Sentence) -> float:
        return weight[s.start]

    runs = _prose_runs(sents)
    announced = _announced(sents, runs, score)
    if span := _trimmed(text, announced, score, announced=True):
        return span
    best = _best_run(runs, score)
    for chosen in (_first_stated(runs, stated) if bases else [], best):
        if span := _trimmed(text, chosen, score):
            return span
    return _trimmed(text, best, score, need_reason=False)


def _trimmed(
    text: str, chosen: list[Sentence], score: Callable[[Sentence], float], need_reason: bool = True, announced: bool = False
) -> Span | None:
    """The reason within a run, without what comes before or after it.

    None if no reason words are left (need_reason). Under a reason heading (announced),
    a sentence without reason words still belongs to the reason.
    """
    if not chosen:
        return None
    if _CARC_LINE.match(chosen[0].text):
        chosen = chosen[:1]  # a remittance's reason is its code line
    while len(chosen) > 1 and (_is_preamble(chosen[0]) or not (announced or score(chosen[0]))):
        chosen = chosen[1:]
    for i, s in enumerate(chosen[1:], 1):
        if _AFTERWORD.search(s.text) or _NEXT_STEPS.match(s.text) or (_FIRST_ITEM.match(chosen[0].text) and _NEXT_ITEM.match(s.text)):
            chosen = chosen[:i]
            break
    if need_reason and not any(score(s) for s in chosen):
        return None
    start = chosen[0].start
    if label := _REASON_LABEL.match(chosen[0].text):
        start += label.end()
    return Span(start=start, end=chosen[-1].end, text=text[start : chosen[-1].end])


def _announced(sents: list[Sentence], runs: list[list[Sentence]], score: Callable[[Sentence], float]) -> list[Sentence]:
    """The prose after the first reason heading, or from the first labelled reason, up to the run's end."""
    for i, s in enumerate(sents):
        if s.in_rights_notice:
            break
        if _REASON_LABEL.match(s.text) and score(s):
            first = i
        elif _REASON_HEADING.match(s.text) or (s.text.endswith("?") and "reason" in s.text.lower()):
            first = i + 1
        else:
            continue
        run = next((r for r in runs if any(x.start == sents[first].start for x in r)), None) if first < len(sents) else None
        if run:
            tail = [x for x in run if x.start >= sents[first].start]
            # A heading vouches for the prose under it; a label needs reason words.
            if tail and (first > i or sum(score(x) for x in tail) > 0):
                return tail
    return []


def _first_stated(runs: list[list[Sentence]], stated: dict[int, set[str]]) -> list[Sentence]:
    """The run where the letter first states a basis (stated: the bases by sentence start): its main reason comes first."""
    for run in runs:
        for s in run:
            if (stated[s.start] and len(s.text.split()) >= 4 and not _PREAMBLE.search(s.text)) or _CARC_LINE.match(s.text):
                return run
    return []


def _best_run(runs: list[list[Sentence]], score: Callable[[Sentence], float]) -> list[Sentence]:
    best: tuple[float, list[Sentence]] | None = None
    for run in runs:
        total = sum(score(s) for s in run)
        if total > 0 and (best is None or total > best[0]):
            best = (total, run)
    return best[1] if best else []


def _is_preamble(s: Sentence) -> bool:
    """Not the reason: the decision alone, who asked or reviewed, a heading, or what comes after."""
    return (
        _is_announcement(s) or bool(_NEXT_STEPS.match(s.text)) or bool(_AFTERWORD.search(s.text))
        or bool(_REASON_HEADING.match(s.text)) or (bool(_PREAMBLE.search(s.text)) and not _REASON_LABEL.match(s.text))
    )


def _cues(s: Sentence) -> set[str]:
    return {m.group(0).lower() for m in _REASON_CUES.finditer(s.text)}


def _is_announcement(s: Sentence) -> bool:
    """"The request has been denied.": the decision, with no reason in it."""
    cues = _cues(s)
    return s.text.endswith("?") or bool(cues) and not (cues - _DECISION_WORDS)


def _reason_score(s: Sentence) -> float:
    if _CARC_LINE.match(s.text):
        return 4.0  # an adjustment code states its basis, as a strong cue does
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


# What a learned selector (stages/reason_selector.py) reads of each sentence besides its
# embedding: the rules' own cues, the sentence's neighbours' cues, and where it sits.
CUE_FEATURES = (
    "reason_words", "bases_stated", "preamble", "announcement", "afterword", "next_steps",
    "reason_label", "after_reason_heading", "first_list_item", "later_list_item", "remittance_code_line",
    "field", "log_words", "under_four_words", "position", "in_rule_span", "previous_reason_words",
    "next_reason_words", "previous_bases_stated", "next_bases_stated", "first_sentence_stating_a_basis",
    "after_first_sentence_stating_a_basis", "question", "ends_with_colon",
)


def cue_features(sents: list[Sentence], stated: list[set[str]], rule: Span | None) -> list[tuple[float, ...]]:
    """One row of CUE_FEATURES per sentence (the letter's own sentences, rights notice left out).

    Args:
        sents: the sentences before the rights notice, in order.
        stated: the bases each sentence states (the classifier's cues).
        rule: the reason the rules chose (reason_span), or None.
    """
    n = len(sents)
    words = [_reason_score(s) for s in sents]
    bases = [min(len(b), 3) for b in stated]
    first = next((i for i, s in enumerate(sents)
                  if stated[i] and len(s.text.split()) >= 4 and not _PREAMBLE.search(s.text)), None)
    rows: list[tuple[float, ...]] = []
    for i, s in enumerate(sents):
        count = len(s.text.split())
        overlap = max(0, min(s.end, rule.end) - max(s.start, rule.start)) if rule else 0
        rows.append((
            words[i], float(bases[i]), float(_is_preamble(s)), float(_is_announcement(s)),
            float(bool(_AFTERWORD.search(s.text))), float(bool(_NEXT_STEPS.match(s.text))),
            float(bool(_REASON_LABEL.match(s.text))), float(i > 0 and bool(_REASON_HEADING.match(sents[i - 1].text))),
            float(bool(_FIRST_ITEM.match(s.text))), float(bool(_NEXT_ITEM.match(s.text))),
            float(bool(_CARC_LINE.match(s.text))), float(s.is_field), math.log1p(count), float(count < 4),
            i / max(n - 1, 1), float(overlap >= 0.5 * (s.end - s.start)),
            words[i - 1] if i else 0.0, words[i + 1] if i + 1 < n else 0.0,
            float(bases[i - 1]) if i else 0.0, float(bases[i + 1]) if i + 1 < n else 0.0,
            float(i == first), float(first is not None and i > first),
            float(s.text.endswith("?")), float(s.text.endswith(":")),
        ))
    return rows


_CELL_LABEL = re.compile(ocr_tolerant(r"^(?:why (?:not paid|denied)|(?:denial )?reason|explanation)\s*:\s*"), re.IGNORECASE)


def pipe_cell(text: str, span: Span, cue_at: Callable[[int, int], int | None]) -> Span:
    """The cell of a "|"-ruled table that states the reason, when the chosen reason is such a table.

    A ruled table has no full stops, so its rows read as one sentence and a reason chosen there
    would take the whole table ("| 1 | 09/08/2026 | J9355 | ... | Why not paid: 440 units billed for
    440 mg; code is per 10 mg | | 2 | ..."). The reason is the cell that holds a basis's words,
    without its label. Anything else is returned as it is.

    Args:
        cue_at: where the first basis cue between two offsets of text starts, None if there is none.
    """
    if span.text.count("|") < 4:
        return span
    at = cue_at(span.start, span.end)
    if at is None:
        return span
    start, end = text.rfind("|", span.start, at) + 1, text.find("|", at, span.end)
    if start <= 0:
        return span
    end = span.end if end < 0 else end
    # The table's closing rule ("+----+----+") is no part of the text after it.
    rule = re.match(r"(?:\s*[-+=]{3,}[-+=| ]*)+\s*", text[start:end])
    start += rule.end() if rule else len(text[start:end]) - len(text[start:end].lstrip())
    if label := _CELL_LABEL.match(text[start:end]):
        start += label.end()
    end = start + len(text[start:end].rstrip())
    return Span(start=start, end=end, text=text[start:end]) if end - start >= 8 else span


def code_gloss(text: str, codes: list[str], boundary: int) -> Span | None:
    """The line that spells out an adjustment code, for a remittance whose only reason is its codes.

    "CO-29  THE TIME LIMIT FOR FILING HAS EXPIRED.", "29 - The time limit ...": a code that starts a
    line after its group code or before a dash or colon (so "29 Elm Street" is no gloss), then at
    least three words of description. The codes are tried in
    the order the letter gives them; a line in the rights notice (from boundary on) does not count.
    """
    for code in codes:
        gloss = re.compile(
            rf"^[ \t]*((?:{ADJUSTMENT_GROUP}[- \t]*{re.escape(code)}[ \t]*[-:]?|{re.escape(code)}[ \t]*[-:])"
            rf"[ \t]+[A-Za-z][\w'/,-]*(?:[ \t]+[\w'/,.-]+){{2,}})[ \t]*$",
            re.MULTILINE,
        )
        if m := gloss.search(text, 0, boundary):
            return match_span(m, 1)
    return None
