"""Plan type from a letter's own words: Medicare Advantage, Part D, Medicaid, FEHB, ERISA, marketplace."""

from __future__ import annotations

import re
from typing import cast

from appealgen.knowledge.payers import payer_directory
from appealgen.models import PlanType

PLAN_SIGNALS: list[tuple[str, str, float]] = [
    ("medicare_part_d", r"\bPart D\b|Medicare prescription drug plan|Prescription Drug Plan|\bPDP\b|coverage determination|redetermination", 3.0),
    ("medicare_advantage", r"Medicare Advantage|Medicare (?:health )?plan|\bMA(?:-PD)?\b plan|Part C\b|"
     r"\b(?:HMO|PPO)(?:-POS)? (?:plan )?(?:\(Medicare|Medicare)|Gold Plus|Medicare Advantage Organization|"
     r"organization determination", 2.5),
    # The member's own plan named as a Medicare Advantage plan outweighs the Part D words of a
    # drug denial it makes ("a Medicare Advantage plan with Part D coverage", "Senior Advantage
    # (HMO)"); "Humana is a Medicare Advantage HMO, PPO and PFFS organization" (a disclaimer) is not it.
    ("medicare_advantage", r"\b[Aa]n? Medicare Advantage (?:HMO |PPO |HMO-POS |PFFS )?plan\b|\bSenior Advantage\b|"
     r"\bMedicare Advantage(?: [\w-]+){0,4} \((?:HMO|PPO)|"
     # A dual-eligible special needs plan is a Medicare Advantage plan, however much its letters say "Medicaid".
     r"\bD-?SNP\b|\b[Dd]ual(?:[- ][Ee]ligible)? [Ss]pecial [Nn]eeds [Pp]lan\b", 8.0),
    ("medicaid_managed_care", r"Medicaid|Medi-Cal|state fair hearing|\bCHIP\b|Apple Health|MassHealth|"
     r"Health First Colorado|Medical Assistance|STAR(?:\+PLUS)? program|Managed Care Organization", 3.0),
    ("fehb", r"Federal Employees Health Benefits|\bFEHB\b|Office of Personnel Management|\bOPM\b|"
     r"Federal Employee Program|Service Benefit Plan", 3.0),
    ("erisa_self_funded", r"self-funded|self-insured|\bASO\b|administrative services only|"
     r"claims administrator for (?:your|the) (?:employer|plan)|your employer's (?:group )?health plan", 3.0),
    # PBMs call any client a "plan sponsor", insurers included: alone it settles nothing.
    ("erisa_self_funded", r"plan sponsor", 0.3),
    ("aca_marketplace", r"[Mm]arketplace|HealthCare\.gov|Covered California|Exchange plan|Ambetter|"
     # State-based exchanges.
     r"CoverME|Pennie|Get Covered (?:Illinois|New Jersey|NJ)|Nevada Health Link|Connect for Health Colorado|"
     r"Washington Healthplanfinder|NY State of Health|Georgia Access|Your Health Idaho|Access Health CT|"
     r"Maryland Health Connection|MNsure|BeWell ?NM|kynect|Covered California|Massachusetts Health Connector|"
     r"Vermont Health Connect|DC Health Link|Virginia'?s Insurance Marketplace|"
     r"individual (?:and family )?(?:health |HMO |PPO |EPO )?plan|\b(?:Bronze|Silver|Gold|Platinum) \d{3,4}\b", 2.0),
    ("commercial_fully_insured", r"fully[- ]insured|group (?:health )?(?:insurance )?policy|"
     r"insured (?:group )?plan|[Ii]nsured by|INSURED BY|employer group plan|commercial plan|\bPPO plan\b|\bHMO plan\b", 1.5),
    ("erisa_self_funded", r"\bERISA\b|Employee Retirement Income Security Act|section 502\(a\)", 1.0),
    # An insurer's own words, across line breaks: "This coverage is insured\nby", "underwritten by",
    # "insures this member's coverage"; a state insurance regulator named for this plan.
    ("commercial_fully_insured", r"\b(?:is|are) insured\s+by|\bunderwritten\s+by|\binsures\s+(?:your|this|the)\s+(?:member's\s+)?coverage|"
     r"(?:Department|Division)\s+of\s+Insurance|Insurance\s+(?:Division|Department|Commissioner)|Department\s+of\s+Managed\s+Health\s+Care", 1.0),
]


def read_plan_type(text: str, boundary: int, payer: str | None) -> PlanType:
    """The plan type a letter's own words signal (its decision text counts more than its rights notice).

    Args:
        text: the letter.
        boundary: where its rights notice starts.
        payer: the payer's directory id, whose plan-type hint counts too.
    """
    # The signals' capitals tell "Part D" from "part d"; a line in capitals only ("ANTHEM MEDICARE
    # ADVANTAGE (PPO)", a remittance's header) carries no case, so there they match in any case,
    # save the Part D words: a PBM heads any client's letter "COVERAGE DETERMINATION".
    mixed, capitals = _split_capital_lines(text)
    scores: dict[str, float] = {}
    for plan_type, pattern, weight in PLAN_SIGNALS:
        caps = capitals if plan_type != "medicare_part_d" else ""
        inside = len(re.findall(pattern, mixed[:boundary])) + len(re.findall(pattern, caps[:boundary], re.IGNORECASE))
        outside = len(re.findall(pattern, mixed)) + len(re.findall(pattern, caps, re.IGNORECASE)) - inside
        if inside or outside:
            scores[plan_type] = scores.get(plan_type, 0.0) + weight * (min(inside, 3) + 0.3 * min(outside, 3))
    entry = payer_directory().get(payer) if payer else None
    hint = entry.plan_type_hint if entry else None
    if hint:
        scores[hint] = scores.get(hint, 0.0) + 2.0
    best, score = max(scores.items(), key=lambda kv: kv[1]) if scores else ("unknown", 0.0)
    if score < 0.4:
        return "unknown"  # only passing mentions (a rights notice's, a PBM's "plan sponsor")
    return cast(PlanType, best)


def _split_capital_lines(text: str) -> tuple[str, str]:
    """The text with its all-capital lines blanked, and with its other lines blanked (offsets kept)."""
    mixed, capitals = [], []
    for line in text.split("\n"):
        caps = any(ch.isalpha() for ch in line) and not any(ch.islower() for ch in line)
        blank = " " * len(line)
        mixed.append(blank if caps else line)
        capitals.append(line if caps else blank)
    return "\n".join(mixed), "\n".join(capitals)
