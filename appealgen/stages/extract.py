"""extract: ParsedDocument -> DenialFacts, by rules. Every value comes from the letter's text."""

from __future__ import annotations

import re
from collections.abc import Callable

from appealgen.knowledge import codes as codeset
from appealgen.knowledge.drug_names import find_drug
from appealgen.knowledge.drugs import drug_lexicon
from appealgen.knowledge.letter_dates import DATE_RE, read_letter_date, service_dates
from appealgen.knowledge.letter_layout import (
    MONEY,
    Sentence,
    line_bounds,
    match_span,
    ocr_tolerant,
    rights_notice_start,
    sentences,
)
from appealgen.knowledge.letter_reason import code_gloss, pipe_cell, reason_span
from appealgen.knowledge.payers import payer_directory
from appealgen.knowledge.plan_types import read_plan_type
from appealgen.knowledge.states import STATE_NAMES
from appealgen.models import Codes, DenialFacts, ParsedDocument, Span
from appealgen.stages.classify import first_cue, stated_bases
from appealgen.stages.date_picker import shipped_date_picker
from appealgen.stages.reason_selector import shipped_selector

# "KSB 471920385": a three-letter plan prefix, a space, the number.
_ID = r"(?:(?-i:[A-Z]{3}) (?=\d{6}))?[A-Z0-9][A-Z0-9-]{3,24}[A-Z0-9]"
_ID_VALUE = rf"({_ID})"
# "U73018845 02": a member number may end in a two-digit person code, the last thing on its line.
_MEMBER_ID_VALUE = rf"({_ID}(?: \d{{2}}(?=[ \t]*$))?)"
_MEMBER_ADDRESS = re.compile(r"^\s*(?:member|patient|enrollee|subscriber|beneficiary|your)(?:'s)? (?:mailing |home )?address\s*:", re.IGNORECASE)
_TO_PROVIDER = re.compile(r"\bremittance advice\b|\bexplanation of payment\b|^\s*pay(?:ee|\s+to)\b", re.IGNORECASE | re.MULTILINE)
_PHONE = re.compile(r"(?:1-)?\d{3}-\d{3}-\d{4}")  # "appeal: 1-877-555-0150" is a phone line, not an id
# The plan's own member number first; a state or Medicare id only when the letter gives no other.
_MEMBER_LABEL = re.compile(
    r"\b(?:member|customer|subscriber|enrollee|beneficiary|patient|insured|recipient|medical record)"
    # "Kaiser Permanente member (medical record) number: 1100472938": a gloss may sit before the noun or after it.
    r"(?:'s)?(?:\s*\([\w ]{2,20}\))?\s*(?:[Il]D|identification|number|no\.?|#)(?:\s*(?:number|no\.?|#))?(?:\s*\([\w ]{2,20}\))?\s*[:#.]?\s*" + _MEMBER_ID_VALUE
    + r"|(?:^|\s{2,}|\bFEP member\s+)(?:[Il]D(?: number| no\.?)?|[Il]dentification(?: No\.?| Number)?)\s*#?\s*(?:[:#]|\.{3,})\s*"
    + _MEMBER_ID_VALUE
    # "Humana ID:", "Highmark ID:": the plan's name before "ID" on a field line.
    + r"|(?:^|[ \t]{2,})[ \t]*(?P<owner>(?:[A-Z][\w&.-]*[ \t]+){1,2})(?:member[ \t]+)?[Il]D[ \t]*(?:number|no\.?|#)?[ \t]*(?:[:#]|\.{3,})[ \t]*"
    + _MEMBER_ID_VALUE
    # "Member: Conor B. Ashworth ID: XDF882104937", "PATIENT: DUPREE, CALVIN CONTRACT #: ZJH8834102176": the
    # id after the member's name on the member's line (reading collapses the columns' spaces to one).
    + r"|^[ \t]*(?:member|patient|customer|enrollee|subscriber|beneficiary)(?: name)?[ \t]*:[^\n:]{1,60}?[ \t]"
    r"(?P<owner2>[A-Z][\w&.-]*[ \t]+)?(?:[Il]D|contract)[ \t]*(?:number|no\.?|#)?[ \t]*[:#][ \t]*" + _MEMBER_ID_VALUE,
    re.IGNORECASE | re.MULTILINE,
)
_STATE_ID_LABEL = re.compile(
    r"\b(?:medicare|medicaid|medi-cal|client|providerone(?: client)?|(?-i:[A-Z]{2}) HealthNet)(?:'s)?\s*(?:[Il]D|identification|number|no\.?|#|index number)"
    r"(?:\s*\((?-i:CIN|MBI|DCN)\))?(?:\s*(?:number|no\.?|#))?\s*[:#.]?\s*" + _ID_VALUE
    + r"|\b(?-i:CIN)\s*[:#]\s*" + _ID_VALUE,
    re.IGNORECASE | re.MULTILINE,
)
# Words that, before "ID", name some other number (a group's, a claim's, a provider's).
_NOT_MEMBER_OWNER = re.compile(
    r"\b(?:group|claim|case|request|reference|ref|provider|tax|prescriber|npi|pharmacy|rx|bin|pcn|authorization|auth|"
    r"tracking|document|payer|plan|employer|medicare|medicaid|medi-cal|mbi|dea|state|national|user|transaction|check|"
    r"payment|eft|tin|ein|client|facility|vendor|submitter|batch|order)\b",
    re.IGNORECASE,
)
_CLAIM_LABEL = re.compile(
    r"\b(?:claim|reference|ref\.?|case|authorization|auth\.?|request|tracking|prior authorization|precertification|precert|"
    r"prior approval|pre-?authorization|coverage determination|(?:coverage )?decision|"
    r"pa|appeal|review|determination|confirmation|control|document|referral|notice)"
    r"(?:\s*(?:id|number|no\.?|#)(?:\s*(?:number|no\.?|#))?\s*(?:\.{3,}|[:#.])?\s*|\s*:\s*|[ \t]*\.{3,}[ \t]*)" + _ID_VALUE
    # "ICN: 2026288104477" (a remittance's internal control number), "claim reference 2617433095".
    + r"|\b(?-i:ICN)\s*[:#]?\s*" + _ID_VALUE + r"|\bclaim reference\s+" + _ID_VALUE,
    re.IGNORECASE,
)
_DEADLINE = re.compile(
    r"\b(?:with ?in|no later than|up to|you have)\s+(?P<n>\d{1,3}|sixty|sixty-five|one hundred (?:and )?eighty|"
    r"thirty|ninety|one hundred twenty|four months?|six|twelve)\s*(?:\((?:\d{1,3})\)\s*)?"
    r"(?P<kind>calendar\s+|business\s+|working\s+)?(?P<unit>days?|months?)",
    re.IGNORECASE,
)
_NOT_FILING_WINDOW = re.compile(
    r"\bwe (?:will|must|usually) (?:\w+ )?(?:decide|respond|answer|send|make|notify|review|tell|give|process|complete)|"
    r"\b(?:decide|respond|answer)\b|(?:make|send|give|issue) (?:a |our |you a |its )?decision|peer[- ]to[- ]peer|\bdiscuss|\bspeak with|\btalk with"
)
# What a first-level filing is called: a member's appeal, a provider's claim dispute.
# Scanned letters misread these too ("appea1").
_FILING_WORDS = re.compile(ocr_tolerant(r"appeal|reconsideration|redetermination|grievance|review|dispute"), re.IGNORECASE)
_WORD_NUMBERS = {
    "thirty": 30, "sixty": 60, "sixty-five": 65, "ninety": 90, "one hundred twenty": 120,
    "one hundred eighty": 180, "one hundred and eighty": 180,
}
# A dollar amount in a claim row: "$4,190.00" or "4,190.00".
_STATE_ZIP = re.compile(r"\b([A-Z]{2})\s+(\d{5})(?:-\d{4})?\b")
_URGENT = re.compile(
    r"\b(?:expedited|urgent|fast[- ]track(?:ed)?|72[- ]hour)\s+(?:request|review|appeal|decision|"
    r"determination|pre-service|coverage|(?:pharmacy |medical )?prior authorization|authorization (?:decision|request|review))|"
    r"\bfast \((?:expedited|urgent)\)\s+(?:decision|review|request)|"
    r"\b(?:request|review|decision) type\s*:\s*(?:expedited|urgent)|handled (?:the|this|your) request as (?:expedited|urgent)|"
    r"\btype of (?:review|request|decision)\s*:\s*(?:expedited|urgent)|\b(?:expedited|urgent)\s*\((?:fast|urgent|expedited)\)\s*(?:decision|review|determination)|"
    r"\b(?:agreed to|will) make a fast decision|\b(?:made|decided) (?:it|this|the decision|your request) within (?:72|24) hours|"
    r"\b(?:reviewed|decided|handled|processed) (?:on |as )?an? (?:expedited|urgent|fast)\b|\b(?:EXPEDITED|URGENT) (?:DENIAL|NOTICE|DETERMINATION)"
    .replace(" ", r"\s+"),  # a phrase may break across lines: "handled the\nrequest as expedited"
    re.IGNORECASE,
)
# What a letter says of its own decision ("we made this decision on an expedited (fast) basis", "we
# reviewed it on our fast timeline", a title in capitals): a rights notice never says it, so it
# counts even in a sentence that reads like one ("... TTY 711 EXPEDITED COVERAGE DECISION").
_URGENT_OWN = re.compile(
    r"\b(?:made|reviewed|decided|handled|processed|reached|used) (?:[\w-]+ ){0,3}?"
    r"(?:on|as|under|through) (?:an?|our|the) (?:expedited|fast|urgent)(?: \((?:fast|expedited|urgent|\d{1,2}-hour)\))? "
    r"(?:basis|timeline|track|review|process|decision|coverage determination|determination|request)\b|"
    r"\b(?:we|this) (?:used|was) (?:the |an? )?(?:expedited|urgent) (?:\((?:fast|expedited|urgent)\) )?(?:process|review|decision)\b|"
    r"(?-i:\b(?:EXPEDITED|URGENT)(?: \(FAST\))? (?:COVERAGE |MEDICAL |PHARMACY )?(?:DECISION|DETERMINATION|DENIAL|NOTICE|REVIEW)\b)"
    .replace(" ", r"\s+"),
    re.IGNORECASE,
)
_CARC = re.compile(
    rf"\b{codeset.ADJUSTMENT_GROUP}[- ]?(\d{{1,3}})\b(?![-/]\d)"
    r"|\b(?:CARC|(?:adjustment |denial )?reason code|remark code)s?[ \t]*[:#]?[ \t]*(\d{1,3})\b"
    r"|\b(?:RARC|remark code)s?[ \t]*[:#]?[ \t]*([MN]A?\d{1,3})\b|\b(N386|N115|M127|MA130|N479|N657)\b",
    re.IGNORECASE,
)
_CARC_KEY = re.compile(r"^[ \t]*(\d{1,3})[ \t]+[-:][ \t]+[A-Z][a-z]+(?:[ /,][a-z/-]+){2,}", re.MULTILINE)
_RARC = re.compile(r"(?<![-\w])(?:MA|M|N)\d{1,3}\b")


