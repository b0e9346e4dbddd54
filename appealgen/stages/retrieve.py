"""retrieve: DenialFacts + bases -> cited Passage[] from the hybrid index.

Each denial point gets its own queries, because the evidence that answers a site-of-care
denial (the payer's center requirements) differs from what answers a coding denial (the
label's indication and billing code). Appeal-law passages are fetched for the plan type
and state.
"""

from __future__ import annotations

from typing import Protocol

from appealgen.adapters.hybrid import SearchFilters
from appealgen.knowledge.drugs import drug_lexicon
from appealgen.models import DenialBasis, DenialFacts, Passage

APPEAL_LAW = "appeal_law"

_BASIS_QUERIES: dict[str, list[tuple[str, list[str]]]] = {
    "medical_necessity": [("{drug} coverage criteria for initial authorization", ["policy"]),
                          ("{drug} indication and limitations of use", ["label"])],
    "experimental_investigational": [("{drug} FDA approval indication", ["label"]),
                                     ("{drug} approval history clinical trial", ["label", "policy"])],
    "off_label": [("{drug} indication and limitations of use", ["label"]),
                  ("{drug} coverage criteria diagnosis", ["policy"])],
    "step_therapy": [("{drug} prior therapy prophylaxis requirement", ["policy"]),
                     ("step therapy exception law {state}", ["rule"])],
    "missing_information": [("{drug} required testing and monitoring documentation", ["label", "policy"]),
                            ("{drug} inhibitor testing liver function", ["policy"])],
    "prior_authorization_required": [("{drug} prior authorization approval duration", ["policy"]),
                                      ("expedited urgent review timeframe", ["rule"])],
    "site_of_care": [("{drug} prescriber and site of care requirements treatment center", ["policy"]),
                     ("{drug} administration by healthcare professional infusion", ["label"])],
    "out_of_network": [("{drug} prescriber and site of care requirements", ["policy"]),
                       ("network adequacy out of network exception", ["rule"])],
    "benefit_exclusion": [("{drug} coverage criteria exclusions", ["policy"]),
                          ("{drug} indication", ["label"])],
    "formulary_exclusion": [("formulary exception request", ["rule"]),
                            ("{drug} indication", ["label"])],
    "quantity_limit": [("{drug} dosing and administration single dose", ["label"]),
                       ("{drug} approval duration and limits", ["policy"])],
    "coding_billing_error": [("{drug} billing codes HCPCS", ["label"]),
                             ("{drug} indication diagnosis {codes}", ["label", "policy"])],
    "timely_filing": [("deadline to file claim appeal good cause", ["rule"])],
    "eligibility": [("coverage eligibility appeal rights", ["rule"])],
}
_LAW_QUERIES = [
    "deadline to file an internal appeal {plan_type}",
    "external review request deadline {state_name}",
    "expedited appeal timeframe urgent",
]


class Retriever(Protocol):
    """Anything that answers a query with passages (the hybrid index, a fake in tests)."""

    def search(self, query: str, filters: SearchFilters | None = None, k: int = 8) -> list[Passage]:
        """The k best passages."""
        ...


def retrieve(facts: DenialFacts, bases: list[DenialBasis], retriever: Retriever, k: int = 4) -> list[Passage]:
    """Passages for every denial point and for the governing appeal law, deduplicated.

    Args:
        facts: what the letter states (drug, payer, state, plan type, codes).
        bases: the denial points to answer.
        retriever: the index to search.
        k: passages per query.
    """
    drug = _drug_id(facts.drug)
    drug_words = drug or (facts.drug or "")
    plan_type = facts.plan_type if facts.plan_type not in (None, "unknown") else None
    codes = " ".join(facts.codes.icd10 + facts.codes.hcpcs)
    found: dict[str, Passage] = {}

    def add(passages: list[Passage], tag: str) -> None:
        for p in passages:
            if p.id in found:
                if tag not in found[p.id].bases:
                    found[p.id].bases.append(tag)
            else:
                found[p.id] = p.model_copy(update={"bases": [tag]})

    searches: list[tuple[str, SearchFilters, int, str]] = []
    for basis in bases or []:
        for template, kinds in _BASIS_QUERIES[basis.id]:
            query = template.format(drug=drug_words, state=facts.state or "", codes=codes).strip()
            filters = SearchFilters(
                drug=drug, payer=facts.payer if "policy" in kinds else None,
                state=facts.state, plan_type=plan_type, kinds=kinds,
            )
            searches.append((query, filters, k, basis.id))
    for template in _LAW_QUERIES:
        query = template.format(plan_type=(plan_type or "").replace("_", " "), state_name=facts.state or "")
        searches.append((query, SearchFilters(state=facts.state, plan_type=plan_type, kinds=["rule"]), 3, APPEAL_LAW))
    prefetch = getattr(retriever, "prefetch", None)
    if prefetch is not None:  # an index that embeds queries can do them all in one batch
        prefetch([query for query, *_ in searches])
    for query, filters, n, tag in searches:
        hits = retriever.search(query, filters, k=n)
        if not hits and filters.payer:  # no payer policy in the corpus: any payer's, then the label
            hits = retriever.search(query, filters.model_copy(update={"payer": None}), k=n)
        add(hits, tag)
    return list(found.values())


def _drug_id(name: str | None) -> str | None:
    if not name:
        return None
    drug = drug_lexicon().get(name)
    return drug.id if drug else name.lower()
