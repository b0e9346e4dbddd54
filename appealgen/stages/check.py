"""check: a letter (possibly edited) + what it may rest on -> CheckReport of deterministic findings.

Rules are small registered functions with an id and a one-line description, each
returning findings that say what is wrong and where.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from appealgen.knowledge import codes as codeset
from appealgen.knowledge.drugs import drug_lexicon
from appealgen.knowledge.letter_dates import DATE_RE, parse_date
from appealgen.models import CheckContext, CheckReport, Finding, Span
from appealgen.untrusted import CONTROL_RE, INSTRUCTION_RE, instruction_spans

CITATION_RE = re.compile(r"\[([a-z0-9][a-z0-9-]*#[a-z0-9-]+)\]")
_NUMBER_RE = re.compile(
    r"(?<![\w.#,-])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(\s?%|\s?(?:days?|hours?|months?|IU/dL|BU|mg|kg|U/L|mL))?(?![\w#-]|[.,]\d)"
)
_ID_RE = re.compile(r"(?<![\w#-])(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9][A-Z0-9-]{4,}(?![\w#-])")
_URL_RE = re.compile(r"https?://[^\s)\]>\"]+")
# In the letter (our own output) these read as smuggled instructions too; in a denial they can be ordinary words.
_LETTER_INSTRUCTION_RE = re.compile(
    r"\b(?:disregard (?:the|all|previous)|do not (?:mention|include) |"
    r"write that the patient|state that the patient|the appeal (?:should|must) (?:say|state))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rule:
    """A registered check rule."""

    id: str
    description: str
    fn: Callable[[str, CheckContext], list[Finding]]


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str, description: str
) -> Callable[[Callable[[str, CheckContext], list[Finding]]], Callable[[str, CheckContext], list[Finding]]]:
    """Register a check rule."""

    def wrap(fn: Callable[[str, CheckContext], list[Finding]]) -> Callable[[str, CheckContext], list[Finding]]:
        RULES[rule_id] = Rule(rule_id, description, fn)
        return fn

    return wrap


def check(letter: str, ctx: CheckContext, only: set[str] | None = None) -> CheckReport:
    """Run the registered rules over the letter (or a section of it).

    Args:
        letter: the letter's Markdown.
        ctx: what the letter may rest on.
        only: run just these rule ids (e.g. the content rules for one section).
    """
    findings = [f for r in RULES.values() if only is None or r.id in only for f in r.fn(letter, ctx)]
    return CheckReport(passed=not any(f.severity == "error" for f in findings), findings=findings)


def _finding(rule_id: str, message: str, letter: str, start: int, end: int, severity: str = "error") -> Finding:
    return Finding(rule=rule_id, severity=severity, message=message,
                   span=Span(start=start, end=end, text=letter[start:end]))


@rule("basis_answered", "Every denial basis has its own section in the letter.")
def _basis_answered(letter: str, ctx: CheckContext) -> list[Finding]:
    from appealgen.stages.draft import BASIS_TITLES

    out = []
    for b in ctx.bases:
        title = BASIS_TITLES[b.id]
        if not re.search(rf"^#+ .*{re.escape(title)}", letter, re.MULTILINE | re.IGNORECASE):
            out.append(Finding(rule="basis_answered", message=f"The denial basis '{b.id}' has no section answering it."))
    return out


@rule("citation_resolves", "Every [passage-id] citation names a passage that was retrieved.")
def _citations(letter: str, ctx: CheckContext) -> list[Finding]:
    known = {p.id for p in ctx.passages}
    return [
        _finding(
            "citation_resolves", f"Citation [{m.group(1)}] does not match any retrieved passage.", letter, m.start(), m.end()
        )
        for m in CITATION_RE.finditer(letter)
        if m.group(1) not in known
    ]


def _support_text(ctx: CheckContext, letter: str) -> str:
    cited = {m.group(1) for m in CITATION_RE.finditer(letter)}
    parts = [ctx.denial_text, ctx.facts.model_dump_json(), ctx.drafted_on.isoformat()]
    if ctx.patient_facts:
        parts.append(ctx.patient_facts.model_dump_json())
    parts += [" ".join((p.title, p.section, p.text, p.source)) for p in ctx.passages if p.id in cited]
    parts += [c.text + " " + c.evidence + " " + (c.record or "") for c in ctx.assessment.criteria]
    parts += [d.model_dump_json() for d in ctx.deadlines]
    parts.append(str(len(ctx.bases)))
    return "\n".join(parts)


def _iso_dates(text: str) -> set[str]:
    out = set()
    for m in DATE_RE.finditer(text):
        d = parse_date(m)
        if d:
            out.add(d.isoformat())
    return out


def _number_tokens(text: str) -> set[str]:
    """Every number a letter may take from text: each run of digits and dots that starts a number,
    and each part of it that ends at a dot ("3.5." gives 3, 3.5 and 3.5.), so a number counts as
    present where it stands in text with no digit or dot before it and no digit after it."""
    out: set[str] = set()
    for m in re.finditer(r"(?<![\d.])\d[\d.]*", text):
        run = m.group(0)
        out.add(run)
        out.update(run[:i] for i, ch in enumerate(run) if ch == ".")
    return out


def _scrub(letter: str) -> str:
    """Blank out citations, URLs and list/heading numbering, keeping offsets."""
    def blank(m: re.Match[str]) -> str:
        return " " * len(m.group(0))

    letter = CITATION_RE.sub(blank, letter)
    letter = _URL_RE.sub(blank, letter)
    letter = re.sub(r"^#+ Point \d+", blank, letter, flags=re.MULTILINE)
    return letter


@rule("facts_supported", "Every number, date, code and identifier occurs in the denial, the facts or a cited passage.")
def _supported(letter: str, ctx: CheckContext) -> list[Finding]:
    support = _support_text(ctx, letter)
    support_dates = _iso_dates(support)
    support_numbers = _number_tokens(support.replace(",", ""))
    scrubbed = _scrub(letter)
    out: list[Finding] = []
    date_spans: list[tuple[int, int]] = []
    for m in DATE_RE.finditer(scrubbed):
        d = parse_date(m)
        date_spans.append((m.start(), m.end()))
        if d and d.isoformat() not in support_dates:
            out.append(
                _finding(
                    "facts_supported",
                    f"The date {m.group(0)} is not in the denial, the facts or a cited passage.",
                    letter,
                    m.start(),
                    m.end(),
                )
            )
    for m in _ID_RE.finditer(scrubbed):
        if any(s <= m.start() < e for s, e in date_spans):
            continue
        token = m.group(0)
        if token not in support and token.replace("-", "") not in support.replace("-", ""):
            out.append(
                _finding(
                    "facts_supported",
                    f"The identifier or code {token} is not in the denial, the facts or a cited passage.",
                    letter,
                    m.start(),
                    m.end(),
                )
            )
    for m in _NUMBER_RE.finditer(scrubbed):
        if any(s <= m.start() < e for s, e in date_spans):
            continue
        number = m.group(1).replace(",", "")
        if not m.group(2) and "." not in number and int(number) <= 12:
            continue  # small bare counts ("2 reasons", list items) carry no claim
        if number not in support_numbers:
            out.append(
                _finding(
                    "facts_supported",
                    f"The number {m.group(0).strip()} is not in the denial, the facts or a cited passage.",
                    letter,
                    m.start(),
                    m.end(),
                )
            )
    return out


@rule("icd10_valid", "Every ICD-10-CM code exists and fits the drug's labelled indication.")
def _icd10(letter: str, ctx: CheckContext) -> list[Finding]:
    out = []
    drug = drug_lexicon().get(ctx.facts.drug) if ctx.facts.drug else None
    for m in codeset.ICD10_RE.finditer(_scrub(letter)):
        code = codeset.canonical_icd10(m.group(0))
        context = letter[max(0, m.start() - 40) : m.start()].lower()
        if not (re.search(r"icd|diagnos|code", context) or "." in m.group(0)):
            continue
        if not codeset.icd10_exists(code):
            out.append(_finding("icd10_valid", f"{code} is not an ICD-10-CM code.", letter, m.start(), m.end()))
        elif (
            drug
            and drug.indication_icd10
            and not drug.fits_indication(code)
            and "denial states" not in letter[max(0, m.start() - 300) : m.start()].lower()
        ):
            out.append(
                _finding(
                    "icd10_valid",
                    f"{code} does not fit the labelled indication of {drug.id} ({', '.join(drug.indication_icd10)}).",
                    letter,
                    m.start(),
                    m.end(),
                )
            )
    return out


@rule("deadline_matches", "Every appeal deadline the letter states equals the rules engine's.")
def _deadline(letter: str, ctx: CheckContext) -> list[Finding]:
    out = []
    allowed_days = {d.days for d in ctx.deadlines if d.days} | (
        {ctx.facts.stated_deadline_days} if ctx.facts.stated_deadline_days else set()
    )
    allowed_due = {d.due.isoformat() for d in ctx.deadlines if d.due}
    for m in re.finditer(r"within the (\d+) days allowed to appeal[^.]*?ends on (\S+?)(?=\s|\()", letter):
        if allowed_days and int(m.group(1)) not in allowed_days:
            out.append(
                _finding(
                    "deadline_matches",
                    f"The letter states {m.group(1)} days to appeal; the rules give {sorted(allowed_days)}.",
                    letter,
                    m.start(1),
                    m.end(1),
                )
            )
        if allowed_due and m.group(2) not in allowed_due:
            out.append(
                _finding(
                    "deadline_matches",
                    f"The letter states the deadline ends {m.group(2)}; the rules give {sorted(allowed_due)}.",
                    letter,
                    m.start(2),
                    m.end(2),
                )
            )
    return out


@rule("required_elements", "The letter has the member id, the claim/reference number, the request and a signature block.")
def _required(letter: str, ctx: CheckContext) -> list[Finding]:
    out = []
    if ctx.facts.member_id and ctx.facts.member_id not in letter:
        out.append(Finding(rule="required_elements", message="The member ID from the denial is missing."))
    if ctx.facts.claim_number and ctx.facts.claim_number not in letter:
        out.append(Finding(rule="required_elements", message="The claim or reference number from the denial is missing."))
    if not re.search(r"please (?:overturn|approve|reverse|reconsider)", letter, re.IGNORECASE):
        out.append(Finding(rule="required_elements", message="The letter does not state what it asks the plan to do."))
    if not re.search(r"sincerely|signature", letter, re.IGNORECASE):
        out.append(Finding(rule="required_elements", message="The letter has no signature block."))
    return out


@rule("expedited_requested", "An urgent denial's appeal asks for expedited review.")
def _expedited(letter: str, ctx: CheckContext) -> list[Finding]:
    if ctx.facts.urgent and not re.search(r"expedited|urgent", letter, re.IGNORECASE):
        return [
            Finding(rule="expedited_requested", message="The denial is urgent but the letter does not ask for expedited review.")
        ]
    return []


@rule("no_injected_instructions", "No sentence of the letter carries an instruction planted in the denial text.")
def _injection(letter: str, ctx: CheckContext) -> list[Finding]:
    return [
        _finding(
            "no_injected_instructions",
            "The letter contains text that reads as an instruction to a model.",
            letter,
            m.start(),
            m.end(),
        )
        for pattern in (INSTRUCTION_RE, _LETTER_INSTRUCTION_RE)
        for m in pattern.finditer(letter)
    ]


_CONCESSION_RE = re.compile(
    r"\b(?:we|I) (?:hereby )?withdraw (?:this|the|our|my) (?:appeal|request)"
    r"|\b(?:we|I) (?:agree|concur) with (?:the|your) (?:denial|decision|determination)"
    r"|\bthe (?:denial|decision|determination) (?:is|was) (?:correct|justified|appropriate|valid|right)"
    r"|\b(?:the )?(?:patient|member|enrollee) (?:is|was) (?:not eligible|ineligible|not entitled)",
    re.IGNORECASE,
)
_QUOTED_RE = re.compile(r"\"[^\"\n]*\"|\u201c[^\u201d\n]*\u201d")


@rule("no_concession", "The letter never concedes the denial (outside its quotes of the denial).")
def _concession(letter: str, ctx: CheckContext) -> list[Finding]:
    quoted = [(m.start(), m.end()) for m in _QUOTED_RE.finditer(letter)]
    return [
        _finding("no_concession", "The letter concedes the denial, which an appeal never does; an instruction "
                 "in the denial may have been followed.", letter, m.start(), m.end())
        for m in _CONCESSION_RE.finditer(letter)
        if not any(s <= m.start() < e for s, e in quoted)
    ]


@rule("denial_hidden_content", "Hidden characters, invisible text and instructions to a model in the denial are reported.")
def _denial_hidden(letter: str, ctx: CheckContext) -> list[Finding]:
    """Warnings about the denial, not the letter (section "denial"; spans index the denial text).

    parse removes such content and records it (ctx.denial_hidden); a denial text that did not
    come through parse is scanned here.
    """
    text = ctx.denial_text
    scanned = [
        ("denial_instructions", "The denial contains text addressed to a language model.", s, e)
        for s, e in instruction_spans(text)
    ] + [
        ("hidden_characters", "The denial contains zero-width or bidi control characters.", m.start(), m.end())
        for m in CONTROL_RE.finditer(text)
    ]
    return ctx.denial_hidden + [
        Finding(rule=rule_id, severity="warning", message=message, section="denial", span=Span(start=s, end=e, text=text[s:e]))
        for rule_id, message, s, e in scanned[:20]
    ]


@rule("urls_known", "Every URL in the letter comes from the corpus or the denial.")
def _urls(letter: str, ctx: CheckContext) -> list[Finding]:
    known = {p.url for p in ctx.passages if p.url} | set(_URL_RE.findall(ctx.denial_text))
    known |= {d.source_url for d in ctx.deadlines if d.source_url}
    return [
        _finding("urls_known", f"The URL {m.group(0)} is not from the corpus or the denial.", letter, m.start(), m.end())
        for m in _URL_RE.finditer(letter)
        if m.group(0).rstrip(".,;") not in known
    ]


_TITLED_NAME = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Prof)\.?\s+((?:[A-Z][a-zA-Z'-]+\s?){1,3})")


@rule("names_known", "No person is named who is not in the denial or the facts.")
def _names(letter: str, ctx: CheckContext) -> list[Finding]:
    known = ctx.denial_text + (ctx.patient_facts.model_dump_json() if ctx.patient_facts else "")
    out = []
    for m in _TITLED_NAME.finditer(letter):
        surname = m.group(1).split()[-1].strip()
        if surname not in known:
            out.append(
                _finding(
                    "names_known", f"{m.group(0).strip()} is not named in the denial or the facts.", letter, m.start(), m.end()
                )
            )
    return out


_PLACEHOLDER = re.compile(
    r"\[(?:insert|your|patient|name|date)[^\]]*\]|\bXX/XX\b|\blorem ipsum\b|\bTBD\b|<[A-Z_ ]{3,}>", re.IGNORECASE
)


@rule("no_placeholders", "No unfilled placeholder is left in the letter.")
def _placeholders(letter: str, ctx: CheckContext) -> list[Finding]:
    return [
        _finding("no_placeholders", f"Unfilled placeholder {m.group(0)!r}.", letter, m.start(), m.end())
        for m in _PLACEHOLDER.finditer(letter)
    ]


@rule("hcpcs_units", "Units stated for a drug's HCPCS code fit its labelled dose.")
def _units(letter: str, ctx: CheckContext) -> list[Finding]:
    out = []
    for m in re.finditer(r"\b([A-Z]\d{4})\b[^.\n]{0,40}?\b(\d+)\s+units?\b", letter):
        drug = drug_lexicon().by_hcpcs(m.group(1))
        if drug and drug.hcpcs_units_per_dose and int(m.group(2)) != drug.hcpcs_units_per_dose:
            out.append(
                _finding(
                    "hcpcs_units",
                    f"{m.group(1)} is billed as {drug.hcpcs_units_per_dose} unit(s) per dose, not {m.group(2)}.",
                    letter,
                    m.start(),
                    m.end(),
                )
            )
    return out