def extract(doc: ParsedDocument) -> DenialFacts:
    """Read DenialFacts from a parsed letter. A field the letter does not give stays null.

    Args:
        doc: the parsed denial letter.
    """
    text = doc.text
    boundary = rights_notice_start(text)  # the letter's own decision ends where its rights notice starts
    sents = sentences(text, boundary)
    spans: dict[str, Span] = {}
    facts = DenialFacts()

    facts.payer, facts.pbm = _payer(text, boundary, spans)
    facts.plan_type = read_plan_type(text, boundary, facts.payer)
    facts.state = _state(text, boundary, spans)
    facts.member_id = _member_id(text, spans)
    facts.claim_number = _labelled(_CLAIM_LABEL, text, "claim_number", spans, avoid=facts.member_id)
    facts.letter_date = read_letter_date(text, boundary, spans)
    facts.service_date, candidates = service_dates(text, boundary, facts.letter_date, spans)
    # The learned picker reads every date in its context, the rules' choice among its cues.
    if (picker := shipped_date_picker()) and (found := picker.pick(candidates)):
        facts.service_date, spans["service_date"] = found.value, match_span(found.match)
    facts.drug = _drug(text, boundary, spans)
    facts.codes = _codes(text)
    selector = shipped_selector()
    reason = selector.select(text, sents, stated_bases) if selector else reason_span(text, sents, stated_bases)
    if reason:
        reason = pipe_cell(text, reason, lambda start, end: first_cue(sents, start, end))
    else:
        reason = code_gloss(text, facts.codes.carc, boundary)  # a remittance that gives only its codes
    if reason:
        spans["denial_reason"] = reason
    facts.denial_reason = " ".join(reason.text.split()) if reason else None
    facts.stated_deadline_days = _deadline(text, spans)
    facts.urgent = _urgent(sents, boundary)
    facts.spans = spans
    return facts


