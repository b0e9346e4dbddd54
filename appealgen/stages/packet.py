"""packet: AppealResult -> the appeal packet as Markdown (render turns it into PDF and DOCX).

The packet goes with the letter: a cover page, the criteria table, the records to attach,
the deadlines with their law, where to send it, the state's help lines, California's IMR
history where it applies, and a plain-language page for the patient. Every fact comes
from the result (denial facts, bases, assessment, deadlines, passages, patient facts)
or from the bundled knowledge tables; nothing is filled in when the data lacks it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from appealgen.knowledge._data import load_yaml
from appealgen.knowledge.appeal_rules import state_contacts
from appealgen.knowledge.imr import DRUG_TREATMENT_CATEGORY, imr_table, imr_type_for
from appealgen.knowledge.letter_layout import sentences
from appealgen.models import AppealResult, Deadline
from appealgen.stages.draft import BASIS_TITLES, EXTERNAL_STEPS, INTERNAL_STEPS, STATUS_WORDS
from appealgen.stages.strategies import drug_title, flat, payer_name, records_to_attach

PAGE_BREAK = "---"
HEADINGS = {
    "cover": "Cover page",
    "criteria": "Criteria table",
    "records": "Records to attach",
    "deadlines": "Deadlines",
    "send": "Where to send it",
    "contacts": "State regulator and help lines",
    "imr": "California Independent Medical Review history",
    "patient": "For the patient: what this means",
}
_ABBREVIATION_END = re.compile(r"\b(?:P\.O|St|Ste|Dr|No|Inc|Co|Ave|Blvd|Rd|Dept)\.$")
_ROLE_PLAIN = {"regulator": "state regulator", "consumer_assistance": "consumer help"}
_PLAN_WORDS = {
    "commercial_fully_insured": "insured commercial plan",
    "erisa_self_funded": "self-funded employer plan (ERISA)",
    "aca_marketplace": "ACA marketplace plan",
    "medicare_advantage": "Medicare Advantage plan",
    "medicare_part_d": "Medicare Part D plan",
    "medicaid_managed_care": "Medicaid managed care plan",
    "fehb": "Federal Employees Health Benefits plan",
}
_WHY_PLAIN = {
    "medical_necessity": "The plan says the treatment is not medically necessary for you.",
    "experimental_investigational": "The plan says the treatment is experimental or unproven.",
    "off_label": "The plan says the drug is being used for something it is not approved for.",
    "step_therapy": "The plan wants you to try other drugs first.",
    "missing_information": "The plan says it did not get all the records it needed.",
    "prior_authorization_required": "The plan says it was not asked for approval before the treatment.",
    "site_of_care": "The plan does not accept the place where you would get the treatment.",
    "out_of_network": "The plan says the doctor or center is not in its network.",
    "benefit_exclusion": "The plan says your policy does not cover this kind of treatment.",
    "formulary_exclusion": "The drug is not on the plan's list of covered drugs.",
    "quantity_limit": "The plan says the amount asked for is more than it allows.",
    "coding_billing_error": "The plan says the claim had a wrong or missing code.",
    "timely_filing": "The plan says the claim or request was sent too late.",
    "eligibility": "The plan says you were not covered on the date of the treatment.",
}
_ANSWER_PLAIN = {
    "medical_necessity": "The appeal shows, rule by rule, that you meet the plan's own rules for this treatment.",
    "experimental_investigational": "The appeal shows the FDA has approved the drug for your condition.",
    "off_label": "The appeal shows your use matches what the drug is approved for.",
    "step_therapy": "The appeal lists the drugs you already tried and how they worked, and asks for an exception.",
    "missing_information": "The appeal sends the missing records, one by one.",
    "prior_authorization_required": "The appeal asks the plan to review the treatment now, even after the fact.",
    "site_of_care": "The appeal explains why your treatment center should be accepted.",
    "out_of_network": "The appeal asks the plan to cover your doctor as if in network.",
    "benefit_exclusion": "The appeal asks the plan to show the exact rule and to make an exception.",
    "formulary_exclusion": "The appeal asks for an exception so the plan covers this drug.",
    "quantity_limit": "The appeal shows the amount follows the drug's official dosing.",
    "coding_billing_error": "The appeal gives the correct codes and asks the plan to process the claim again.",
    "timely_filing": "The appeal asks the plan to accept it anyway for a good reason.",
    "eligibility": "The appeal sends proof that you were covered.",
}


def build_packet(result: AppealResult) -> str:
    """The appeal packet as Markdown: one `## ` section per part, the cover page first.

    Args:
        result: the pipeline's result for one denial (its letter is the packet's first enclosure).
    """
    sections = [
        _cover(result),
        PAGE_BREAK,
        _criteria(result),
        _records(result),
        _deadlines(result),
        _send(result),
        _contacts(result),
    ]
    if (result.facts.state or "").upper() == "CA":
        sections.append(_imr(result))
    sections += [PAGE_BREAK, _patient_page(result)]
    return "# Appeal packet\n\n" + "\n\n".join(sections).strip() + "\n"


def _first_due(deadlines: list[Deadline]) -> tuple[date, Deadline] | None:
    """The dated deadline that comes first, with its date."""
    dated = [(d.due, d) for d in deadlines if d.due]
    return min(dated, key=lambda pair: pair[0]) if dated else None


def _section(key: str, lines: list[str]) -> str:
    """One packet part under its heading."""
    return f"## {HEADINGS[key]}\n\n" + "\n".join(lines)


def _cover(r: AppealResult) -> str:
    f = r.facts
    plan = _PLAN_WORDS.get(f.plan_type or "", "plan type not stated in the denial")
    rows = [
        f"- Member ID: {f.member_id or 'not stated in the denial'}",
        f"- Payer: {payer_name(f.payer)} ({plan}{', ' + f.state if f.state else ''})",
        f"- Treatment: {drug_title(f.drug)}",
        f"- Claim or reference number: {f.claim_number or 'not stated in the denial'}",
        f"- Denial notice dated: {f.letter_date.isoformat() if f.letter_date else 'not stated'}",
        f"- Appeal letter dated: {r.created_at.date().isoformat()}",
        f"- Denial points answered: {', '.join(BASIS_TITLES[b.id] for b in r.bases) or 'none found'}",
    ]
    first = _first_due(r.deadlines)
    rows.append(
        f"- First due date: {first[0].isoformat()}, {first[1].title} ({first[1].citation})" if first
        else "- First due date: not computed (the denial's date is unknown); use the date on the denial notice"
    )
    enclosed = ["the appeal letter", *(HEADINGS[k].lower() for k in ("criteria", "records", "deadlines", "send", "contacts"))]
    if (f.state or "").upper() == "CA":
        enclosed.append("California IMR history")
    enclosed.append("a plain-language page for the patient")
    rows.append(f"- Enclosed: {'; '.join(enclosed)}")
    if f.urgent:
        rows.append("- Urgent: the letter asks for an expedited (fast) review.")
    return _section("cover", rows)


def _criteria(r: AppealResult) -> str:
    if not r.assessment.criteria:
        return _section("criteria", ["No patient facts were given, so no criteria were checked."])
    known = {p.id for p in r.passages}
    rows = ["| Criterion | Status | Patient's evidence | Passage cited |", "| --- | --- | --- | --- |"]
    for c in r.assessment.criteria:
        cited = c.passage_id if c.passage_id and c.passage_id in known else "criteria set (no passage)"
        rows.append(f"| {flat(c.text)} | {STATUS_WORDS[c.status]} | {flat(c.evidence)} | {cited} |")
    return _section("criteria", rows)


def _records(r: AppealResult) -> str:
    items = records_to_attach([b.id for b in r.bases], r.patient_facts, r.denial_text, r.assessment)
    return _section("records", ["- The signed appeal letter", *(f"- {i}" for i in items)])


def _deadlines(r: AppealResult) -> str:
    rows = ["| Step | Due | Time allowed | Decision time | Citation |", "| --- | --- | --- | --- | --- |"]
    for d in r.deadlines:
        rows.append(
            f"| {flat(d.title)} | {_due(d)} | {_allowed(d)} | {flat(d.decision_timeframe or 'not stated')} | "
            f"{flat(d.citation)}{'' if d.verified else ' (not fully verified)'} |"
        )
    if not r.deadlines:
        rows = ["No appeal rules apply to the facts found; use the deadlines on the denial notice."]
    return _section("deadlines", rows)


def _due(d: Deadline) -> str:
    """The due date, or what it is counted from when it cannot be dated yet."""
    if d.due:
        return d.due.isoformat()
    if not (d.days or d.months) or not d.counted_from:
        return "no fixed filing window"
    return f"counted from the {d.counted_from.replace('_', ' ')}"


def _allowed(d: Deadline) -> str:
    if d.days:
        return f"{d.days} {d.day_type} days"
    if d.months:
        return f"{d.months} months"
    return "not stated"


def _send(r: AppealResult) -> str:
    contacts = _payer_appeal_contacts(r.facts.payer)
    if contacts:
        lines = [f"- {label}: {value}" for label, value in contacts]
    else:
        lines = [
            "appealgen has no appeal address for this plan. Use the appeal address, fax number or portal "
            "given in the denial notice itself; do not send the appeal anywhere else."
        ]
        quoted = _denial_send_lines(r.denial_text)
        if quoted:
            lines += ["", "The denial notice says:"] + [f'- "{q}"' for q in quoted]
    internal = next((d for d in r.deadlines if d.step in INTERNAL_STEPS and d.file_with), None)
    if internal:
        lines += ["", f"File the appeal with: {internal.file_with} ({internal.citation})."]
    lines += ["", "Keep a copy of everything you send and proof of the date you sent it."]
    return _section("send", lines)


def _payer_appeal_contacts(payer: str | None) -> list[tuple[str, str]]:
    """The appeal address, fax and portal the payer directory records for the payer, if any."""
    entry: dict[str, Any] = next((p for p in load_yaml("payers.yaml")["payers"] if p["id"] == payer), {}) if payer else {}
    fields = (("appeal_address", "Appeal address"), ("appeal_fax", "Appeal fax"), ("appeal_portal", "Appeal portal"))
    return [(label, str(entry[key])) for key, label in fields if entry.get(key)]


def _denial_send_lines(denial_text: str) -> list[str]:
    """Sentences of the denial that say where to mail, fax or send an appeal."""
    out = []
    for text in _whole_sentences(denial_text):
        lower = text.lower()
        if any(w in lower for w in ("mail", "fax", "send", "submit", "write to", "portal")) and any(
            w in lower for w in ("appeal", "grievance", "reconsideration", "redetermination")
        ):
            out.append(text)
    return out


def _whole_sentences(text: str) -> list[str]:
    """The letter's sentences on one line each, rejoined where a split fell after an abbreviation (P.O. Box)."""
    out: list[str] = []
    for s in sentences(text):
        line = flat(s.text)
        if out and _ABBREVIATION_END.search(out[-1]):
            out[-1] += " " + line
        else:
            out.append(line)
    return out


