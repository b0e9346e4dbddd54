"""Baselines the stages are measured against: a naive keyword classifier and a retriever
that finds nothing (so a letter is drafted with no cited passages)."""

from __future__ import annotations

import re

from appealgen.adapters.hybrid import SearchFilters
from appealgen.models import Passage

# One or two obvious phrases per basis, as someone skimming letters would pick them.
BASIS_KEYWORDS: dict[str, tuple[str, ...]] = {
    "medical_necessity": ("medically necessary", "medical necessity"),
    "experimental_investigational": ("experimental", "investigational"),
    "off_label": ("off-label", "off label", "fda-approved indication"),
    "step_therapy": ("step therapy", "preferred"),
    "missing_information": ("not received", "incomplete", "missing"),
    "prior_authorization_required": ("prior authorization", "precertification"),
    "site_of_care": ("site of care", "treatment center"),
    "out_of_network": ("out-of-network", "out of network", "non-participating"),
    "benefit_exclusion": ("excluded", "exclusion"),
    "formulary_exclusion": ("formulary",),
    "quantity_limit": ("quantity limit", "exceeds"),
    "coding_billing_error": ("diagnosis code", "billing", "invalid code"),
    "timely_filing": ("timely filing", "time limit"),
    "eligibility": ("eligible", "eligibility", "terminated"),
}


def keyword_classify(text: str) -> list[str]:
    """Every basis whose keyword occurs anywhere in the letter (rights notice included),
    ordered by first occurrence, so the primary is the basis mentioned first."""
    lowered = text.lower()
    first: dict[str, int] = {}
    for basis, words in BASIS_KEYWORDS.items():
        positions = [m.start() for w in words for m in re.finditer(re.escape(w), lowered)]
        if positions:
            first[basis] = min(positions)
    return sorted(first, key=first.__getitem__)


class EmptyRetriever:
    """A retriever that returns nothing: the drafting baseline without retrieval."""

    def search(self, query: str, filters: SearchFilters | None = None, k: int = 8) -> list[Passage]:
        """No passages, for any query."""
        return []