_LETTERHEAD = 400  # characters
_PROGRAMS: dict[str, Callable[[str], bool]] = {
    "bcbs-fep": lambda plan: plan.startswith("bcbs-"),  # run by a local Blue plan
    "medi-cal": lambda plan: True,  # any Medi-Cal managed care plan
}


def _payer(text: str, boundary: int, spans: dict[str, Span]) -> tuple[str | None, str | None]:
    matches = payer_directory().find_all(text[:boundary]) or payer_directory().find_all(text)
    if not matches:
        return None, None
    pbm = next((m for m in matches if m.payer.kind == "pbm"), None)
    plan = next((m for m in matches if m.payer.kind != "pbm"), None)
    # A program named in the letterhead is the payer when a plan runs it: a Blue plan administering
    # the FEHB Service Benefit Plan is bcbs-fep; Health Net's Medi-Cal managed care line is medi-cal.
    program = next((m for m in matches if m.payer.id in _PROGRAMS and m.start < _LETTERHEAD), None)
    if plan and program and plan.payer.id != program.payer.id and _PROGRAMS[program.payer.id](plan.payer.id):
        plan = program
    chosen = plan or pbm
    assert chosen is not None
    spans["payer"] = Span(start=chosen.start, end=chosen.end, text=text[chosen.start : chosen.end])
    return chosen.payer.id, (pbm.payer.id if pbm else None)