def _contacts(r: AppealResult) -> str:
    contacts = state_contacts(r.facts.state)
    if not contacts:
        return _section("contacts", ["The denial does not name a state, so no state contacts are listed."])
    rows = ["| Contact | Role | Phone | Web |", "| --- | --- | --- | --- |"]
    for c in contacts:
        role = (c.get("role") or "").replace("_", " ")
        rows.append(f"| {flat(c['name'])} | {role} | {c.get('phone') or '-'} | {c.get('url') or '-'} |")
    return _section("contacts", rows)


def _imr(r: AppealResult) -> str:
    table = imr_table()
    lines = [
        f"How California's Independent Medical Review decided past cases ({table.source.name}, "
        f"{table.source.publisher}; {table.source.covers}). Past results do not predict one case.",
        "",
    ]
    for b in r.bases:
        imr_type = imr_type_for(b.id)
        if imr_type is None:
            lines.append(f"- {BASIS_TITLES[b.id]}: no matching IMR type, so no figure is given.")
            continue
        for rate in (table.rate(imr_type), table.rate(imr_type, DRUG_TREATMENT_CATEGORY)):
            if rate:
                scope = f", treatment category {rate.treatment_category}" if rate.treatment_category else ""
                lines.append(f"- {BASIS_TITLES[b.id]} (IMR type {imr_type}{scope}): {rate.phrase()}")
    source = table.source.url or "no URL recorded"
    lines += ["", f"Source: {source}" + (f" ({table.source.url_note})" if table.source.url_note else "")]
    return _section("imr", lines)