_FIELD_START = re.compile(r"^\s*[A-Z][\w ]{0,30}:")


_CITY_LINE = re.compile(r"^\s*[A-Za-z .'-]+,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?\s*$")
_BLOCK_END = re.compile(r"^\s*(?:dear\b|re:|to:|date\b|(?:letter|notice) date|\d{1,2}/\d{1,2}/\d{2,4}\s*$|\d{4}-\d{2}-\d{2}\s*$|"
                        r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}\s*$|"
                        r"\d{1,2}-(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*-\d{2,4}\s*$|"
                        r".*\b(?:statement|letter|notice|issue|mailing) date\s*:|(?:mr|ms|mrs|mx|miss)\.? [A-Z]|"
                        r"\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{4}\s*$|"
                        r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*day,)", re.IGNORECASE)


def _state(text: str, boundary: int, spans: dict[str, Span]) -> str | None:
    lines = text[:boundary].split("\n")
    offset = 0
    candidates: list[tuple[int, re.Match[str], int]] = []
    previous_is_payer = False
    for line in lines:
        # A payer named on a short header line (not in prose, not as a city: "Meridian, ID 83646").
        names_payer = len(line.strip()) <= 60 and not _CITY_LINE.match(line) and bool(payer_directory().find_all(line))
        payer_line = names_payer or bool(
            re.search(r"P\.?\s?O\.?\s+Box|Attn|Appeals|Department|\bUnit\b(?!\s*#?(?:\d|[A-Z]\b))|Provider|\bBilling\b|"
                      r"^\s*(?:Payee|Pay to|Prescriber|Pharmacy|Facility|Physician|Rendering|Servicing|Vendor)\b",
                      line, re.IGNORECASE)
        )
        # A sender's block (name, team, street, city) runs on until a date, a field or a greeting;
        # its city line belongs to the payer or provider too.
        continued = previous_is_payer and not _FIELD_START.match(line) and not _BLOCK_END.match(line)
        member_line = bool(_MEMBER_ADDRESS.match(line))  # "Member address: 1407 Hickory Glen Dr, Columbia, MO 65203"
        for m in _STATE_ZIP.finditer(line):
            if m.group(1) in STATE_NAMES:
                candidates.append((-1 if member_line else 1 if payer_line or continued else 0, m, offset))
        previous_is_payer = (payer_line or continued) and not _BLOCK_END.match(line) and bool(line.strip())
        offset += len(line) + 1
    if not candidates:
        return None
    # Prefer an address that is not the payer's; among those, the first (the addressee block).
    candidates.sort(key=lambda c: (c[0], c[2]))
    rank, m, line_offset = candidates[0]
    if rank == 1 and (len({c[1].group(1) for c in candidates}) > 1 or _TO_PROVIDER.search(text, 0, boundary)):
        return None  # only the payer's or the provider's address: a remittance names no member address
    spans["state"] = Span(start=line_offset + m.start(1), end=line_offset + m.end(1), text=m.group(1))
    return m.group(1)