def _patient_page(r: AppealResult) -> str:
    f = r.facts
    lines = ["Why the plan said no:"]
    lines += [f"- {_WHY_PLAIN[b.id]}" for b in r.bases] or ["- The denial does not say clearly."]
    lines += ["", "What your appeal says:"]
    lines += [f"- {_ANSWER_PLAIN[b.id]}" for b in r.bases]
    lines += ["", "What happens next:"]
    internal = next((d for d in r.deadlines if d.step in INTERNAL_STEPS and d.due), None)
    if internal and internal.due:
        lines.append(f"- Send the appeal to the plan by {internal.due.isoformat()}. Sooner is better.")
    else:
        lines.append("- Send the appeal by the date on your denial notice. Sooner is better.")
    if f.urgent:
        lines.append("- Your case is urgent, so the letter asks for a fast answer.")
    lines.append("- The plan must answer you in writing. Keep every letter it sends.")
    lines += ["", "If the plan says no again:"]
    external = next((d for d in r.deadlines if d.step in EXTERNAL_STEPS), None)
    if external and external.step == "ire_review":
        lines.append("- The plan must send your case to an outside reviewer by itself. You do not have to ask.")
    elif external:
        lines.append(f"- You can ask for an outside review: {external.title}.")
        if external.days or external.months:
            lines.append(f"- You have {_allowed(external)} after the plan's final answer to ask for it.")
        lines.append("- Someone who does not work for the plan decides.")
    else:
        lines.append("- Ask the help lines below about an outside review.")
    lines += ["", "Who to call for help:"]
    contacts = state_contacts(f.state)
    calls = [
        f"- {c['name']} ({_ROLE_PLAIN.get(str(c.get('role')), 'help line')}): {c['phone']}" for c in contacts if c.get("phone")
    ]
    lines += calls or ["- Your state's insurance department (the denial does not name a state)."]
    return _section("patient", lines)