def _member_id(text: str, spans: dict[str, Span]) -> str | None:
    pos = 0
    while (m := _MEMBER_LABEL.search(text, pos)) is not None:
        pos = m.end()
        owner = m.group("owner") or m.group("owner2")
        if owner and _NOT_MEMBER_OWNER.search(owner):
            # "Aetna Medicare member ID:", "Medicaid Member ID:": read on from the owner's second word.
            pos = m.start("owner") + len(owner.split()[0]) if m.group("owner") else m.end()
            continue
        owners = {m.re.groupindex["owner"], m.re.groupindex["owner2"]}
        group = next(i for i in range(1, (m.lastindex or 1) + 1) if m.group(i) and i not in owners)
        value = m.group(group)
        if re.search(r"\d", value) and not DATE_RE.fullmatch(value):
            spans["member_id"] = match_span(m, group)
            return value
    return _labelled(_STATE_ID_LABEL, text, "member_id", spans)


def _labelled(
    pattern: re.Pattern[str], text: str, field: str, spans: dict[str, Span], avoid: str | None = None
) -> str | None:
    for m in pattern.finditer(text):
        group = next(i for i in range(1, (m.lastindex or 1) + 1) if m.group(i))
        value = m.group(group)
        if not re.search(r"\d", value) or value == avoid or DATE_RE.fullmatch(value) or _PHONE.fullmatch(value):
            continue
        spans[field] = match_span(m, group)
        return value
    return None


def _drug(text: str, boundary: int, spans: dict[str, Span]) -> str | None:
    found = find_drug(text, boundary)
    if found is None:
        return None
    name, start, end = found
    spans["drug"] = Span(start=start, end=end, text=name)
    return name.lower()


def _codes(text: str) -> Codes:
    found = Codes()
    known_hcpcs = drug_lexicon().all_hcpcs()
    for m in _CARC.finditer(text):
        code = next(g for g in m.groups() if g).upper()
        if code not in found.carc:
            found.carc.append(code)
        # Remark codes listed beside a group code ("CO-16, M119") belong to the same adjustment.
        line_end = text.find("\n", m.end())
        for rarc in _RARC.finditer(text, m.end(), line_end if line_end >= 0 else len(text)):
            if rarc.group(0).upper() not in found.carc:
                found.carc.append(rarc.group(0).upper())
    # A remittance's key to its codes, one per line: "242 - Services not provided by network providers."
    for m in _CARC_KEY.finditer(text):
        if m.group(1) in codeset.carc_table() and m.group(1) not in found.carc:
            found.carc.append(m.group(1))
    for m in codeset.ICD10_RE.finditer(text):
        if "." not in m.group(0) and m.group(0).upper() in found.carc:
            continue  # a remark code ("CO-11, M76"), however much it looks like a diagnosis category
        code = codeset.canonical_icd10(m.group(0))
        context = text[max(0, m.start() - 60) : m.start()].lower()
        labelled = re.search(r"icd|diagnos|dx|code", context)
        if codeset.icd10_exists(code) and (labelled or "." in m.group(0)) and code not in found.icd10:
            found.icd10.append(code)
    for m in codeset.HCPCS_RE.finditer(text):
        code = m.group(1).upper()
        context = text[max(0, m.start() - 60) : m.start()].lower()
        labelled = re.search(r"hcpcs|j-?code|procedure|billing code|codes? billed|billed|reported with|own code", context)
        # J and Q codes are drug codes: on a service line or in a sentence they need no label.
        drug_code = code[0] in "JQ"
        if (code in known_hcpcs or drug_code or labelled or _in_claim_line(text, m)) and code not in found.hcpcs:
            found.hcpcs.append(code)
    for m in codeset.CPT_RE.finditer(text):
        context = text[max(0, m.start() - 40) : m.start()]
        line_head = text[line_bounds(text, m.start())[0] : m.start()]
        cpt_label = bool(re.search(r"\bCPT\b|procedure code", context, re.IGNORECASE)) or bool(
            re.match(r"\s*(?:(?:billed |procedure |service )?codes?|billed(?: services?| items?)?)\s*:", line_head, re.IGNORECASE)
        )
        # a drug-administration code (96360-96549) named beside the infusion or injection
        administration = m.group(1).startswith("96") and bool(re.search(r"infusion|injection|administration", context, re.IGNORECASE))
        if (cpt_label or administration or _in_claim_line(text, m)) and m.group(1) not in found.cpt:
            found.cpt.append(m.group(1))
    for m in codeset.NDC_RE.finditer(text):
        context = text[max(0, m.start() - 30) : m.start()]
        if m.group(4) and not re.search(r"\bNDC\b", context, re.IGNORECASE):
            continue
        ndc = codeset.normalize_ndc(m.group(0))
        if ndc and ndc not in found.ndc:
            found.ndc.append(ndc)
    return found


def _in_claim_line(text: str, m: re.Match[str]) -> bool:
    """A code in a claim-table row (a date and a dollar amount on the line), not a ZIP code."""
    line_start, line_end = line_bounds(text, m.start(), m.end())
    line = text[line_start:line_end]
    zip_code = re.search(r"\b[A-Z]{2}\s*$", text[line_start : m.start()])
    return bool(MONEY.search(line)) and not zip_code and not re.search(r"P\.?\s?O\.?\s+Box", line, re.IGNORECASE)


def _deadline(text: str, spans: dict[str, Span]) -> int | None:
    """The days the letter gives to file the first-level appeal.

    A window counts if an appeal (or a provider's claim dispute) is named near it; one whose
    own sentence names it beats one that only sits near such a sentence ("a transition
    approval for up to 60 days" two lines above "You have 180 days to file an appeal").
    """
    found: tuple[int | None, re.Match[str]] | None = None  # (days, or None when given in months; the window)
    for m in _DEADLINE.finditer(text):
        context = text[max(0, m.start() - 200) : m.end() + 120].lower()
        if not _FILING_WORDS.search(context):
            continue
        # The member's time to ask, not the plan's time to answer or a peer-to-peer call window.
        start = max(text.rfind(". ", 0, m.start()), text.rfind(".\n", 0, m.start()), text.rfind("\n\n", 0, m.start()), 0)
        before = " ".join(text[start : m.start()].lower().split())
        after = " ".join(text[m.end() : m.end() + 60].lower().split())
        if _NOT_FILING_WINDOW.search(before + " " + after[:40]) or (
            re.search(r"\bcall(?:ing)?\b", before) and not re.search(r"appeal|reconsider|redetermination|grievance", before)
        ):
            continue
        rest = after.split(". ")[0]  # the rest of the window's sentence
        if re.match(r"(?:of|from|after) (?:the )?(?:date of service|service date|date the service)", after) or re.search(
            r"\b(?:opm|office of personnel management|external review|independent review|fair hearing|state hearing)\b|"
            r"reconsideration decision|appeal decision|(?:made|decided) by the (?:health insurance )?marketplace|marketplace's notice",
            before + " " + rest,
        ):
            continue  # a claim filing limit, the deadline of a later review level, or another body's (the Marketplace's)
        raw = m.group("n").lower()
        months = raw.startswith("four month") or m.group("unit").lower().startswith("month")
        days = None if months else int(raw) if raw.isdigit() else _WORD_NUMBERS.get(raw)
        if not months and (days is None or days < 14):
            continue
        # Its sentence, or the one before ("You can ask for an appeal. You must ask within 60 days").
        previous = text[max(text.rfind(". ", 0, start), text.rfind(".\n", 0, start), 0) : start].lower()
        if _FILING_WORDS.search(previous + " " + before + " " + rest):
            found = (days, m)
            break
        found = found or (days, m)
    if found is None or found[0] is None:
        return None  # none stated, or the first-level deadline is given in months, not days
    spans["stated_deadline_days"] = match_span(found[1])
    return found[0]


def _urgent(sents: list[Sentence], boundary: int) -> bool:
    return any(_URGENT.search(s.text) for s in sents if not s.in_rights_notice) or any(
        _URGENT_OWN.search(s.text) for s in sents if s.start < boundary
    )
